// The Traffic Feed's fan-out. Each instance emits locally (EventEmitter) and, to reach the other
// instances, publishes on Redis (REDIS_URL) or, with a real Postgres and no Redis, NOTIFY. Messages
// carry the publishing instance's id so an instance never delivers its own event twice. With
// neither, events stay in-process (one instance: the newcomer default). Losing an event here is
// acceptable (the audit trail is the record); delaying or failing a request is not.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import Redis from "ioredis";
import { logger } from "../log";
import type { TrafficEvent } from "./index";

export const CHANNEL = "fortress:traffic";
const PG_CHANNEL = "fortress_traffic";

export type TrafficListener = (event: TrafficEvent) => void;

interface Transport {
  publish(message: string): void;
  /** Starts delivering remote messages to `onMessage`. */
  start(onMessage: (message: string) => void): Promise<void>;
  close(): Promise<void>;
}

class RedisTransport implements Transport {
  private pub: Redis;
  private sub: Redis | null = null;
  constructor(private readonly url: string) {
    this.pub = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false });
    this.pub.on("error", (err) => logger().warn({ err }, "traffic: redis publish connection error"));
  }
  publish(message: string) {
    this.pub.publish(CHANNEL, message).catch((err) => logger().debug({ err }, "traffic: publish failed"));
  }
  async start(onMessage: (m: string) => void) {
    this.sub = new Redis(this.url, { maxRetriesPerRequest: null, enableOfflineQueue: true });
    this.sub.on("error", (err) => logger().warn({ err }, "traffic: redis subscribe connection error"));
    this.sub.on("message", (_channel, message) => onMessage(message));
    await this.sub.subscribe(CHANNEL);
  }
  async close() {
    await Promise.all([this.pub.quit().catch(() => this.pub.disconnect()), this.sub?.quit().catch(() => this.sub?.disconnect())]);
  }
}

class PostgresTransport implements Transport {
  private client: import("pg").Client | null = null;
  private pool: import("pg").Pool | null = null;
  constructor(private readonly url: string) {}
  private async getPool() {
    if (!this.pool) {
      const { Pool } = await import("pg");
      this.pool = new Pool({ connectionString: this.url, max: 2 });
      this.pool.on("error", (err) => logger().warn({ err }, "traffic: postgres notify pool error"));
    }
    return this.pool;
  }
  publish(message: string) {
    // NOTIFY payloads are limited to 8000 bytes; a feed row is far smaller.
    if (Buffer.byteLength(message) > 7900) return;
    void this.getPool()
      .then((p) => p.query("select pg_notify($1, $2)", [PG_CHANNEL, message]))
      .catch((err) => logger().debug({ err }, "traffic: notify failed"));
  }
  async start(onMessage: (m: string) => void) {
    const { Client } = await import("pg");
    this.client = new Client({ connectionString: this.url });
    this.client.on("error", (err) => logger().warn({ err }, "traffic: postgres listen connection error"));
    this.client.on("notification", (n) => n.payload && onMessage(n.payload));
    await this.client.connect();
    await this.client.query(`LISTEN ${PG_CHANNEL}`);
  }
  async close() {
    await this.client?.end().catch(() => {});
    await this.pool?.end().catch(() => {});
  }
}

export interface TrafficBusOptions {
  redisUrl?: string | null;
  postgresUrl?: string | null;
  instanceId?: string;
}

export class TrafficBus {
  readonly instanceId: string;
  private readonly emitter = new EventEmitter();
  private readonly transport: Transport | null;
  private started: Promise<void> | null = null;

  constructor(options: TrafficBusOptions = {}) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.emitter.setMaxListeners(0);
    this.transport = options.redisUrl
      ? new RedisTransport(options.redisUrl)
      : options.postgresUrl
        ? new PostgresTransport(options.postgresUrl)
        : null;
  }

  get mode(): "redis" | "postgres" | "local" {
    return this.transport instanceof RedisTransport ? "redis" : this.transport instanceof PostgresTransport ? "postgres" : "local";
  }

  publish(event: TrafficEvent): void {
    try {
      this.emitter.emit(event.orgId, event);
      this.transport?.publish(JSON.stringify({ o: this.instanceId, e: event }));
    } catch (err) {
      logger().debug({ err }, "traffic: publish dropped");
    }
  }

  /** Resolves once remote events will be delivered too (the cross-instance subscription is live). */
  ready(): Promise<void> {
    if (!this.transport) return Promise.resolve();
    this.started ??= this.transport
      .start((message) => {
        try {
          const { o, e } = JSON.parse(message) as { o: string; e: TrafficEvent };
          if (o !== this.instanceId && e && typeof e.orgId === "string") this.emitter.emit(e.orgId, e);
        } catch {
          /* not ours */
        }
      })
      .catch((err) => {
        this.started = null;
        logger().warn({ err }, "traffic: cross-instance subscription failed; local events only");
      });
    return this.started;
  }

  /** Listens to one org's events (local and remote). Returns the unsubscribe function. */
  subscribe(orgId: string, listener: TrafficListener): () => void {
    void this.ready();
    this.emitter.on(orgId, listener);
    return () => this.emitter.off(orgId, listener);
  }

  listenerCount(orgId: string): number {
    return this.emitter.listenerCount(orgId);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    await this.transport?.close();
  }
}
