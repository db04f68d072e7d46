// Spend caps under a race: 50 concurrent requests against a cap worth exactly one request, spread over
// two gateway instances (two handler stacks, HTTP servers and spend-lease managers with their own
// instance ids, sharing one database — real Postgres when DATABASE_URL is set), 20 rounds. The settled
// spend never exceeds the cap, exactly one request is forwarded per round, and every reservation is
// released or settled.
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, patRequests, patSpend } from "@/db/schema";
import { verifyStoredChain } from "@/lib/audit/verify";
import { getDb } from "@/lib/db";
import { createPatGateway } from "@/lib/gateway/pat/gateway";
import { PAT_JOBS } from "@/lib/gateway/pat/jobs";
import { LeaseManager, Ticket, type LeaseStore } from "@/lib/gateway/pat/lease";
import { newSpendLeases } from "@/lib/gateway/pat/record";
import { maxCostMicros } from "@/lib/gateway/pat/pricing";
import { postgresLeaseStore, renewLeases, settleSpend, utcMonth } from "@/lib/gateway/pat/spend";
import { startFakeAnthropic, type FakeAnthropic } from "./fakes/anthropic";
import { newOrg } from "./helpers";
import { addPatKey, createOrgApiKey, eventually, grantPatKeys, patWorld } from "./support/pat-setup";
import { startPatServer, type PatServer } from "./support/pat-server";
import { queryLog } from "./support/query-log";

let fake: FakeAnthropic;
let servers: PatServer[];
let leases: LeaseManager[];
beforeAll(async () => {
  fake = await startFakeAnthropic();
  // Two "instances": separate gateway objects, servers and spend leases (archive off: this test is about money).
  leases = [newSpendLeases(), newSpendLeases()];
  servers = await Promise.all(leases.map((l) => startPatServer(createPatGateway({ upstream: () => fake.url, archive: false, leases: () => l }))));
});
afterAll(async () => {
  for (const s of servers ?? []) await s.close();
  for (const l of leases ?? []) await l.close();
  await fake?.close();
});

const MODEL = "claude-sonnet-4-6";
const MAX_TOKENS = 200;

