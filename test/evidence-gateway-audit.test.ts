// Fail closed: a governed request whose audit event cannot be written is refused. Group commit:
// concurrent events of one org share transactions and the chain stays gapless and verifiable.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { AuditGroupCommitter, auditGovernedRequest } from "@/lib/audit/gateway";
import { appendAuditEventsFromKnownHeads, chainHeads, recordAuditEvent, recordChange, type ChainHead } from "@/lib/audit/record";
import { verifyStoredChain } from "@/lib/audit/verify";
import { getDb } from "@/lib/db";
import { FortressError } from "@/lib/errors";
import { trafficBus, type TrafficEvent } from "@/lib/traffic";
import { newOrg } from "./helpers";

// Heavy under a loaded machine (2 cores shared): generous per-test time.
vi.setConfig({ testTimeout: 180_000 });

const actor = { type: "user" as const, id: randomUUID(), label: "sarah.chen@company.com" };

/** A minimal gateway: decide, audit (awaited), answer. The same order MCP and PAT follow. */
async function governedHandler(orgId: string, committer?: AuditGroupCommitter): Promise<Response> {
  let upstreamAnswered = false;
  try {
    upstreamAnswered = true; // the upstream call happened; its answer is held until the audit is durable
    await auditGovernedRequest(
      { orgId, product: "mcp", actor, action: "tools/call", resourceType: "connector", resourceId: "zendesk", decision: "allow", latencyMs: 5, metadata: { tool: "zendesk__list_tickets" } },
      committer,
    );
    return Response.json({ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "tickets…" }] } });
  } catch (err) {
    const message = err instanceof FortressError ? err.message : "internal error";
    return Response.json({ jsonrpc: "2.0", id: 1, error: { code: -32603, message } }, { status: 503, headers: { "x-upstream-answered": String(upstreamAnswered) } });
  }
}

describe("fail-closed governed audit", () => {
  it("refuses the request when the audit write fails, and serves it again once the log is back", async () => {
    const { org } = await newOrg("Fail closed");
    const db = await getDb();
    // Only this org's writes fail, so test files sharing one Postgres are not disturbed.
    await db.execute(
      sql.raw(`create or replace function test_break_audit() returns trigger as $$ begin if new.org_id = '${org.id}' then raise exception 'disk full'; end if; return new; end; $$ language plpgsql`),
    );
    await db.execute(sql`create trigger test_break_audit before insert on audit_events for each row execute function test_break_audit()`);
    try {
      const res = await governedHandler(org.id, new AuditGroupCommitter());
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.error.message).toMatch(/audit log is unavailable/);
      expect(JSON.stringify(body)).not.toContain("disk full"); // internal cause stays in the log
      expect(JSON.stringify(body)).not.toContain("tickets");
      // Concurrent requests in one batch are all refused too.
      const many = await Promise.all(Array.from({ length: 5 }, () => governedHandler(org.id, new AuditGroupCommitter())));
      expect(many.map((r) => r.status)).toEqual([503, 503, 503, 503, 503]);
    } finally {
      await db.execute(sql`drop trigger test_break_audit on audit_events`);
    }
    const ok = await governedHandler(org.id, new AuditGroupCommitter());
    expect(ok.status).toBe(200);
    await expect(verifyStoredChain(db, org.id, "events")).resolves.toMatchObject({ ok: true });
  });

  it("fails closed when the database cannot be reached at all", async () => {
    const committer = new AuditGroupCommitter(async () => {
      throw new Error("ECONNREFUSED");
    });
    await expect(
      auditGovernedRequest({ orgId: randomUUID(), product: "pat", actor, action: "messages.create", decision: "allow" }, committer),
    ).rejects.toMatchObject({ code: "unavailable" });
  });

  it("group-commits concurrent events into few transactions; the chain stays gapless; traffic follows durability", async () => {
    const { org } = await newOrg("Busy gateway");
    const committer = new AuditGroupCommitter();
    const seen: TrafficEvent[] = [];
    const off = trafficBus().subscribe(org.id, (e) => seen.push(e));
    const n = 200;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        auditGovernedRequest(
          {
            orgId: org.id,
            product: "pat",
            actor,
            action: "messages.create",
            decision: i % 10 ? "allow" : "deny",
            metadata: { i },
            traffic: { orgId: org.id, at: new Date().toISOString(), product: "pat", requestId: `r${i}`, target: "claude-sonnet-4-5", principal: { kind: "user", id: actor.id, label: actor.label }, decision: i % 10 ? "allow" : "deny", latencyMs: 3 },
          },
          committer,
        ),
      ),
    );
    off();
    expect(new Set(results.map((r) => r.seq)).size).toBe(n);
    expect(committer.stats.events).toBe(n);
    expect(committer.stats.batches).toBeLessThan(n / 4);
    expect(seen).toHaveLength(n);
    await expect(verifyStoredChain(await getDb(), org.id, "events")).resolves.toMatchObject({ ok: true, checked: n + 1 });
  });
});

