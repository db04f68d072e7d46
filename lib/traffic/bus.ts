// The Traffic Feed's fan-out. Each instance emits locally (EventEmitter) and, to reach the other
// instances, publishes on Redis (REDIS_URL) or, with a real Postgres and no Redis, NOTIFY. Messages
// carry the publishing instance's id so an instance never delivers its own event twice. With
// neither, events stay in-process (one instance: the newcomer default). Losing an event here is
// acceptable (the audit trail is the record); delaying or failing a request is not: local listeners
// hear an event at once, while the cross-instance copy is sent after the current turn of the event
// loop (so after the request's answer is written), the events of one turn in one Redis message.
//
// On demand (Redis): an org's events cross instances only while someone, somewhere, has its feed
// open. An instance showing an org's feed keeps a Redis key for it (renewed every 5 s, gone 15 s
// after the last viewer left) and announces it on the channel at once; a publisher asks for the key
// at most once a second per org and believes any announcement it hears. So the feed costs nothing
// when nobody looks, which is most of the time. An org nobody has asked about yet is published to
// (the answer is not in): the cost of not knowing is one message, never a lost event for a viewer.
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import Redis from "ioredis";
import { logger } from "../log";
import type { TrafficEvent } from "./index";

export const CHANNEL = "fortress:traffic";
const PG_CHANNEL = "fortress_traffic";

export type TrafficListener = (event: TrafficEvent) => void;

/** One cross-instance message: the publishing instance and one event (`e`), several (`es`), or the orgs whose feeds it shows (`w`). */
interface WireMessage {
  o: string;
  e?: TrafficEvent;
  es?: TrafficEvent[];
  w?: string[];
}

const WATCH_KEY = "fortress:traffic:watch:";
/** A viewer's key lives this long without renewal; renewed every WATCH_RENEW_MS while it has viewers. */
const WATCH_TTL_S = 15;
const WATCH_RENEW_MS = 5_000;
/** How long a publisher believes "nobody shows this org's feed" before asking again. */
const UNWATCHED_RECHECK_MS = 1_000;
const DEMAND_MAX_ORGS = 10_000;

/** Events per Redis message: keeps one message well under a megabyte. */
const BATCH = 100;

interface Transport {
  /** Sends one turn's events from instance `origin`. */
  publish(origin: string, events: TrafficEvent[]): void;
  /** Starts delivering remote messages to `onMessage`. */
  start(onMessage: (message: string) => void): Promise<void>;
  close(): Promise<void>;
  /** Marks `orgIds` as shown by instance `origin` (renewed by calling again) and tells the others at once. */
  watch?(origin: string, orgIds: string[]): void;
  /** Whether any instance shows the org's feed. Transports without it get every event. */
  watched?(orgId: string): Promise<boolean>;
}

