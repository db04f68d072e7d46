// CONTRACT: the live Traffic Feed. Gateways publish one event per governed request (after its audit
// event is durable); the console streams them over SSE (GET /api/v1/traffic/stream). Fan-out across
// instances: Redis pub/sub when REDIS_URL is set, else Postgres LISTEN/NOTIFY when DATABASE_URL is a
// real Postgres, else in-process only (lib/traffic/bus.ts).
import { env } from "../env";
import { TrafficBus } from "./bus";

export interface TrafficEvent {
  orgId: string;
  at: string; // ISO time
  product: "mcp" | "pat";
  requestId: string;
  /** MCP: "zendesk__list_tickets"; PAT: the model. */
  target: string;
  principal: { kind: "user" | "service_account"; id: string; label: string };
  decision: "allow" | "deny" | "error";
  reason?: string;
  latencyMs: number;
  /** PAT only. */
  inputTokens?: number;
  outputTokens?: number;
  costMicros?: number;
  patKeyLabel?: string;
  connectorSlug?: string;
}

const g = globalThis as typeof globalThis & { __fortressTrafficBus?: TrafficBus };

/** The process-wide bus (created on first use from the settings). */
export function trafficBus(): TrafficBus {
  if (!g.__fortressTrafficBus) {
    const e = env();
    g.__fortressTrafficBus = new TrafficBus({ redisUrl: e.REDIS_URL ?? null, postgresUrl: e.DATABASE_URL ?? null });
  }
  return g.__fortressTrafficBus;
}

/** Fire and forget: never throws, never delays the request. */
export function publishTraffic(event: TrafficEvent): void {
  try {
    trafficBus().publish(event);
  } catch {
    /* the feed is best effort; the audit trail is the record */
  }
}

export async function closeTrafficBus(): Promise<void> {
  const bus = g.__fortressTrafficBus;
  g.__fortressTrafficBus = undefined;
  await bus?.close();
}
