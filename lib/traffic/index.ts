// CONTRACT: the live Traffic Feed. Gateways publish one event per governed request (after its audit
// event is durable); the console streams them over SSE. The fan-out across instances (Redis pub/sub
// or Postgres LISTEN/NOTIFY) belongs to the evidence issue; until then events are dropped.

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

/** Fire and forget: never throws, never delays the request. */
export function publishTraffic(_event: TrafficEvent): void {}
