// Rate limits: exactly N allowed per window, across two app instances sharing Redis (separate
// processes, separate connections) and in-process without Redis; all-or-nothing across limits.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import Redis from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { memoryCounter, redisCounter } from "@/lib/limits/counter";
import { compilePolicy } from "@/lib/policy/compile";
import { applyRateLimits, decide, formatRetry } from "@/lib/policy/engine";
import { ORG, USER, request, role, rule, source } from "./policy-engine-helpers";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const run = promisify(execFile);

async function redisReachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    s.setTimeout(500);
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
    s.once("timeout", () => (s.destroy(), resolve(false)));
  });
}
const haveRedis = await redisReachable(REDIS_URL);
if (!haveRedis) console.warn(`[policy-engine-ratelimit] Redis unreachable at ${REDIS_URL}: cross-instance tests SKIPPED`);

const NOW = new Date("2026-11-24T15:48:00Z"); // 12 minutes before the hourly window resets

function hourlyPolicy(orgId: string, limit: number, extra: ReturnType<typeof rule>[] = []) {
  return compilePolicy(
    source({
      orgId,
      roles: [role("r", "Support Agent", [["c1", "list_tickets", "allow"]])],
      assignments: [USER.id, "u-2"].map((subjectId) => ({ roleId: "r", subjectKind: "user" as const, subjectId })),
      rules: [rule("hourly", { type: "rate_limit", limit, windowSeconds: 3600, per: "user" }, { name: "Hourly" }), ...extra],
    }),
  );
}

describe("rate limits in process (no REDIS_URL)", () => {
  it("allows exactly N of 200 concurrent calls, then says when to retry", async () => {
    const c = memoryCounter();
    const p = hourlyPolicy(ORG, 100);
    const results = await Promise.all(Array.from({ length: 200 }, () => applyRateLimits(decide(p, USER, request("c1", "list_tickets"), NOW), c, NOW)));
    expect(results.filter((d) => d.effect === "allow")).toHaveLength(100);
    const denied = results.find((d) => d.effect === "deny")!;
    expect(denied).toMatchObject({
      layer: "rule",
      ruleId: "hourly",
      retryAfterSeconds: 720,
      reason: "Rate limit: 100 calls per hour per user; retry in 12 min",
      rateLimit: { ruleId: "hourly", limit: 100, windowSeconds: 3600, per: "user" },
    });
    // Another user has their own budget; the next window starts afresh.
    expect((await applyRateLimits(decide(p, { ...USER, id: "u-2" }, request("c1", "list_tickets"), NOW), c, NOW)).effect).toBe("allow");
    const later = new Date("2026-11-24T16:00:00Z");
    expect((await applyRateLimits(decide(p, USER, request("c1", "list_tickets"), later), c, later)).effect).toBe("allow");
  });

  it("consumes all limits or none: a call refused by one limit does not eat another's budget", async () => {
    const c = memoryCounter();
    const p = hourlyPolicy(ORG, 5, [rule("org", { type: "rate_limit", limit: 3, windowSeconds: 60, per: "org" }, { name: "Org burst" })]);
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await applyRateLimits(decide(p, USER, request("c1", "list_tickets"), NOW), c, NOW));
    expect(results.map((d) => d.effect)).toEqual(["allow", "allow", "allow", "deny", "deny", "deny"]);
    expect(results[3].reason).toBe("Rate limit: 3 calls per minute per organisation; retry in 1 min");
    const status = await c.consume([{ key: `rl:{${ORG}}:hourly:s:user:${USER.id}`, windowMs: 3_600_000, limit: 5 }], NOW.getTime());
    expect(status.counts[0]).toBe(4); // 3 allowed calls + this probe: the 3 refused calls were not counted
  });

  it("a denied decision consumes nothing", async () => {
    const c = memoryCounter();
    const p = hourlyPolicy(ORG, 1);
    const d = await applyRateLimits(decide(p, USER, request("c1", "delete_ticket"), NOW), c, NOW);
    expect(d.effect).toBe("deny");
    expect((await applyRateLimits(decide(p, USER, request("c1", "list_tickets"), NOW), c, NOW)).effect).toBe("allow");
  });

  it("formats retry delays", () => {
    expect(formatRetry(42)).toBe("42 s");
    expect(formatRetry(720)).toBe("12 min");
    expect(formatRetry(4 * 3600)).toBe("4 h");
  });
});

describe.skipIf(!haveRedis)("rate limits across instances sharing Redis", () => {
  const conns: Redis[] = [];
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.quit()));
  });

  it("N per hour holds exactly for 200 concurrent calls from two processes: never N+1", async () => {
    const orgId = `org-${randomUUID()}`;
    const N = 37;
    const worker = path.resolve(import.meta.dirname, "fixtures/policy-rate-worker.ts");
    const startAt = Date.now() + 2500;
    const spawn = () =>
      run(process.execPath, ["--import", "tsx", worker, orgId, String(N), "100", String(startAt), String(NOW.getTime())], {
        env: { ...process.env, REDIS_URL, FORTRESS_LOG_LEVEL: "silent" },
        cwd: path.resolve(import.meta.dirname, ".."),
      });
    const [a, b] = await Promise.all([spawn(), spawn()]);
    const ra = JSON.parse(a.stdout);
    const rb = JSON.parse(b.stdout);
    expect(ra.allowed + rb.allowed).toBe(N);
    expect(ra.denied + rb.denied).toBe(200 - N);
    expect([...ra.reasons, ...rb.reasons]).toEqual(expect.arrayContaining(["Rate limit: 37 calls per hour per user; retry in 12 min"]));
  }, 60_000);

  it("and for two independent connections in one process, repeated over fresh windows", async () => {
    const one = redisCounter((conns[0] = new Redis(REDIS_URL)));
    const two = redisCounter((conns[1] = new Redis(REDIS_URL)));
    for (const N of [1, 10, 99, 150]) {
      const orgId = `org-${randomUUID()}`;
      const p = hourlyPolicy(orgId, N);
      const me = { ...USER, orgId };
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => applyRateLimits(decide(p, me, request("c1", "list_tickets"), NOW), i % 2 ? one : two, NOW)),
      );
      expect(results.filter((d) => d.effect === "allow").length).toBe(N);
      expect(results.filter((d) => d.effect === "deny").every((d) => d.retryAfterSeconds === 720)).toBe(true);
    }
  });

  it("all-or-nothing holds in the Redis script too", async () => {
    const c = redisCounter(conns[0] ?? (conns[0] = new Redis(REDIS_URL)));
    const orgId = `org-${randomUUID()}`;
    const p = hourlyPolicy(orgId, 5, [rule("org", { type: "rate_limit", limit: 3, windowSeconds: 60, per: "org" })]);
    const me = { ...USER, orgId };
    const results = await Promise.all(Array.from({ length: 20 }, () => applyRateLimits(decide(p, me, request("c1", "list_tickets"), NOW), c, NOW)));
    expect(results.filter((d) => d.effect === "allow")).toHaveLength(3);
    const peek = await c.consume([{ key: `rl:{${orgId}}:hourly:s:user:${USER.id}`, windowMs: 3_600_000, limit: 1_000 }], NOW.getTime());
    expect(peek.counts[0]).toBe(4);
  });
});
