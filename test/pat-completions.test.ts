// The completion window: answered requests' bookkeeping is gathered and written together, so it stops
// costing the next request a commit of its own (lib/gateway/pat/completions.ts).
import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, patRequests } from "@/db/schema";
import { verifyStoredChain } from "@/lib/audit/verify";
import { getDb } from "@/lib/db";
import { CompletionWindow } from "@/lib/gateway/pat/completions";
import { eventually, patWorld, type PatWorld } from "./support/pat-setup";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("CompletionWindow", () => {
  it("writes what arrives within the window in one flush: every prepare first, then every record", async () => {
    const log: string[] = [];
    const window = new CompletionWindow<number>({ windowMs: 30 });
    for (const n of [1, 2, 3]) {
      window.add({
        prepare: async () => {
          log.push(`prepare ${n}`);
          await tick(3 - n); // finishing out of order changes nothing
          return n * 10;
        },
        record: async (v) => void log.push(`record ${v}`),
      });
    }
    expect(log).toEqual([]); // nothing before the window closes
    await tick(60);
    expect(log).toEqual(["prepare 1", "prepare 2", "prepare 3", "record 10", "record 20", "record 30"]);
    expect(window.stats).toEqual({ completions: 3, flushes: 1, largestFlush: 3 });
  });

  it("a full window is flushed at once, and drain() writes the rest without waiting", async () => {
    const recorded: number[] = [];
    const window = new CompletionWindow<number>({ windowMs: 60_000, maxItems: 2 });
    const item = (n: number) => ({ prepare: async () => n, record: async (v: number) => void recorded.push(v) });
    window.add(item(1));
    window.add(item(2));
    window.add(item(3));
    await tick(5);
    expect(recorded).toEqual([1, 2]);
    expect(window.waiting).toBe(1);
    await window.drain();
    expect(recorded).toEqual([1, 2, 3]);
    expect(window.waiting).toBe(0);
  });

  it("one failing completion is reported and does not stop the others", async () => {
    const errors: unknown[] = [];
    const recorded: number[] = [];
    const window = new CompletionWindow<number>({ windowMs: 0, onError: (e) => errors.push(e) });
    window.add({ prepare: async () => Promise.reject(new Error("seal failed")), record: async () => void recorded.push(-1) });
    window.add({ prepare: async () => 1, record: async () => Promise.reject(new Error("db gone")) });
    window.add({ prepare: async () => 2, record: async (v) => void recorded.push(v) });
    await window.drain();
    expect(recorded).toEqual([2]);
    expect(errors.map((e) => (e as Error).message)).toEqual(["seal failed", "db gone"]);
  });
});

describe("PAT completions through the window", () => {
  let w: PatWorld;
  beforeAll(async () => {
    // A window long enough for the whole burst below.
    w = await patWorld({ monthly_cap_usd: 100 }, { completionWindowMs: 2_000 });
  });
  afterAll(async () => {
    await w?.close();
  });

  it("requests answered back to back have their completion events written together, after every admission", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { response } = await w.client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 64, messages: [{ role: "user", content: `hi ${i}` }] }).withResponse();
      ids.push(response.headers.get("x-fortress-request-id")!);
    }
    const db = await getDb();
    // Still gathered: no log row yet, although every client has its answer.
    expect(await db.select().from(patRequests).where(eq(patRequests.orgId, w.org.id))).toHaveLength(0);
    await w.gateway.drain();
    await eventually(async () => (await db.select().from(patRequests).where(eq(patRequests.orgId, w.org.id))).length === 4);
    expect(w.gateway.completions.stats.largestFlush).toBe(4);
    const patEvents = () => db.select().from(auditEvents).where(and(eq(auditEvents.chain, w.org.id), eq(auditEvents.product, "pat"))).orderBy(asc(auditEvents.seq));
    await eventually(async () => (await patEvents()).filter((e) => e.action === "pat.messages.completed").length === 4);
    const events = await patEvents();
    const order = events.map((e) => (e.action === "pat.messages" ? `admit ${ids.indexOf(e.requestId!)}` : e.action === "pat.messages.completed" ? "complete" : null)).filter(Boolean);
    expect(order).toEqual(["admit 0", "admit 1", "admit 2", "admit 3", "complete", "complete", "complete", "complete"]);
    // Each completion names its request and its archive object; the chain still verifies.
    const completed = events.filter((e) => e.action === "pat.messages.completed");
    expect(new Set(completed.map((e) => e.resourceId))).toEqual(new Set(ids));
    for (const e of completed) expect((e.metadata as { archive: { sha256: string } | null }).archive?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await verifyStoredChain(db, w.org.id, "events")).ok).toBe(true);
  });
});

describe("a completion whose archive fails unexpectedly", () => {
  let w: PatWorld;
  beforeAll(async () => {
    // A seal that hands back no blob: archiveExchange itself throws (not one of the failures it expects).
    w = await patWorld({ monthly_cap_usd: 100 }, { completionWindowMs: 0, sealObject: (async () => undefined) as never });
  });
  afterAll(async () => {
    await w?.close();
  });

  it("still settles the spend and writes the row, marked as not archived", async () => {
    const { response } = await w.client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 64, messages: [{ role: "user", content: "hi" }] }).withResponse();
    const id = response.headers.get("x-fortress-request-id")!;
    await w.gateway.drain();
    const db = await getDb();
    let row: typeof patRequests.$inferSelect | undefined;
    await eventually(async () => {
      [row] = await db.select().from(patRequests).where(eq(patRequests.id, id));
      return !!row;
    });
    expect(row).toMatchObject({ status: 200, decision: "allow", archiveStatus: "failed", archiveKey: null });
    expect(row!.costMicros).toBeGreaterThan(0);
  });
});
