// The "tools may have changed" bus behind notifications/tools/list_changed: in-process delivery,
// the connector service's change events bridged onto it, and delivery of a message published by
// ANOTHER instance — through Redis pub/sub (REDIS_URL) and, with DATABASE_URL, Postgres NOTIFY.
import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { notifyConnectorsChanged } from "@/lib/connectors/events";
import { resetEnvForTests } from "@/lib/env";
import { closeToolsBus, notifyToolsChanged, observeEndedSessions, subscribeToolsChanged, TOOLS_CHANNEL, toolsBusReady } from "@/lib/gateway/mcp/changes";
import { closeRedis } from "@/lib/redis";

const REDIS = process.env.MCP_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function redisUp(): Promise<boolean> {
  const probe = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

afterEach(async () => {
  await closeToolsBus();
  await closeRedis();
  delete process.env.REDIS_URL;
  resetEnvForTests();
});

describe("tools-changed bus", () => {
  it("delivers in-process to the org's subscribers only, until they unsubscribe", async () => {
    const a = randomUUID();
    const b = randomUUID();
    const seen: string[] = [];
    const off = subscribeToolsChanged(a, (org) => seen.push(org));
    await notifyToolsChanged(b);
    await notifyToolsChanged(a);
    expect(seen).toEqual([a]);
    off();
    await notifyToolsChanged(a);
    expect(seen).toEqual([a]);
  });

  it("bridges the connector service's change events", async () => {
    const org = randomUUID();
    let n = 0;
    const off = subscribeToolsChanged(org, () => n++);
    await notifyConnectorsChanged(org);
    expect(n).toBe(1);
    off();
  });

  it("receives a change published by another instance over Redis", async (ctx) => {
    if (!(await redisUp())) return ctx.skip();
    process.env.REDIS_URL = REDIS;
    resetEnvForTests();
    const org = randomUUID();
    const seen: string[] = [];
    const off = subscribeToolsChanged(org, (o) => seen.push(o));
    await toolsBusReady();
    const other = new Redis(REDIS);
    try {
      await other.publish(TOOLS_CHANNEL, `${randomUUID()}:${org}`); // another instance's id
      await other.publish(TOOLS_CHANNEL, `${randomUUID()}:not-a-uuid`); // garbage is ignored
      await expect.poll(() => seen.length, { timeout: 3000 }).toBe(1);
      expect(seen).toEqual([org]);
    } finally {
      other.disconnect();
      off();
    }
  });

  it("hears a session ended on another instance over Redis, and not as a tools change", async (ctx) => {
    if (!(await redisUp())) return ctx.skip();
    process.env.REDIS_URL = REDIS;
    resetEnvForTests();
    const org = randomUUID();
    const session = randomUUID();
    const ended: string[] = [];
    const changed: string[] = [];
    const stop = observeEndedSessions((id) => ended.push(id));
    const off = subscribeToolsChanged(org, (o) => changed.push(o));
    await toolsBusReady();
    const other = new Redis(REDIS);
    try {
      await other.publish(TOOLS_CHANNEL, `${randomUUID()}:${org}:not-a-uuid`); // garbage is ignored
      await other.publish(TOOLS_CHANNEL, `${randomUUID()}:${org}:${session}`);
      await expect.poll(() => ended.length, { timeout: 3000 }).toBe(1);
      expect(ended).toEqual([session]);
      expect(changed).toEqual([]);
    } finally {
      other.disconnect();
      off();
      stop();
    }
  });

  it("receives a change published by another instance over Postgres NOTIFY", async (ctx) => {
    const url = process.env.DATABASE_URL;
    if (!url) return ctx.skip();
    const org = randomUUID();
    const seen: string[] = [];
    const off = subscribeToolsChanged(org, (o) => seen.push(o));
    await toolsBusReady();
    const { Client } = await import("pg");
    const other = new Client({ connectionString: url });
    await other.connect();
    try {
      await other.query("SELECT pg_notify($1, $2)", [TOOLS_CHANNEL, `${randomUUID()}:${org}`]);
      await expect.poll(() => seen.length, { timeout: 3000 }).toBe(1);
    } finally {
      await other.end();
      off();
    }
  });
});
