// "An org's tool list may have changed": connectors or actions were added, edited, killed, exposed or
// hidden (the connectors admin API calls notifyToolsChanged), or the org's policy changed. Open MCP
// notification streams subscribe here and re-check their caller's list, so a change made through one
// instance reaches streams held by every other instance.
// Fan-out: Redis pub/sub when REDIS_URL is set, Postgres LISTEN/NOTIFY when DATABASE_URL is a real
// Postgres, in-process otherwise (a single instance). The publisher's own instance is told at once.
// The same channel carries "this MCP session was ended" (DELETE), so that every instance drops the
// session from its cache of live sessions (lib/gateway/mcp/sessions.ts) at once.
import { randomUUID } from "node:crypto";
import { onConnectorsChanged } from "../../connectors/events";
import { env } from "../../env";
import { logger } from "../../log";
import { getRedis } from "../../redis";

export const TOOLS_CHANNEL = "fortress_mcp_tools";
const UUID = /^[0-9a-f-]{36}$/i;

export type ToolsChangedListener = (orgId: string) => void;

interface Bus {
  instanceId: string;
  /** Unhooks the bridge from the connector service's in-process change events. */
  unbridge?: () => void;
  listeners: Map<string, Set<ToolsChangedListener>>;
  remote?: { publish(message: string): Promise<void>; close(): Promise<void> };
  starting?: Promise<void>;
}

const g = globalThis as typeof globalThis & { __fortressMcpToolsBus?: Bus };

function bus(): Bus {
  if (!g.__fortressMcpToolsBus) {
    const b: Bus = { instanceId: randomUUID(), listeners: new Map() };
    g.__fortressMcpToolsBus = b;
    // The connector service announces committed changes in-process; fan them out to every instance.
    b.unbridge = onConnectorsChanged((orgId) => notifyToolsChanged(orgId));
  }
  return g.__fortressMcpToolsBus;
}

/** Process-wide observers of every org's changes (caches). */
const g2 = globalThis as typeof globalThis & { __fortressMcpToolsObservers?: Set<ToolsChangedListener> };
const observers: Set<ToolsChangedListener> = (g2.__fortressMcpToolsObservers ??= new Set());

/** Process-wide observers of ended sessions (the session caches). */
const g3 = globalThis as typeof globalThis & { __fortressMcpEndedObservers?: Set<(sessionId: string) => void> };
const endedObservers: Set<(sessionId: string) => void> = (g3.__fortressMcpEndedObservers ??= new Set());

/** Calls `listener` with the id of every MCP session ended on any instance (this one included). */
export function observeEndedSessions(listener: (sessionId: string) => void): () => void {
  endedObservers.add(listener);
  void startRemote();
  return () => endedObservers.delete(listener);
}

/** Calls each listener (a copy of the set: one may unsubscribe itself); one that throws does not stop the rest. */
function callEach(listeners: Iterable<(value: string) => void>, value: string, what: string): void {
  for (const listener of [...listeners]) {
    try {
      listener(value);
    } catch (err) {
      logger().warn({ err }, `${what} failed`);
    }
  }
}

function deliverEnded(sessionId: string): void {
  callEach(endedObservers, sessionId, "ended-session observer");
}

/** Calls `listener` for every org's tools change on this instance (including remote ones). */
export function observeAllToolsChanges(listener: ToolsChangedListener): () => void {
  observers.add(listener);
  void startRemote();
  return () => observers.delete(listener);
}

function deliver(orgId: string): void {
  callEach(observers, orgId, "tools-changed observer");
  callEach(bus().listeners.get(orgId) ?? [], orgId, "tools-changed listener");
}

/** `from:orgId` (the org's tools may have changed) or `from:orgId:sessionId` (that session was ended). */
function onRemote(message: string): void {
  const [from, orgId, sessionId] = message.split(":");
  if (from === bus().instanceId || !orgId || !UUID.test(orgId)) return; // our own echo: already delivered
  if (sessionId === undefined) deliver(orgId);
  else if (UUID.test(sessionId)) deliverEnded(sessionId);
}

/** Connects to Redis or Postgres once, lazily; until then (or without either) delivery is local. */
function startRemote(): Promise<void> {
  const b = bus();
  b.starting ??= (async () => {
    const redis = getRedis();
    if (redis) {
      // A subscribed Redis connection cannot publish: use a duplicate for listening.
      const sub = redis.duplicate();
      sub.on("message", (_channel: string, message: string) => onRemote(message));
      sub.on("error", (err) => logger().warn({ err }, "redis (mcp tools bus) error"));
      await sub.subscribe(TOOLS_CHANNEL);
      b.remote = {
        publish: async (m) => void (await redis.publish(TOOLS_CHANNEL, m)),
        close: async () => void (await sub.quit().catch(() => sub.disconnect())),
      };
      return;
    }
    const url = env().DATABASE_URL;
    if (url) {
      const { Client } = await import("pg");
      const listener = new Client({ connectionString: url });
      listener.on("error", (err) => logger().warn({ err }, "postgres (mcp tools bus) error"));
      listener.on("notification", (n) => n.channel === TOOLS_CHANNEL && n.payload && onRemote(n.payload));
      await listener.connect();
      await listener.query(`LISTEN ${TOOLS_CHANNEL}`);
      const { Pool } = await import("pg");
      const pool = new Pool({ connectionString: url, max: 1 });
      b.remote = {
        publish: async (m) => void (await pool.query("SELECT pg_notify($1, $2)", [TOOLS_CHANNEL, m])),
        close: async () => {
          await listener.end().catch(() => {});
          await pool.end().catch(() => {});
        },
      };
    }
  })().catch((err) => {
    b.starting = undefined; // try again on the next subscription
    logger().warn({ err }, "mcp tools bus: remote fan-out unavailable, delivering in-process only");
  });
  return b.starting;
}

/** Tells every instance's open MCP streams of `orgId` that the tool list may have changed. Never throws. */
export async function notifyToolsChanged(orgId: string): Promise<void> {
  deliver(orgId);
  const b = bus();
  try {
    await startRemote();
    await b.remote?.publish(`${b.instanceId}:${orgId}`);
  } catch (err) {
    logger().warn({ err, orgId }, "could not publish an MCP tools change");
  }
}

/** Tells every instance that MCP session `sessionId` of `orgId` was ended. Never throws. */
export async function notifySessionEnded(orgId: string, sessionId: string): Promise<void> {
  deliverEnded(sessionId);
  const b = bus();
  try {
    await startRemote();
    await b.remote?.publish(`${b.instanceId}:${orgId}:${sessionId}`);
  } catch (err) {
    logger().warn({ err, orgId }, "could not publish the end of an MCP session");
  }
}

/** Calls `listener` whenever `orgId`'s tools may have changed. Returns the unsubscribe function. */
export function subscribeToolsChanged(orgId: string, listener: ToolsChangedListener): () => void {
  const b = bus();
  let set = b.listeners.get(orgId);
  if (!set) b.listeners.set(orgId, (set = new Set()));
  set.add(listener);
  void startRemote();
  return () => {
    set.delete(listener);
    if (set.size === 0) b.listeners.delete(orgId);
  };
}

/** Resolves once remote change messages are being received (tests, start-up). */
export function toolsBusReady(): Promise<void> {
  return startRemote();
}

export async function closeToolsBus(): Promise<void> {
  const b = g.__fortressMcpToolsBus;
  g.__fortressMcpToolsBus = undefined;
  b?.unbridge?.();
  await b?.remote?.close();
}
