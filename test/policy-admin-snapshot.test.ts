// Snapshot cache and invalidation across instances: a change made on one instance is seen by the
// others through Redis pub/sub (or Postgres LISTEN/NOTIFY), not by waiting for the max-age; a
// lost message costs at most the max-age; a store that cannot answer makes authorize refuse.
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as createRoleRoute } from "@/app/api/v1/roles/route";
import { PUT as putRoleRoute } from "@/app/api/v1/roles/[id]/route";
import { getDb } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { closePolicyBus, memoryBus, policyBus, postgresBus, redisBus, type PolicyBus } from "@/lib/policy/bus";
import { invalidatePolicy, resetPolicySnapshotsForTests, SnapshotCache, subscribePolicyChanges, getPolicySnapshot } from "@/lib/policy/snapshot";
import { loadPolicySource, loadPolicyVersion } from "@/lib/policy/store";
import { closeRedis } from "@/lib/redis";
import { call, newOrg } from "./helpers";
import { seedConnector } from "./policy-admin-fixtures";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PG_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function reachableRedis(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function reachablePostgres(): Promise<boolean> {
  const { Client } = await import("pg");
  const c = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    await c.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

const redisUp = await reachableRedis();
const pgUp = await reachablePostgres();

async function eventually(check: () => Promise<boolean> | boolean, ms = 3000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

const loader = async (orgId: string) => loadPolicySource(await getDb(), orgId);

describe.skipIf(!redisUp)("invalidation through Redis pub/sub (two instances)", () => {
  let savedRedisUrl: string | undefined;
  const extra: PolicyBus[] = [];

  beforeAll(async () => {
    savedRedisUrl = process.env.REDIS_URL;
    process.env.REDIS_URL = REDIS_URL;
    resetEnvForTests();
    await closePolicyBus();
    resetPolicySnapshotsForTests();
    expect(policyBus().kind).toBe("redis");
    await policyBus().ready();
  });

  afterAll(async () => {
    for (const b of extra) await b.close();
    resetPolicySnapshotsForTests();
    await closePolicyBus();
    await closeRedis();
    if (savedRedisUrl === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = savedRedisUrl;
    resetEnvForTests();
  });

  it("a role change on instance 1 reaches instance 2's cache at once, not after the max-age", async () => {
    const owner = await newOrg("Acme");
    const zendesk = await seedConnector(owner.org.id);
    const role = (await call(createRoleRoute, { token: owner.token, body: { name: "Support Agent" } })).json;

    // Instance 2: its own Redis connections, and a max-age long enough that only a message can refresh it.
    const bus2 = redisBus(new Redis(REDIS_URL));
    extra.push(bus2);
    await bus2.ready();
    const instance2 = new SnapshotCache({ load: loader, bus: bus2, maxAgeMs: 600_000 });
    // A third instance that hears nothing: proves the refresh above came from the message.
    const deaf = new SnapshotCache({ load: loader, bus: memoryBus(), maxAgeMs: 600_000 });
    const v0 = (await instance2.get(owner.org.id)).version;
    expect((await deaf.get(owner.org.id)).version).toBe(v0);

    let heard = 0;
    const off = bus2.subscribe((orgId) => orgId === owner.org.id && heard++);

    const put = await call(putRoleRoute, {
      method: "PUT",
      token: owner.token,
      params: { id: role.id },
      body: { grants: [{ kind: "connector_action", connector_id: zendesk.id, action: "delete_ticket", effect: "allow" }] },
    });
    expect(put.status).toBe(200);

    // Instance 1 (the writer) sees it synchronously.
    const local = await getPolicySnapshot(owner.org.id);
    expect(local.source.roles[0].grants).toHaveLength(1);
    // Instance 2 within a message round-trip.
    expect(await eventually(async () => (await instance2.get(owner.org.id)).source.roles[0]?.grants.length === 1)).toBe(true);
    expect((await instance2.get(owner.org.id)).version).not.toBe(v0);
    expect(heard).toBe(1);
    // The deaf instance still holds the old snapshot (until its max-age).
    expect((await deaf.get(owner.org.id)).version).toBe(v0);
    off();
    instance2.close();
    deaf.close();
  });

  it("invalidatePolicy (connectors, PAT keys) and subscribePolicyChanges work across instances", async () => {
    const owner = await newOrg("Acme");
    const bus2 = redisBus(new Redis(REDIS_URL));
    extra.push(bus2);
    await bus2.ready();
    const calls: string[] = [];
    const off = subscribePolicyChanges(owner.org.id, () => calls.push("local"));
    const off2 = bus2.subscribe((orgId) => orgId === owner.org.id && calls.push("remote"));
    const before = (await loader(owner.org.id)).version;
    await invalidatePolicy(owner.org.id);
    expect(calls).toContain("local");
    expect(await eventually(() => calls.includes("remote"))).toBe(true);
    expect((await loader(owner.org.id)).version).not.toBe(before);
    off();
    off2();
  });
});

describe.skipIf(!pgUp)("invalidation through Postgres LISTEN/NOTIFY", () => {
  it("a NOTIFY from one instance reaches the other's handlers, and not its own twice", async () => {
    const a = postgresBus(PG_URL);
    const b = postgresBus(PG_URL);
    try {
      await Promise.all([a.ready(), b.ready()]);
      const orgId = "11111111-1111-4111-8111-111111111111";
      const seenA: string[] = [];
      const seenB: string[] = [];
      a.subscribe((o) => seenA.push(o));
      b.subscribe((o) => seenB.push(o));
      await a.publish(orgId);
      expect(seenA).toEqual([orgId]); // delivered locally at once
      expect(await eventually(() => seenB.length === 1)).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
      expect(seenA).toEqual([orgId]); // its own echo is ignored
      expect(seenB).toEqual([orgId]);

      // The server drops the LISTEN connections (restart, idle kill): they come back by themselves.
      const { Client } = await import("pg");
      const admin = new Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN fortress_policy' AND pid <> pg_backend_pid()",
      );
      await admin.end();
      await new Promise((r) => setTimeout(r, 1500));
      await Promise.all([a.ready(), b.ready()]);
      const again = "33333333-3333-4333-8333-333333333333";
      await a.publish(again);
      expect(await eventually(() => seenB.includes(again), 5000)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("snapshot cache", () => {
  it("reloads after the max-age even when no message arrives (safety net)", async () => {
    const owner = await newOrg("Acme");
    let now = 1_000_000;
    let loads = 0;
    const cache = new SnapshotCache({
      load: async (orgId) => {
        loads++;
        return loader(orgId);
      },
      bus: memoryBus(),
      maxAgeMs: 5_000,
      now: () => now,
    });
    await cache.get(owner.org.id);
    await cache.get(owner.org.id);
    expect(loads).toBe(1);
    now += 4_999;
    await cache.get(owner.org.id);
    expect(loads).toBe(1);
    now += 2;
    await cache.get(owner.org.id);
    expect(loads).toBe(2);
    cache.close();
  });

  it("after the max-age, keeps the snapshot when the stored version is unchanged and reloads when a message was lost", async () => {
    const owner = await newOrg("Acme");
    let now = 1_000_000;
    let loads = 0;
    let checks = 0;
    const cache = new SnapshotCache({
      load: async (orgId) => {
        loads++;
        return loader(orgId);
      },
      version: async (orgId) => {
        checks++;
        return loadPolicyVersion(await getDb(), orgId);
      },
      bus: memoryBus(), // hears nothing from the writer: the "lost message" case
      maxAgeMs: 5_000,
      now: () => now,
    });
    const first = await cache.get(owner.org.id);
    now += 6_000;
    expect(await cache.get(owner.org.id)).toMatchObject({ version: first.version });
    expect([loads, checks]).toEqual([1, 1]);
    await invalidatePolicy(owner.org.id); // bumps the stored version; this cache's bus never hears it
    expect((await cache.get(owner.org.id)).version).toBe(first.version); // within max-age: still the old one
    now += 6_000;
    expect((await cache.get(owner.org.id)).version).not.toBe(first.version);
    expect([loads, checks]).toEqual([2, 2]);
    cache.close();
  });

  it("shares one load between concurrent callers and does not cache a load overtaken by a change", async () => {
    const owner = await newOrg("Acme");
    const bus = memoryBus();
    let loads = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const cache = new SnapshotCache({
      load: async (orgId) => {
        loads++;
        if (loads === 1) await gate;
        return loader(orgId);
      },
      bus,
      maxAgeMs: 600_000,
    });
    const p1 = cache.get(owner.org.id);
    const p2 = cache.get(owner.org.id);
    await bus.publish(owner.org.id); // a change lands while the first load is in flight
    release();
    await Promise.all([p1, p2]);
    expect(loads).toBe(1);
    await cache.get(owner.org.id); // the in-flight result was not kept: load again
    expect(loads).toBe(2);
    await cache.get(owner.org.id);
    expect(loads).toBe(2);
    cache.close();
  });

  it("fails closed: a store that cannot answer gives 'unavailable', never a decision", async () => {
    const cache = new SnapshotCache({
      load: async () => {
        throw new Error("connection refused");
      },
      bus: memoryBus(),
    });
    await expect(cache.get("22222222-2222-4222-8222-222222222222")).rejects.toMatchObject({ code: "unavailable" });
    cache.close();
  });
});
