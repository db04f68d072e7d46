// Shapes of the PAT admin API (docs/admin-api.md, "PAT Fortress") as the console reads them.
import type { KeyUsage as ApiKeyUsage } from "@/lib/pat-keys/usage";

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

/** GET /api/v1/pat-keys/{id}/usage (the API's own type). */
export type KeyUsage = ApiKeyUsage;

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