describe("group commit fast path: one statement from the head this process last wrote", () => {
  it("appends at the known head, falls back when another writer moved it, and the chain stays verifiable", async () => {
    const { org } = await newOrg("Fast path");
    const db = await getDb();
    const committer = new AuditGroupCommitter();
    const event = (i: number) => ({ orgId: org.id, product: "mcp" as const, actor, action: "tools/call", decision: "allow" as const, metadata: { i, note: "quotes \" and unicode ✓" } });
    // First write learns the head through the locking path; the following sequential writes are fast.
    for (let i = 0; i < 5; i++) await auditGovernedRequest(event(i), committer);
    expect(committer.stats.fastBatches).toBe(4);
    // Another writer (a console action, another instance) appends to the same chain …
    await recordAuditEvent(db, { ...event(99), product: "console", action: "settings.update" });
    await recordChange(db, { orgId: org.id, actor, action: "update", entityType: "connector", before: { a: 1 }, after: { a: 2 } });
    // … so the next fast append finds the head moved, writes nothing, and the locking path writes it.
    const moved = await auditGovernedRequest(event(5), committer);
    expect(moved.seq).toBe(8);
    expect(committer.stats.fastBatches).toBe(4);
    await auditGovernedRequest(event(6), committer);
    expect(committer.stats.fastBatches).toBe(5);
    // Concurrent batches on the fast path, racing a writer on the locking path.
    await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => auditGovernedRequest(event(100 + i), committer)),
      ...Array.from({ length: 5 }, (_, i) => recordAuditEvent(db, { ...event(200 + i), product: "console" })),
    ]);
    await expect(verifyStoredChain(db, org.id, "events")).resolves.toMatchObject({ ok: true, checked: 1 + 5 + 1 + 2 + 40 + 5 });
    const stored = (await db.execute(sql`select metadata from audit_events where chain = ${org.id} and seq = 3`)) as unknown as { rows: { metadata: unknown }[] };
    expect(stored.rows[0].metadata).toEqual({ i: 1, note: 'quotes " and unicode ✓' });
  });
});

describe("writers of one process share the heads they know", () => {
  it("a transaction appending from the known heads and the group committer take turns without sending each other down the locking path", async () => {
    const { org } = await newOrg("Two writers");
    const db = await getDb();
    const committer = new AuditGroupCommitter();
    const event = (action: string) => ({ orgId: org.id, product: "pat" as const, actor, action, decision: "allow" as const });
    await auditGovernedRequest(event("pat.messages"), committer); // learns the head (locking path)
    for (let i = 0; i < 10; i++) {
      // PAT bookkeeping: the completion's log row and audit event in one transaction.
      const known = chainHeads(db);
      const learned = new Map<string, ChainHead>();
      await db.transaction((tx) => appendAuditEventsFromKnownHeads(tx, [event("pat.messages.completed")], known, learned));
      for (const [chain, head] of learned) known.set(chain, head);
      await auditGovernedRequest(event("pat.messages"), committer);
    }
    expect(committer.stats.fastBatches).toBe(10);
    await expect(verifyStoredChain(db, org.id, "events")).resolves.toMatchObject({ ok: true, checked: 22 });
  });
});

describe("denials become request.denied webhook events", () => {
  it("in the same transaction as the audit event, via auditGovernedRequest and the drop-in recordGovernedAuditEvent", async () => {
    const { eq } = await import("drizzle-orm");
    const { outboxEvents } = await import("@/db/schema");
    const { recordGovernedAuditEvent } = await import("@/lib/audit/gateway");
    const { org } = await newOrg("Denials");
    const db = await getDb();
    await auditGovernedRequest(
      { orgId: org.id, product: "mcp", actor, action: "tools/call", resourceType: "connector", resourceId: "zendesk", decision: "deny", reason: "Role: Support Agent, action not permitted", metadata: { tool: "zendesk__delete_ticket" } },
      new AuditGroupCommitter(),
    );
    await recordGovernedAuditEvent(db, { orgId: org.id, product: "pat", actor, action: "messages.create", decision: "deny", reason: "Model not in allowlist" });
    await recordGovernedAuditEvent(db, { orgId: org.id, product: "pat", actor, action: "messages.create", decision: "allow" });
    const rows = await db.select().from(outboxEvents).where(eq(outboxEvents.orgId, org.id));
    expect(rows.map((r) => [r.type, (r.payload as any).reason])).toEqual([
      ["request.denied", "Role: Support Agent, action not permitted"],
      ["request.denied", "Model not in allowlist"],
    ]);
    await expect(verifyStoredChain(db, org.id, "events")).resolves.toMatchObject({ ok: true, checked: 4 });
  });
});
