// Retention purge (spec 002: SOHO 90 days, Bank 1 year, Zero Trust 7 years; per-org setting within
// the tier's limits, lib/evidence/settings.ts). Removes the expired PREFIX of each of an org's audit
// chains, in one transaction:
//   1. the chain head is locked; k = the last seq before the first row still inside retention;
//   2. a signed "retention" checkpoint pins row k's hash — the anchor the remaining rows verify from
//      (verifyStoredChain and exports start there instead of at genesis);
//   3. DELETE of seq ≤ k with `fortress.retention_purge = 'on'` set for this transaction only; the
//      database trigger (drizzle/0007_evidence_sql.sql) still refuses any row younger than the org's
//      retention, and every DELETE outside this path;
//   4. the purge itself is recorded in the audit trail.
import { and, eq, gte, lte, min, sql } from "drizzle-orm";
import { auditChainHeads, auditEvents, changeLog, organisations } from "@/db/schema";
import { recordAuditEvent, type Stream } from "../audit/record";
import { retentionAnchor, signCheckpoint } from "../audit/checkpoints";
import { SYSTEM_ACTOR } from "../context";
import type { Database } from "../db";

export interface PurgeResult {
  orgId: string;
  cutoff: string;
  streams: { stream: Stream; purged: number; anchorSeq: number }[];
}

const rowsOf = <T>(r: unknown): T[] => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];

export async function purgeExpired(db: Database, orgId: string): Promise<PurgeResult> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('fortress.retention_purge', 'on', true)`);
    const [{ cutoff }] = rowsOf<{ cutoff: string | Date }>(await tx.execute(sql`select fortress_retention_cutoff(${orgId}::uuid) as cutoff`));
    const cutoffDate = new Date(cutoff);
    const result: PurgeResult = { orgId, cutoff: cutoffDate.toISOString(), streams: [] };
    for (const stream of ["events", "changes"] as const) {
      const t = stream === "events" ? auditEvents : changeLog;
      const [head] = await tx
        .select()
        .from(auditChainHeads)
        .where(and(eq(auditChainHeads.chain, orgId), eq(auditChainHeads.stream, stream)))
        .for("update");
      if (!head) continue;
      const anchor = await retentionAnchor(tx, orgId, stream);
      const [firstKept] = await tx.select({ seq: min(t.seq) }).from(t).where(and(eq(t.chain, orgId), gte(t.occurredAt, cutoffDate)));
      const k = firstKept?.seq != null ? Number(firstKept.seq) - 1 : head.seq;
      if (k <= anchor.seq) {
        result.streams.push({ stream, purged: 0, anchorSeq: anchor.seq });
        continue;
      }
      const [row] = await tx.select({ hash: t.hash }).from(t).where(and(eq(t.chain, orgId), eq(t.seq, k)));
      if (!row) throw new Error(`retention: row ${k} of ${stream} is missing; refusing to purge a broken chain`);
      await signCheckpoint(tx, { chain: orgId, stream, seq: k, hash: row.hash }, "retention");
      const deleted = await tx.delete(t).where(and(eq(t.chain, orgId), lte(t.seq, k))).returning({ seq: t.seq });
      result.streams.push({ stream, purged: deleted.length, anchorSeq: k });
    }
    await tx.execute(sql`select set_config('fortress.retention_purge', 'off', true)`);
    const purged = result.streams.reduce((a, s) => a + s.purged, 0);
    if (purged > 0) {
      await recordAuditEvent(tx, {
        orgId,
        product: "console",
        actor: SYSTEM_ACTOR,
        action: "audit.retention_purged",
        resourceType: "audit_chain",
        resourceId: orgId,
        decision: "info",
        reason: `Purged ${purged} rows older than ${result.cutoff}`,
        metadata: { cutoff: result.cutoff, streams: result.streams },
      });
    }
    return result;
  });
}

/** The scheduled job: every organisation, one transaction each. */
export async function purgeAllOrgs(db: Database): Promise<PurgeResult[]> {
  const orgs = await db.select({ id: organisations.id }).from(organisations);
  const out: PurgeResult[] = [];
  for (const o of orgs) out.push(await purgeExpired(db, o.id));
  return out;
}
