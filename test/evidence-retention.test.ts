// Retention: the purge removes expired rows (and only those, and only through its own path) without
// breaking verification of what remains — in the database and in an offline export.
import { and, eq, sql } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { auditEvents, organisations } from "@/db/schema";
import { exportAudit } from "@/lib/audit/export";
import { parseExport, verifyExport } from "@/lib/audit/export-verify";
import { recordAuditEvents, recordChange } from "@/lib/audit/record";
import { verifyStoredChain } from "@/lib/audit/verify";
import { getDb } from "@/lib/db";
import { purgeExpired } from "@/lib/evidence/retention";

// Heavy under a loaded machine (2 cores shared): generous per-test time.
vi.setConfig({ testTimeout: 180_000 });

const actor = { type: "system" as const, id: null, label: "test" };
const daysAgo = (d: number) => new Date(Date.now() - d * 86400_000);

async function orgWithHistory(tier: "SOHO" | "BANK" = "SOHO") {
  const db = await getDb();
  const [org] = await db.insert(organisations).values({ name: "Retained", slug: `ret-${randomUUID().slice(0, 8)}`, tier }).returning();
  const ev = (d: number, i: number) => ({ orgId: org.id, product: "mcp" as const, actor, action: "tools/call", decision: "allow" as const, occurredAt: daysAgo(d), metadata: { i } });
  await recordAuditEvents(db, [
    ...Array.from({ length: 10 }, (_, i) => ev(400 - i, i)),
    ...Array.from({ length: 5 }, (_, i) => ev(120 - i, 10 + i)),
    ...Array.from({ length: 5 }, (_, i) => ev(10 - i, 15 + i)),
  ]);
  await recordChange(db, { orgId: org.id, actor, action: "update", entityType: "role", entityLabel: "old", before: { a: 1 }, after: { a: 2 }, occurredAt: daysAgo(200) });
  await recordChange(db, { orgId: org.id, actor, action: "update", entityType: "role", entityLabel: "new", before: { a: 2 }, after: { a: 3 } });
  return org.id;
}

describe("retention purge", () => {
  it("removes rows past the tier's retention and leaves a chain that still verifies (DB and export)", async () => {
    const orgId = await orgWithHistory("SOHO"); // 90 days
    const db = await getDb();
    const r = await purgeExpired(db, orgId);
    expect(r.streams).toEqual([
      { stream: "events", purged: 15, anchorSeq: 15 },
      { stream: "changes", purged: 1, anchorSeq: 1 },
    ]);
    const left = await db.select().from(auditEvents).where(eq(auditEvents.chain, orgId));
    expect(left.map((e) => e.seq).sort((a, b) => a - b)).toEqual([16, 17, 18, 19, 20, 21]); // 21 = the purge's own record
    await expect(verifyStoredChain(db, orgId, "events")).resolves.toMatchObject({ ok: true, checked: 6 });
    await expect(verifyStoredChain(db, orgId, "changes")).resolves.toMatchObject({ ok: true, checked: 1 });

    const text = await new Response(await exportAudit(db, { orgId, stream: "events", format: "jsonl" })).text();
    const parsed = parseExport(text);
    expect(parsed.checkpoints.map((c) => [c.kind, c.seq])).toContainEqual(["retention", 15]);
    expect(verifyExport(parsed)).toMatchObject({ ok: true, fromSeq: 16, toSeq: 21 });

    // Idempotent: nothing more to purge.
    expect((await purgeExpired(db, orgId)).streams.every((s) => s.purged === 0)).toBe(true);
  });

  it("a longer org setting keeps more; Bank keeps a year", async () => {
    const db = await getDb();
    const bank = await orgWithHistory("BANK");
    expect((await purgeExpired(db, bank)).streams[0]).toMatchObject({ purged: 10 });
    const soho = await orgWithHistory("SOHO");
    await db.execute(sql`insert into org_evidence_settings (org_id, retention_days) values (${soho}, 180)`);
    expect((await purgeExpired(db, soho)).streams[0]).toMatchObject({ purged: 10 });
    await expect(verifyStoredChain(db, soho, "events")).resolves.toMatchObject({ ok: true });
  });

  it("the trigger still refuses every other DELETE: without the flag, or for rows inside retention", async () => {
    const orgId = await orgWithHistory("SOHO");
    const db = await getDb();
    await expect(db.delete(auditEvents).where(and(eq(auditEvents.chain, orgId), eq(auditEvents.seq, 1)))).rejects.toThrow();
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('fortress.retention_purge', 'on', true)`);
        await tx.delete(auditEvents).where(and(eq(auditEvents.chain, orgId), eq(auditEvents.seq, 20))); // 6 days old
      }),
    ).rejects.toThrow();
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('fortress.retention_purge', 'on', true)`);
        await tx.update(auditEvents).set({ reason: "x" }).where(eq(auditEvents.chain, orgId));
      }),
    ).rejects.toThrow();
    // The flag is transaction-local: it does not leak into the next statement.
    await expect(db.delete(auditEvents).where(and(eq(auditEvents.chain, orgId), eq(auditEvents.seq, 1)))).rejects.toThrow();
    await expect(verifyStoredChain(db, orgId, "events")).resolves.toMatchObject({ ok: true, checked: 20 });
  });
});
