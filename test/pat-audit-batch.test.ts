// Group commit of audit events (recordAuditEvents, used by PAT Fortress): batches across several
// chains, interleaved with single appends, leave every chain verifiable, in order, with no gaps.
import { and, asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents } from "@/db/schema";
import { PLATFORM_CHAIN, recordAuditEvent, recordAuditEvents, type AuditEventInput } from "@/lib/audit/record";
import { verifyStoredChain } from "@/lib/audit/verify";
import { SYSTEM_ACTOR } from "@/lib/context";
import { getDb } from "@/lib/db";
import { newOrg } from "./helpers";

const ev = (orgId: string | null, action: string): AuditEventInput => ({ orgId, product: "pat", actor: SYSTEM_ACTOR, action, decision: "info", metadata: { n: action } });

describe("recordAuditEvents", () => {
  it("keeps every chain valid and ordered, mixed with single appends and concurrent batches", async () => {
    const a = await newOrg("A");
    const b = await newOrg("B");
    const db = await getDb();
    await recordAuditEvent(db, ev(a.org.id, "single-1"));
    await Promise.all([
      recordAuditEvents(db, [ev(a.org.id, "a1"), ev(b.org.id, "b1"), ev(a.org.id, "a2"), ev(null, "p1")]),
      recordAuditEvents(db, [ev(b.org.id, "b2"), ev(a.org.id, "a3")]),
      recordAuditEvent(db, ev(a.org.id, "single-2")),
    ]);
    await db.transaction((tx) => recordAuditEvents(tx, [ev(a.org.id, "in-tx")]));
    expect(await recordAuditEvents(db, [])).toEqual([]);
    for (const chain of [a.org.id, b.org.id, PLATFORM_CHAIN]) expect((await verifyStoredChain(db, chain, "events")).ok).toBe(true);
    const rows = await db.select().from(auditEvents).where(and(eq(auditEvents.chain, a.org.id), eq(auditEvents.product, "pat"))).orderBy(asc(auditEvents.seq));
    const actions = rows.map((r) => r.action);
    expect(actions.indexOf("a1")).toBeLessThan(actions.indexOf("a2"));
    expect(new Set(actions)).toEqual(new Set(["single-1", "a1", "a2", "a3", "single-2", "in-tx"]));
  });
});
