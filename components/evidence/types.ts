// Shapes of the evidence endpoints (docs/admin-api.md "Evidence") as the console reads them.
export interface AuditEvent {
  id: string;
  seq: number;
  occurred_at: string;
  product: string;
  actor: { type: string; id: string | null; label: string | null };
  action: string;
  resource: { type: string | null; id: string | null };
  decision: "allow" | "deny" | "info";
  reason: string | null;
  latency_ms: number | null;
  request_id: string | null;
  client_ip: string | null;
  metadata: Record<string, unknown>;
  hash: string;
}

export interface Change {
  id: string;
  seq: number;
  occurred_at: string;
  actor: { type: string; id: string | null; label: string | null };
  action: string;
  entity: { type: string; id: string | null; label: string | null };
  before: unknown;
  after: unknown;
  request_id: string | null;
  hash: string;
}

export interface ChainStatus {
  ok: boolean;
  checked_at: string;
  key_id: string;
  public_key_pem: string;
  streams: {
    stream: "events" | "changes";
    ok: boolean;
    rows: number;
    head_seq: number | null;
    first_bad_seq: number | null;
    problem: string | null;
    last_checkpoint: { seq: number; signed_at: string; key_id: string; kind: string; valid: boolean; problem: string | null } | null;
  }[];
}

export interface Approval {
  id: string;
  kind: string;
  summary: string;
  payload: unknown;
  status: "pending" | "applied" | "rejected" | "failed";
  requested_by: { id: string | null; label: string | null };
  decided_by: { id: string | null; label: string | null } | null;
  requested_at: string;
  decided_at: string | null;
  note: string | null;
}
