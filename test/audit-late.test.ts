// Audit events written after their request was answered (a PAT completion) are retried with backoff
// when the append fails, up to a bound; what cannot be written is logged in full, never silently lost.
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents } from "@/db/schema";
import { auditCommitter } from "@/lib/audit/gateway";
import { LateAuditQueue } from "@/lib/audit/late";
import type { AuditEventInput } from "@/lib/audit/record";
import { verifyStoredChain } from "@/lib/audit/verify";
import { getDb } from "@/lib/db";
import { newOrg } from "./helpers";

const actor = { type: "system" as const, id: null, label: "test" };
const completion = (orgId: string): AuditEventInput => ({
  orgId,
  product: "pat",
  actor,
  action: "pat.messages.completed",
  resourceType: "pat_request",
  resourceId: randomUUID(),
  decision: "allow",
  metadata: { cost_micros: 1234 },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(5);
};

describe("late audit events", () => {
  it("a failed append is retried with backoff and lands in the chain once the database is back", async () => {
    const { org } = await newOrg("Late Corp");
    let failuresLeft = 2;
    const attempts: number[] = [];
    const queue = new LateAuditQueue(
      async (e) => {
        attempts.push(Date.now());
        if (failuresLeft-- > 0) throw new Error("ECONNREFUSED");
        return auditCommitter().append(e);
      },
      { baseDelayMs: 20 },
    );
    const event = completion(org.id);
    await queue.write(event); // resolves at once: the first failure is queued, not thrown
    expect(queue.waiting).toBe(1);
    await until(() => queue.stats.recovered === 1);
    expect(queue.stats).toMatchObject({ retried: 2, recovered: 1, dropped: 0 });
    expect(queue.waiting).toBe(0);
    // Backoff doubles: 20 ms before the first retry, 40 ms before the second.
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(19);
    expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(39);
    const db = await getDb();
    const rows = await db.select().from(auditEvents).where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.resourceId, event.resourceId!)));
    expect(rows).toHaveLength(1);
    await expect(verifyStoredChain(db, org.id, "events")).resolves.toMatchObject({ ok: true });
  });

  it("gives up after the last attempt, and past the bound of waiting events, counting what it dropped", async () => {
    const failing = new LateAuditQueue(async () => Promise.reject(new Error("down")), { baseDelayMs: 5, maxAttempts: 3 });
    await failing.write(completion(randomUUID()));
    await until(() => failing.stats.dropped === 1);
    expect(failing.stats).toMatchObject({ retried: 2, dropped: 1, recovered: 0 });
    expect(failing.waiting).toBe(0);

    const full = new LateAuditQueue(async () => Promise.reject(new Error("down")), { baseDelayMs: 60_000, maxPending: 1 });
    await full.write(completion(randomUUID()));
    await full.write(completion(randomUUID()));
    expect(full.waiting).toBe(1);
    expect(full.stats.dropped).toBe(1);
  });

  it("flush (at shutdown) makes one last attempt for every waiting event", async () => {
    const written: AuditEventInput[] = [];
    let down = true;
    const queue = new LateAuditQueue(
      async (e) => {
        if (down) throw new Error("down");
        written.push(e);
      },
      { baseDelayMs: 60_000 },
    );
    await queue.write(completion(randomUUID()));
    await queue.write(completion(randomUUID()));
    expect(queue.waiting).toBe(2);
    down = false;
    await queue.flush();
    expect(written).toHaveLength(2);
    expect(queue.waiting).toBe(0);
    expect(queue.stats.recovered).toBe(2);
  });
});
