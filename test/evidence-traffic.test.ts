// Traffic Feed: an event published on one instance reaches the other's subscribers within 1 s
// (Redis pub/sub at 127.0.0.1:6379), once, and only for its org; the SSE route streams it.
import { randomUUID } from "node:crypto";
import { createConnection } from "node:net";
import { afterAll, describe, expect, it, vi } from "vitest";
import { GET as stream } from "@/app/api/v1/traffic/stream/route";
import { CHANNEL, TrafficBus } from "@/lib/traffic/bus";
import { trafficStream } from "@/lib/traffic/sse";
import { publishTraffic, trafficBus, type TrafficEvent } from "@/lib/traffic";
import { newOrg } from "./helpers";

// Heavy under a loaded machine (2 cores shared): generous per-test time.
vi.setConfig({ testTimeout: 180_000 });

const REDIS = "redis://127.0.0.1:6379";
const redisUp = await new Promise<boolean>((resolve) => {
  const s = createConnection({ host: "127.0.0.1", port: 6379 }, () => {
    s.end();
    resolve(true);
  });
  s.on("error", () => resolve(false));
  s.setTimeout(500, () => {
    s.destroy();
    resolve(false);
  });
});

const event = (orgId: string, over: Partial<TrafficEvent> = {}): TrafficEvent => ({
  orgId,
  at: new Date().toISOString(),
  product: "mcp",
  requestId: randomUUID(),
  target: "zendesk__delete_ticket",
  principal: { kind: "user", id: randomUUID(), label: "sarah.chen@company.com" },
  decision: "deny",
  reason: "Role: Support Agent, action not permitted",
  latencyMs: 12,
  ...over,
});

const buses: TrafficBus[] = [];
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
});

describe.skipIf(!redisUp)("traffic across two instances (Redis)", () => {
  it("an event published on instance A reaches instance B within 1 s, once, for its org only", async () => {
    const a = new TrafficBus({ redisUrl: REDIS });
    const b = new TrafficBus({ redisUrl: REDIS });
    buses.push(a, b);
    const org = randomUUID();
    const otherOrg = randomUUID();
    const onB: TrafficEvent[] = [];
    const onA: TrafficEvent[] = [];
    const onOther: TrafficEvent[] = [];
    b.subscribe(org, (e) => onB.push(e));
    b.subscribe(otherOrg, (e) => onOther.push(e));
    a.subscribe(org, (e) => onA.push(e));
    await Promise.all([a.ready(), b.ready()]);
    const sent = event(org);
    const started = performance.now();
    a.publish(sent);
    while (onB.length === 0 && performance.now() - started < 1000) await new Promise((r) => setTimeout(r, 5));
    const elapsed = performance.now() - started;
    expect(onB).toEqual([sent]);
    expect(elapsed).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 100));
    expect(onA).toEqual([sent]); // delivered locally, not echoed back a second time
    expect(onB).toHaveLength(1);
    expect(onOther).toEqual([]);
  });

  it("events published in one turn of the event loop cross in one message, all of them, in order; local listeners hear them at once", async () => {
    const a = new TrafficBus({ redisUrl: REDIS });
    const b = new TrafficBus({ redisUrl: REDIS });
    buses.push(a, b);
    const org = randomUUID();
    const onA: TrafficEvent[] = [];
    const onB: TrafficEvent[] = [];
    a.subscribe(org, (e) => onA.push(e));
    b.subscribe(org, (e) => onB.push(e));
    await Promise.all([a.ready(), b.ready()]);
    // A raw subscriber counts the messages on the wire (only this bus's, by instance id).
    const { default: Redis } = await import("ioredis");
    const raw = new Redis(REDIS);
    const wire: string[] = [];
    raw.on("message", (_c: string, m: string) => {
      if ((JSON.parse(m) as { o: string }).o === a.instanceId) wire.push(m);
    });
    await raw.subscribe(CHANNEL);
    try {
      const sent = Array.from({ length: 3 }, (_, i) => event(org, { target: `tool_${i}` }));
      for (const e of sent) a.publish(e);
      expect(onA).toEqual(sent); // synchronous on the publishing instance
      const started = performance.now();
      while (onB.length < 3 && performance.now() - started < 1000) await new Promise((r) => setTimeout(r, 5));
      expect(onB).toEqual(sent);
      expect(wire).toHaveLength(1);
    } finally {
      await raw.quit();
    }
  });

  it("an org's events cross only while some instance shows its feed: none while nobody looks, at once when someone opens it", async () => {
    const a = new TrafficBus({ redisUrl: REDIS });
    const b = new TrafficBus({ redisUrl: REDIS });
    buses.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const org = randomUUID();
    const { default: Redis } = await import("ioredis");
    const raw = new Redis(REDIS);
    const wire: string[] = [];
    raw.on("message", (_c: string, m: string) => {
      const msg = JSON.parse(m) as { o: string; e?: TrafficEvent; es?: TrafficEvent[] };
      if (msg.o === a.instanceId) for (const e of msg.es ?? (msg.e ? [msg.e] : [])) wire.push(e.target);
    });
    await raw.subscribe(CHANNEL);
    try {
      a.publish(event(org, { target: "unknown_yet" })); // nobody has said yet: sent, and A asks
      await new Promise((r) => setTimeout(r, 200));
      a.publish(event(org, { target: "nobody_looks" }));
      const onB: TrafficEvent[] = [];
      b.subscribe(org, (e) => onB.push(e)); // someone opens the feed on B
      await new Promise((r) => setTimeout(r, 200));
      a.publish(event(org, { target: "someone_looks" }));
      await expect.poll(() => onB.map((e) => e.target), { timeout: 1000 }).toEqual(["someone_looks"]);
      expect(wire).toEqual(["unknown_yet", "someone_looks"]);
    } finally {
      await raw.quit();
    }
  });

  it("a browser's SSE stream on instance B shows an event published on instance A within 1 s", async () => {
    const a = new TrafficBus({ redisUrl: REDIS });
    const b = new TrafficBus({ redisUrl: REDIS });
    buses.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const orgId = randomUUID();
    const ac = new AbortController();
    const ctx = { orgId } as unknown as Parameters<typeof trafficStream>[0];
    const res = trafficStream(ctx, new Request("http://b.local/api/v1/traffic/stream", { signal: ac.signal }), b);
    const reader = res.body!.getReader();
    expect(await readUntil(reader, "connected redis")).toContain("connected redis");
    const started = performance.now();
    a.publish(event(orgId, { target: "zendesk__delete_ticket", requestId: "req-on-a" }));
    const text = await readUntil(reader, "req-on-a", 1000);
    expect(text).toContain("req-on-a");
    expect(performance.now() - started).toBeLessThan(1000);
    ac.abort();
    await reader.cancel().catch(() => {});
  });
});

