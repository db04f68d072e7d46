// Tells every instance that an org's policy changed, so each drops its compiled snapshot.
// Redis pub/sub when REDIS_URL is set; Postgres LISTEN/NOTIFY when DATABASE_URL is a real
// Postgres; in-process otherwise (one instance). The writer's own instance is told synchronously,
// others within a message round-trip; the snapshot's short max-age covers a lost message.
import { randomUUID } from "node:crypto";
import type Redis from "ioredis";
import { env } from "../env";
import { logger } from "../log";
import { getRedis } from "../redis";

export const POLICY_CHANNEL = "fortress_policy";

export type PolicyChangeHandler = (orgId: string) => void;

export interface PolicyBus {
  readonly kind: "redis" | "postgres" | "memory";
  /** Delivers to this bus's own handlers at once and to every other instance's. */
  publish(orgId: string): Promise<void>;
  subscribe(handler: PolicyChangeHandler): () => void;
  /** Resolves once remote messages are being received. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f-]{36}$/i;

/** Shared plumbing: local handlers, message format `${instanceId}:${orgId}`, self-echo filtering. */
function base(kind: PolicyBus["kind"]) {
  const instanceId = randomUUID();
  const handlers = new Set<PolicyChangeHandler>();
  const deliver = (orgId: string) => {
    for (const h of [...handlers]) {
      try {
        h(orgId);
      } catch (err) {
        logger().warn({ err }, "policy change handler failed");
      }
    }
  };
  const onMessage = (message: string) => {
    const [from, orgId] = message.split(":");
    if (from === instanceId || !orgId || !UUID.test(orgId)) return; // our own echo: already delivered
    deliver(orgId);
  };
  return { kind, instanceId, handlers, deliver, onMessage, message: (orgId: string) => `${instanceId}:${orgId}` };
}

export function memoryBus(): PolicyBus {
  const b = base("memory");
  return {
    kind: "memory",
    async publish(orgId) {
      b.deliver(orgId);
    },
    subscribe(handler) {
      b.handlers.add(handler);
      return () => b.handlers.delete(handler);
    },
    ready: async () => {},
    close: async () => b.handlers.clear(),
  };
}

/** `redis` publishes; a duplicate connection subscribes (a subscribed connection can do nothing else). */
export function redisBus(redis: Redis): PolicyBus {
  const b = base("redis");
  const sub = redis.duplicate();
  sub.on("error", (err) => logger().warn({ err }, "policy bus: redis subscriber error"));
  sub.on("message", (_channel: string, message: string) => b.onMessage(message));
  const subscribed = sub.subscribe(POLICY_CHANNEL).then(() => undefined);
  subscribed.catch((err) => logger().warn({ err }, "policy bus: redis subscribe failed"));
  return {
    kind: "redis",
    async publish(orgId) {
      b.deliver(orgId);
      try {
        await redis.publish(POLICY_CHANNEL, b.message(orgId));
      } catch (err) {
        logger().warn({ err }, "policy bus: publish failed; other instances refresh within the snapshot max-age");
      }
    },
    subscribe(handler) {
      b.handlers.add(handler);
      return () => b.handlers.delete(handler);
    },
    ready: () => subscribed,
    async close() {
      b.handlers.clear();
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}

/** One dedicated connection LISTENs (reconnecting after errors); NOTIFY goes through a short-lived one. */
export function postgresBus(url: string): PolicyBus {
  const b = base("postgres");
  let closed = false;
  let listener: import("pg").Client | undefined;
  let readyPromise: Promise<void>;
  const connect = async (): Promise<void> => {
    const { Client } = await import("pg");
    const client = new Client({ connectionString: url });
    let dropped = false;
    // A dropped LISTEN connection (error, server restart, idle kill) is replaced after 1 s; until
    // then the snapshot max-age and its version check keep staleness bounded.
    const drop = (err?: unknown) => {
      if (dropped) return;
      dropped = true;
      if (listener === client) listener = undefined;
      client.end().catch(() => {});
      if (closed) return;
      logger().warn({ err }, "policy bus: postgres listener lost, reconnecting");
      setTimeout(() => {
        readyPromise = connect().catch(() => {});
      }, 1000).unref();
    };
    client.on("notification", (n) => {
      if (n.channel === POLICY_CHANNEL && n.payload) b.onMessage(n.payload);
    });
    client.on("error", drop);
    client.on("end", () => drop());
    try {
      await client.connect();
      await client.query(`LISTEN ${POLICY_CHANNEL}`);
    } catch (err) {
      drop(err);
      throw err;
    }
    if (closed) {
      dropped = true;
      await client.end().catch(() => {});
      return;
    }
    listener = client;
  };
  readyPromise = connect();
  readyPromise.catch((err) => logger().warn({ err }, "policy bus: postgres LISTEN failed"));
  return {
    kind: "postgres",
    async publish(orgId) {
      b.deliver(orgId);
      try {
        const { Client } = await import("pg");
        const client = listener ?? new Client({ connectionString: url });
        if (client !== listener) await client.connect();
        try {
          await client.query("SELECT pg_notify($1, $2)", [POLICY_CHANNEL, b.message(orgId)]);
        } finally {
          if (client !== listener) await client.end();
        }
      } catch (err) {
        logger().warn({ err }, "policy bus: NOTIFY failed; other instances refresh within the snapshot max-age");
      }
    },
    subscribe(handler) {
      b.handlers.add(handler);
      return () => b.handlers.delete(handler);
    },
    ready: () => readyPromise,
    async close() {
      closed = true;
      b.handlers.clear();
      const l = listener;
      listener = undefined;
      await l?.end().catch(() => {});
    },
  };
}

const g = globalThis as typeof globalThis & { __fortressPolicyBus?: PolicyBus };

/** The process's bus, chosen from the settings. */
export function policyBus(): PolicyBus {
  if (!g.__fortressPolicyBus) {
    const redis = getRedis();
    const url = env().DATABASE_URL;
    g.__fortressPolicyBus = redis ? redisBus(redis) : url ? postgresBus(url) : memoryBus();
  }
  return g.__fortressPolicyBus;
}

export async function closePolicyBus(): Promise<void> {
  const bus = g.__fortressPolicyBus;
  g.__fortressPolicyBus = undefined;
  await bus?.close();
}

export const publishPolicyChange = (orgId: string) => policyBus().publish(orgId);