describe("spend cap race", () => {
  it("50 concurrent requests, cap worth one, two instances, 20 rounds: the cap is never exceeded", async () => {
    const { org, user, token } = await newOrg("Race Corp");
    const orgKey = await createOrgApiKey(token);
    const db = await getDb();
    const body = JSON.stringify({ model: MODEL, max_tokens: MAX_TOKENS, messages: [{ role: "user", content: "race" }] });
    const oneRequest = maxCostMicros(MODEL, Buffer.byteLength(body), MAX_TOKENS);
    for (let round = 0; round < 20; round++) {
      const label = `race-${round}`;
      const key = await addPatKey(token, { label, monthly_cap_usd: oneRequest / 1_000_000, models: [] });
      await grantPatKeys(org.id, user.id, [key.id]);
      fake.reset();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          fetch(`${servers[i % 2].url}/v1/messages`, {
            method: "POST",
            headers: { "x-api-key": orgKey, "content-type": "application/json", "anthropic-version": "2023-06-01", "x-fortress-pat-key": label },
            body,
          }).then(async (r) => ({ status: r.status, body: await r.text() })),
        ),
      );
      const ok = results.filter((r) => r.status === 200);
      const denied = results.filter((r) => r.status === 403);
      expect(ok.length + denied.length).toBe(50);
      expect(ok.length).toBe(1);
      for (const d of denied) expect(JSON.parse(d.body).error.message).toMatch(/monthly spend cap/);
      expect(fake.requests.length).toBe(ok.length);
      let row: typeof patSpend.$inferSelect | undefined;
      await eventually(async () => {
        [row] = await db.select().from(patSpend).where(and(eq(patSpend.patKeyId, key.id), eq(patSpend.month, utcMonth(new Date()))));
        return !!row && row.reservedMicros === 0 && row.requests === ok.length;
      });
      expect(row!.settledMicros).toBeGreaterThan(0);
      expect(row!.settledMicros).toBeLessThanOrEqual(oneRequest);
    }
    // 1000 decisions written by group commit: the org's audit chain is intact, one event per decision.
    const verdict = await verifyStoredChain(db, org.id, "events");
    expect(verdict.ok).toBe(true);
    const denials = await db.select({ n: sql<number>`count(*)` }).from(auditEvents).where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.decision, "deny")));
    expect(Number(denials[0].n)).toBe(20 * 49);
  }, 180_000);

  it("the spend ledger unreachable when a lease is needed: 503, nothing forwarded (fail closed)", async () => {
    const down: LeaseStore = {
      acquire: async () => {
        throw new Error("connection refused");
      },
      giveBack: async () => {},
      renew: async () => {},
    };
    const failing = new LeaseManager(down);
    const w = await patWorld({ monthly_cap_usd: 10 }, { archive: false, leases: () => failing }, fake);
    try {
      const before = fake.requests.length;
      const res = await fetch(`${w.server.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": w.orgKey, "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] }),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ type: "error", error: { type: "api_error" } });
      expect(fake.requests.length).toBe(before);
    } finally {
      await w.close();
    }
  });

  it("the official SDK sees a cap refusal as a 403 PermissionDeniedError", async () => {
    const { org, user, token } = await newOrg("Cap Corp");
    const orgKey = await createOrgApiKey(token);
    const key = await addPatKey(token, { label: "capped", monthly_cap_usd: 0 });
    await grantPatKeys(org.id, user.id, [key.id]);
    const client = new Anthropic({ apiKey: orgKey, baseURL: servers[0].url, maxRetries: 0 });
    const err = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(err.error).toMatchObject({ type: "error", error: { type: "policy_denied", code: 403 } });
  });
});

// A completion's bookkeeping (the settlement and the request's log row) in the steady state is one
// statement: both are written, or neither.
describe("completion bookkeeping in one statement", () => {
  it("a completed request settles its spend and writes its log row in one statement, without BEGIN", async () => {
    const w = await patWorld({ monthly_cap_usd: 10 }, { archive: false }, fake);
    const log = await queryLog();
    try {
      const ask = () => w.client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] });
      const db = await getDb();
      const logged = async () => (await db.select({ id: patRequests.id }).from(patRequests).where(eq(patRequests.orgId, w.org.id))).length;
      await ask(); // warm-up: the lease is taken here
      await eventually(async () => (await logged()) === 1);
      const { sql: sent } = await log.during(async () => {
        await ask();
        await eventually(async () => (await logged()) === 2);
      });
      const writes = sent.filter((q) => /insert into "?pat_requests"?/i.test(q));
      expect(writes).toHaveLength(1);
      expect(writes[0]).toMatch(/INSERT INTO pat_spend/i);
      expect(sent.filter((q) => /^\s*begin\b/i.test(q))).toEqual([]);
      const [spend] = await db.select().from(patSpend).where(and(eq(patSpend.orgId, w.org.id), eq(patSpend.patKeyId, w.patKey.id)));
      expect(spend.requests).toBe(2);
      expect(Number(spend.settledMicros)).toBeGreaterThan(0);
    } finally {
      log.restore();
      await w.close();
    }
  });

  it("when the log row cannot be written, the settlement is not applied either", async () => {
    const { org, token } = await newOrg("Atomic Corp");
    const key = await addPatKey(token, { label: "atomic", monthly_cap_usd: 10 });
    const ref = { orgId: org.id, patKeyId: key.id, month: utcMonth(new Date()), instanceId: null };
    const db = await getDb();
    await settleSpend(db, ref, 0, 1_000); // the month's row exists
    // A log row missing its required columns: the statement fails as a whole.
    const badRow = sql`INSERT INTO pat_requests (id, org_id) VALUES (${randomUUID()}::uuid, ${org.id}::uuid)`;
    await expect(settleSpend(db, ref, 0, 5_000, true, badRow)).rejects.toThrow();
    const [spend] = await db.select().from(patSpend).where(and(eq(patSpend.orgId, org.id), eq(patSpend.patKeyId, key.id)));
    expect(Number(spend.settledMicros)).toBe(1_000);
    expect(spend.requests).toBe(1);
  });
});

// Spend leases straight on the database: two lease managers with their own instance ids are two
// instances; the sweep stands in for the scheduler.
describe("spend leases across instances", () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** The month's row and its leases, read in one statement (one snapshot, even while instances write). */
  async function ledger(orgId: string, patKeyId: string) {
    const db = await getDb();
    const result = await db.execute(sql`
      SELECT s.reserved_micros AS reserved, s.settled_micros AS settled, s.requests,
             (SELECT coalesce(json_agg(json_build_object('instanceId', l.instance_id, 'amountMicros', l.amount_micros)), '[]'::json)
                FROM pat_spend_leases l WHERE l.org_id = s.org_id AND l.pat_key_id = s.pat_key_id AND l.month = s.month) AS rows
      FROM pat_spend s WHERE s.org_id = ${orgId}::uuid AND s.pat_key_id = ${patKeyId}::uuid AND s.month = ${utcMonth(new Date())}`);
    type Row = { reserved: string; settled: string; requests: number; rows: { instanceId: string; amountMicros: number }[] };
    const [row] = (Array.isArray(result) ? result : (result as unknown as { rows: Row[] }).rows) as Row[];
    const rows = row?.rows ?? [];
    return { reserved: Number(row?.reserved ?? 0), settled: Number(row?.settled ?? 0), requests: Number(row?.requests ?? 0), leased: rows.reduce((n, r) => n + r.amountMicros, 0), rows };
  }

  /** What record.ts does when a request completes: settle in Postgres, then tell the ticket. */
  async function settle(t: Ticket, real: number) {
    const plan = t.planSettlement(real);
    const r = await settleSpend(await getDb(), { ...t.ref, instanceId: plan.instanceId }, plan.releaseMicros, real);
    t.settled(plan, r?.leaseFound ?? false);
  }

  function counted() {
    const calls = { acquire: 0 };
    const base = postgresLeaseStore(getDb);
    const store: LeaseStore = { ...base, acquire: (r) => (calls.acquire++, base.acquire(r)) };
    return { calls, store };
  }

  it("two instances, requests of random size and cost: together they never settle more than the cap", async () => {
    const { org, token } = await newOrg("Lease Corp");
    const CAP = 2_000_000;
    const key = await addPatKey(token, { label: "leased", monthly_cap_usd: CAP / 1_000_000 });
    const ref = { orgId: org.id, patKeyId: key.id, month: utcMonth(new Date()), capMicros: CAP };
    const instances = [counted(), counted()].map((c) => ({ ...c, leases: new LeaseManager(c.store, { instanceId: randomUUID() }) }));
    let admitted = 0;
    let refused = 0;
    let synchronous = 0;
    let realTotal = 0;
    let next = 0;
    const worker = async (w: number) => {
      while (next < 400) {
        const i = next++;
        const inst = instances[(w + i) % 2];
        const amount = 10_000 + Math.floor(Math.random() * 40_000);
        const taken = inst.leases.take(ref, amount);
        if (!(taken instanceof Promise)) synchronous++;
        const t = await taken;
        if (t === "refused") {
          refused++;
          continue;
        }
        admitted++;
        await sleep(Math.random() * 4);
        const real = Math.floor(Math.random() * amount);
        realTotal += real;
        await settle(t, real);
        if (i % 25 === 0) {
          const l = await ledger(org.id, key.id);
          expect(l.reserved + l.settled).toBeLessThanOrEqual(CAP);
          expect(l.reserved).toBe(l.leased); // every reserved micro-dollar is in some instance's lease
        }
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, w) => worker(w)));
    for (const inst of instances) await inst.leases.flush();
    const l = await ledger(org.id, key.id);
    expect(admitted).toBeGreaterThan(40);
    expect(refused).toBeGreaterThan(0);
    expect(l.settled).toBe(realTotal);
    expect(l.settled).toBeLessThanOrEqual(CAP);
    expect(l.requests).toBe(admitted);
    expect(l.reserved).toBe(0);
    expect(l.rows).toEqual([]);
    // Most admissions came from memory: far fewer acquisitions than admitted requests.
    expect(synchronous).toBeGreaterThan(0);
    expect(instances[0].calls.acquire + instances[1].calls.acquire).toBeLessThan(admitted + refused);
  }, 60_000);

  it("a crashed instance's lease is given back by the sweep; its late settlement does not free money twice", async () => {
    const { org, token } = await newOrg("Crash Corp");
    const CAP = 1_600_000;
    const key = await addPatKey(token, { label: "crashy", monthly_cap_usd: CAP / 1_000_000 });
    const ref = { orgId: org.id, patKeyId: key.id, month: utcMonth(new Date()), capMicros: CAP };
    const db = await getDb();
    const sweep = PAT_JOBS.find((j) => j.name === "pat.spend.lease.sweep")!;
    // Never started, never closed: it stops renewing, as a killed process would.
    const crashed = new LeaseManager(postgresLeaseStore(getDb), { instanceId: randomUUID() });
    const inFlight = await crashed.take(ref, 10_000);
    expect(inFlight).toBeInstanceOf(Ticket);
    expect(await ledger(org.id, key.id)).toMatchObject({ reserved: 100_000, leased: 100_000 }); // chunk = cap / 16
    const alive = new LeaseManager(postgresLeaseStore(getDb), { instanceId: randomUUID() });
    expect(await alive.take(ref, CAP - 50_000)).toBe("refused"); // the crashed lease holds the headroom
    const small = await alive.take(ref, 1_000);
    expect(small).toBeInstanceOf(Ticket);
    // Fresh rows are not swept. (The sweep is global: on a shared test database it may find other files' rows.)
    await sweep.run(db);
    expect((await ledger(org.id, key.id)).rows).toHaveLength(2);
    // A minute later: the crashed row was never renewed; the live one was.
    await db.execute(sql`UPDATE pat_spend_leases SET renewed_at = now() - interval '61 seconds' WHERE pat_key_id = ${key.id}::uuid`);
    await renewLeases(db, alive.instanceId);
    expect(await sweep.run(db)).toMatchObject({ rows: expect.any(Number) });
    const after = await ledger(org.id, key.id);
    expect(after.rows.map((r) => r.instanceId)).toEqual([alive.instanceId]);
    expect(after.reserved).toBe(after.leased);
    // The headroom is back: all that is left of the cap in one request.
    await (small as Ticket).release();
    await alive.flush();
    const big = await alive.take(ref, CAP);
    expect(big).toBeInstanceOf(Ticket);
    // The "crashed" instance was only cut off: its request settles now. Its lease row is gone, so
    // the settlement records the cost without taking the (already returned) reservation off again.
    await settle(inFlight as Ticket, 4_000);
    const end = await ledger(org.id, key.id);
    expect(end).toMatchObject({ reserved: CAP, settled: 4_000, leased: CAP });
    await settle(big as Ticket, CAP - 4_000);
    expect(await ledger(org.id, key.id)).toMatchObject({ settled: CAP });
    await alive.close();
  });
});
