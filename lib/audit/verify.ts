// Verifies an org's chains as stored in the database, reporting the first broken row.
import { and, asc, eq } from "drizzle-orm";
import { auditChainHeads, auditEvents, changeLog } from "@/db/schema";
import type { DbOrTx } from "../db";
import { verifyChain, type ChainVerdict } from "./chain";
import { retentionAnchor } from "./checkpoints";
import { changeFields, eventFields, type Stream } from "./record";

export async function verifyStoredChain(db: DbOrTx, chain: string, stream: Stream): Promise<ChainVerdict> {
  const verdict = await verifyRows(db, chain, stream);
  if (!verdict.ok) return verdict;
  // The head records the last seq written: rows cut from the tail of the chain show up here.
  const [head] = await db
    .select()
    .from(auditChainHeads)
    .where(and(eq(auditChainHeads.chain, chain), eq(auditChainHeads.stream, stream)));
  if (head && (head.seq !== verdict.headSeq || head.hash !== verdict.headHash)) {
    return { ok: false, checked: verdict.checked, firstBadSeq: verdict.headSeq + 1, problem: `rows ${verdict.headSeq + 1}..${head.seq} are missing` };
  }
  return verdict;
}

async function verifyRows(db: DbOrTx, chain: string, stream: Stream): Promise<ChainVerdict> {
  // After a retention purge the chain starts at the signed retention anchor, not at genesis.
  const anchor = await retentionAnchor(db, chain, stream);
  if (stream === "events") {
    const rows = await db.select().from(auditEvents).where(eq(auditEvents.chain, chain)).orderBy(asc(auditEvents.seq));
    return verifyChain(rows.map((r) => ({ seq: r.seq, prevHash: r.prevHash, hash: r.hash, fields: eventFields(r) })), anchor);
  }
  const rows = await db.select().from(changeLog).where(eq(changeLog.chain, chain)).orderBy(asc(changeLog.seq));
  return verifyChain(rows.map((r) => ({ seq: r.seq, prevHash: r.prevHash, hash: r.hash, fields: changeFields(r) })), anchor);
}
