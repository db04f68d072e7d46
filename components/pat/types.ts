// Shapes of the PAT admin API (docs/admin-api.md, "PAT Fortress") as the console reads them.
export type PatKeyStatus = "ACTIVE" | "ROTATED" | "REVOKED";

export interface PatKey {
  id: string;
  label: string;
  status: PatKeyStatus;
  enabled: boolean;
  models: string[];
  max_tokens: number | null;
  monthly_cap_usd: number | null;
  alert_threshold_pct: number;
  last_four: string | null;
  replaces_id: string | null;
  overlap_until: string | null;
  revoked_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface KeyUsage {
  pat_key_id: string;
  label: string;
  status: PatKeyStatus;
  month: string;
  price_table_version: string;
  requests: { total: number; allowed: number; denied: number; errors: number };
  tokens: { input: number; output: number; cache_creation: number; cache_read: number };
  spend_usd: number;
  reserved_usd: number;
  monthly_cap_usd: number | null;
  remaining_usd: number | null;
  cap_used_pct: number | null;
  alert_threshold_pct: number;
  by_model: { model: string; requests: number; input_tokens: number; output_tokens: number; spend_usd: number }[];
  daily: { day: string; requests: number; spend_usd: number }[];
}

export interface OrgUsage {
  month: string;
  price_table_version: string;
  totals: { requests: number; spend_usd: number; input_tokens: number; output_tokens: number };
  pat_keys: KeyUsage[];
}

export interface PatRequest {
  id: string;
  created_at: string;
  endpoint: string;
  principal: { type: "user" | "service_account"; id: string; label: string };
  pat_key: { id: string; label: string } | null;
  model: string | null;
  stream: boolean;
  client_ip: string | null;
  status: number;
  decision: "allow" | "deny" | "error";
  reason: string | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  usage: { input_tokens: number; output_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number };
  cost_usd: number;
  upstream_request_id: string | null;
  archive: { status: "none" | "pending" | "stored" | "failed"; sha256: string | null; error: string | null };
}

export interface ArchivedExchange {
  request_id: string;
  at: string;
  sha256: string;
  request: { method: string; path: string; headers: Record<string, string>; body: { text: string | null; base64: string | null } };
  response: { status: number; headers: Record<string, string>; truncated: boolean; body: { text: string | null; base64: string | null } };
}

export const usd = (n: number) => (n < 0.01 && n > 0 ? `$${n.toFixed(4)}` : `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
