// Signed checkpoints of the audit chains: a periodic job pins every chain head that moved; exports
// pin their own ends; a retention purge pins the new start of what remains.
import { and, desc, eq, gt, lte, sql } from "drizzle-orm";
import { auditChainHeads, auditCheckpoints, auditEvents, auditSigningKeys, changeLog } from "@/db/schema";
import type { DbOrTx } from "../db";
import { GENESIS_HASH } from "./chain";
import type { Stream } from "./record";
import { registerSigningKey, signStatement, verifyStatement } from "./signing";

export type Checkpoint = typeof auditCheckpoints.$inferSelect;
export type CheckpointKind = Checkpoint["kind"];

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** Signs and stores "chain had `hash` at `seq`" (once per seq; an existing checkpoint is returned). */
export async function signCheckpoint(
  db: DbOrTx,
  point: { chain: string; stream: Stream; seq: number; hash: string },
  kind: CheckpointKind,
  now = new Date(),
): Promise<Checkpoint> {
  const existing = await db
    .select()
    .from(auditCheckpoints)
    .where(and(eq(auditCheckpoints.chain, point.chain), eq(auditCheckpoints.stream, point.stream), eq(auditCheckpoints.seq, point.seq)));
  if (existing[0]) return existing[0];
  const key = await registerSigningKey(db);
  const signedAt = now.toISOString();
  const { keyId, signature } = signStatement({ ...point, signedAt }, key);
  const [row] = await db
    .insert(auditCheckpoints)
    .values({
      chain: point.chain,
      orgId: isUuid(point.chain) ? point.chain : null,
      stream: point.stream,
      seq: point.seq,
      hash: point.hash,
      kind,
      signedAt: new Date(signedAt),
      keyId,
      signature,
    })
    .onConflictDoNothing()
    .returning();
  if (row) return row;
  const [again] = await db
    .select()
    .from(auditCheckpoints)
    .where(and(eq(auditCheckpoints.chain, point.chain), eq(auditCheckpoints.stream, point.stream), eq(auditCheckpoints.seq, point.seq)));
  return again;
}

/** The periodic job: one checkpoint per chain head that moved since its last checkpoint. */
export async function checkpointAllHeads(db: DbOrTx, now = new Date()): Promise<number> {
  const moved = await db
    .select({ chain: auditChainHeads.chain, stream: auditChainHeads.stream, seq: auditChainHeads.seq, hash: auditChainHeads.hash })
    .from(auditChainHeads)
    .where(
      and(
        gt(auditChainHeads.seq, 0),
        sql`not exists (select 1 from ${auditCheckpoints} c where c.chain = ${auditChainHeads.chain} and c.stream = ${auditChainHeads.stream} and c.seq >= ${auditChainHeads.seq})`,
      ),
    );
  for (const head of moved) await signCheckpoint(db, head, "periodic", now);
  return moved.length;
}

/** Checkpoints of a chain whose seq lies in [fromSeq, toSeq]. */
export async function checkpointsBetween(db: DbOrTx, chain: string, stream: Stream, fromSeq: number, toSeq: number): Promise<Checkpoint[]> {
  return db
    .select()
    .from(auditCheckpoints)
    .where(and(eq(auditCheckpoints.chain, chain), eq(auditCheckpoints.stream, stream), gt(auditCheckpoints.seq, fromSeq - 1), lte(auditCheckpoints.seq, toSeq)))
    .orderBy(auditCheckpoints.seq);
}

/** The newest retention anchor of a chain: where verification of the remaining rows starts. */
export async function retentionAnchor(db: DbOrTx, chain: string, stream: Stream): Promise<{ seq: number; hash: string }> {
  const [row] = await db
    .select()
    .from(auditCheckpoints)
    .where(and(eq(auditCheckpoints.chain, chain), eq(auditCheckpoints.stream, stream), eq(auditCheckpoints.kind, "retention")))
    .orderBy(desc(auditCheckpoints.seq))
    .limit(1);
  return row ? { seq: row.seq, hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
}

export async function publicKeys(db: DbOrTx, keyIds: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const keyId of new Set(keyIds)) {
    const [k] = await db.select().from(auditSigningKeys).where(eq(auditSigningKeys.keyId, keyId));
    if (k) out[keyId] = k.publicKeyPem;
  }
  return out;
}

/** Does a stored checkpoint carry a valid signature, and does it match the stored row at its seq? */
export async function checkStoredCheckpoint(db: DbOrTx, cp: Checkpoint): Promise<{ ok: boolean; problem?: string }> {
  const keys = await publicKeys(db, [cp.keyId]);
  const pem = keys[cp.keyId];
  if (!pem) return { ok: false, problem: `unknown signing key ${cp.keyId}` };
  const signed = verifyStatement(
    { chain: cp.chain, stream: cp.stream, seq: cp.seq, hash: cp.hash, signedAt: cp.signedAt.toISOString(), keyId: cp.keyId },
    cp.signature,
    pem,
  );
  if (!signed) return { ok: false, problem: `checkpoint at seq ${cp.seq} has a bad signature` };
  const table = cp.stream === "events" ? auditEvents : changeLog;
  const [row] = await db
    .select({ hash: table.hash })
    .from(table)
    .where(and(eq(table.chain, cp.chain), eq(table.seq, cp.seq)));
  if (row && row.hash !== cp.hash) return { ok: false, problem: `row ${cp.seq} does not match its signed checkpoint` };
  return { ok: true };
}