class RedisTransport implements Transport {
  private pub: Redis;
  private sub: Redis | null = null;
  constructor(private readonly url: string) {
    this.pub = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false });
    this.pub.on("error", (err) => logger().warn({ err }, "traffic: redis publish connection error"));
  }
  publish(origin: string, events: TrafficEvent[]) {
    for (let i = 0; i < events.length; i += BATCH) {
      const chunk = events.slice(i, i + BATCH);
      const message: WireMessage = chunk.length === 1 ? { o: origin, e: chunk[0] } : { o: origin, es: chunk };
      this.pub.publish(CHANNEL, JSON.stringify(message)).catch((err) => logger().debug({ err }, "traffic: publish failed"));
    }
  }
  watch(origin: string, orgIds: string[]) {
    const multi = this.pub.multi();
    for (const orgId of orgIds) multi.set(WATCH_KEY + orgId, "1", "EX", WATCH_TTL_S);
    multi.publish(CHANNEL, JSON.stringify({ o: origin, w: orgIds } satisfies WireMessage));
    multi.exec().catch((err) => logger().debug({ err }, "traffic: watch announcement failed"));
  }
  async watched(orgId: string) {
    return (await this.pub.exists(WATCH_KEY + orgId)) > 0;
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
  publish(origin: string, events: TrafficEvent[]) {
    // NOTIFY payloads are limited to 8000 bytes: one event per notification (a feed row is far smaller).
    const messages = events.map((e) => JSON.stringify({ o: origin, e } satisfies WireMessage)).filter((m) => Buffer.byteLength(m) <= 7900);
    if (messages.length === 0) return;
    void this.getPool()
      .then((p) => Promise.all(messages.map((m) => p.query("select pg_notify($1, $2)", [PG_CHANNEL, m]))))
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
  private outbox: TrafficEvent[] = [];
  /** Per org: does anyone show its feed (as last learned), and when that was learned. */
  private readonly demand = new Map<string, { watched: boolean; at: number; asking?: boolean }>();
  private renewTimer: NodeJS.Timeout | null = null;

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
    } catch (err) {
      logger().debug({ err }, "traffic: local delivery failed");
    }
    if (!this.transport || !this.wanted(event.orgId)) return;
    this.outbox.push(event);
    if (this.outbox.length === 1) setImmediate(() => this.flush());
  }

  /** Should the org's events cross to other instances? Asks the transport in the background. */
  private wanted(orgId: string): boolean {
    const transport = this.transport;
    if (!transport?.watched) return true;
    const now = Date.now();
    const known = this.demand.get(orgId);
    const stale = !known || now - known.at >= (known.watched ? WATCH_RENEW_MS : UNWATCHED_RECHECK_MS);
    if (stale && !known?.asking) {
      if (this.demand.size >= DEMAND_MAX_ORGS) this.demand.clear();
      const entry = { watched: known?.watched ?? true, at: known?.at ?? 0, asking: true };
      this.demand.set(orgId, entry);
      transport.watched(orgId).then(
        (watched) => this.learn(orgId, watched, entry),
        () => this.learn(orgId, true, entry), // cannot tell: keep publishing
      );
    }
    return known?.watched ?? true;
  }

  private learn(orgId: string, watched: boolean, asked?: { asking?: boolean }): void {
    if (asked && this.demand.get(orgId) !== asked) return; // an announcement came in meanwhile
    this.demand.set(orgId, { watched, at: Date.now() });
  }

  /** Tells every instance which orgs' feeds this one shows; renewed while any is shown. */
  private announce(): void {
    const orgIds = this.emitter.eventNames().filter((n): n is string => typeof n === "string");
    if (!this.transport?.watch) return;
    if (orgIds.length === 0) {
      if (this.renewTimer) clearInterval(this.renewTimer);
      this.renewTimer = null;
      return;
    }
    this.transport.watch(this.instanceId, orgIds);
    if (!this.renewTimer) {
      this.renewTimer = setInterval(() => this.announce(), WATCH_RENEW_MS);
      this.renewTimer.unref();
    }
  }

  private flush(): void {
    const events = this.outbox;
    this.outbox = [];
    try {
      this.transport?.publish(this.instanceId, events);
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
          const { o, e, es, w } = JSON.parse(message) as WireMessage;
          if (o === this.instanceId) return;
          for (const orgId of Array.isArray(w) ? w : []) if (typeof orgId === "string") this.learn(orgId, true);
          for (const event of es ?? (e ? [e] : [])) {
            if (event && typeof event.orgId === "string") this.emitter.emit(event.orgId, event);
          }
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
    const first = this.emitter.listenerCount(orgId) === 0;
    this.emitter.on(orgId, listener);
    if (first) this.announce();
    return () => this.emitter.off(orgId, listener);
  }

  listenerCount(orgId: string): number {
    return this.emitter.listenerCount(orgId);
  }

  async close(): Promise<void> {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
    this.flush();
    this.emitter.removeAllListeners();
    await this.transport?.close();
  }
}
