// The chain status the console shows: both chains of the org verified row by row against their
// heads, and the newest signed checkpoint checked (signature and hash).
import { and, desc, eq } from "drizzle-orm";
import { auditCheckpoints } from "@/db/schema";
import type { DbOrTx } from "../db";
import { checkStoredCheckpoint } from "./checkpoints";
import type { Stream } from "./record";
import { signingKey } from "./signing";
import { verifyStoredChain } from "./verify";

export interface StreamStatus {
  stream: Stream;
  ok: boolean;
  rows: number;
  head_seq: number | null;
  first_bad_seq: number | null;
  problem: string | null;
  last_checkpoint: { seq: number; signed_at: string; key_id: string; kind: string; valid: boolean; problem: string | null } | null;
}

export async function chainStatus(db: DbOrTx, orgId: string): Promise<{ ok: boolean; checked_at: string; key_id: string; public_key_pem: string; streams: StreamStatus[] }> {
  const streams: StreamStatus[] = [];
  for (const stream of ["events", "changes"] as const) {
    const v = await verifyStoredChain(db, orgId, stream);
    const [cp] = await db
      .select()
      .from(auditCheckpoints)
      .where(and(eq(auditCheckpoints.chain, orgId), eq(auditCheckpoints.stream, stream)))
      .orderBy(desc(auditCheckpoints.seq))
      .limit(1);
    const cpCheck = cp ? await checkStoredCheckpoint(db, cp) : null;
    streams.push({
      stream,
      ok: v.ok && (cpCheck?.ok ?? true),
      rows: v.checked,
      head_seq: v.ok ? v.headSeq : null,
      first_bad_seq: v.ok ? null : v.firstBadSeq,
      problem: v.ok ? (cpCheck && !cpCheck.ok ? cpCheck.problem! : null) : v.problem,
      last_checkpoint: cp
        ? { seq: cp.seq, signed_at: cp.signedAt.toISOString(), key_id: cp.keyId, kind: cp.kind, valid: cpCheck!.ok, problem: cpCheck!.problem ?? null }
        : null,
    });
  }
  const key = signingKey();
  return { ok: streams.every((s) => s.ok), checked_at: new Date().toISOString(), key_id: key.keyId, public_key_pem: key.publicKeyPem, streams };
}