const PG = "postgres://postgres@127.0.0.1:5432/postgres";
const pgUp = await new Promise<boolean>((resolve) => {
  const s = createConnection({ host: "127.0.0.1", port: 5432 }, () => {
    s.end();
    resolve(true);
  });
  s.on("error", () => resolve(false));
  s.setTimeout(500, () => {
    s.destroy();
    resolve(false);
  });
});

describe.skipIf(!pgUp)("traffic across two instances (Postgres LISTEN/NOTIFY, no Redis)", () => {
  it("an event published on instance A reaches instance B within 1 s, once", async () => {
    const a = new TrafficBus({ postgresUrl: PG });
    const b = new TrafficBus({ postgresUrl: PG });
    buses.push(a, b);
    expect(b.mode).toBe("postgres");
    const org = randomUUID();
    const onB: TrafficEvent[] = [];
    const onA: TrafficEvent[] = [];
    b.subscribe(org, (e) => onB.push(e));
    a.subscribe(org, (e) => onA.push(e));
    await Promise.all([a.ready(), b.ready()]);
    const sent = event(org, { product: "pat", target: "claude-opus-4", reason: "Model not in allowlist for key: prod-support" });
    const started = performance.now();
    a.publish(sent);
    while (onB.length === 0 && performance.now() - started < 1000) await new Promise((r) => setTimeout(r, 5));
    expect(onB).toEqual([sent]);
    expect(performance.now() - started).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 100));
    expect(onA).toEqual([sent]);
    expect(onB).toHaveLength(1);
  });
});

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, needle: string, ms = 8000): Promise<string> {
  const dec = new TextDecoder();
  let text = "";
  const deadline = Date.now() + ms;
  while (!text.includes(needle)) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const r = await Promise.race([reader.read(), new Promise<null>((res) => setTimeout(() => res(null), left))]);
    if (!r || r.done) break;
    text += dec.decode(r.value);
  }
  return text;
}

describe("SSE route", () => {
  it("streams the org's events (filtered), never another org's, and unsubscribes on disconnect", async () => {
    const { org, token } = await newOrg("Feed");
    const other = await newOrg("Other feed");
    const ac = new AbortController();
    const res = await stream(
      new Request("http://localhost:3000/api/v1/traffic/stream?decision=deny", { headers: { authorization: `Bearer ${token}` }, signal: ac.signal }),
      {},
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    expect(await readUntil(reader, "connected")).toContain("retry: 3000");
    expect(trafficBus().listenerCount(org.id)).toBe(1);

    publishTraffic(event(other.org.id, { target: "other_org_tool" }));
    publishTraffic(event(org.id, { decision: "allow", target: "allowed_tool" }));
    publishTraffic(event(org.id, { target: "zendesk__delete_ticket" }));
    const text = await readUntil(reader, "zendesk__delete_ticket");
    expect(text).toContain("event: traffic");
    const data = JSON.parse(text.split("\n").find((l) => l.startsWith("data: "))!.slice(6));
    expect(data).toMatchObject({ target: "zendesk__delete_ticket", decision: "deny", reason: "Role: Support Agent, action not permitted" });
    expect(data.orgId).toBeUndefined();
    expect(text).not.toContain("other_org_tool");
    expect(text).not.toContain("allowed_tool");

    ac.abort();
    await reader.cancel().catch(() => {});
    expect(trafficBus().listenerCount(org.id)).toBe(0);
  });

  it("refuses a caller without a session", async () => {
    const res = await stream(new Request("http://localhost:3000/api/v1/traffic/stream"), {});
    expect(res.status).toBe(401);
  });
});
