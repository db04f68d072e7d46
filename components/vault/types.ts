// Shapes of /api/v1/encryption-keys (docs/admin-api.md) as the console reads them.
export type KeyProviderKind = "local" | "aws_kms" | "vault_transit" | "xks";

export interface EncryptionKeys {
  tier: "SOHO" | "BANK" | "ZERO_TRUST";
  provider: {
    kind: KeyProviderKind;
    display: string;
    config: Record<string, unknown>;
    credentials_set: boolean;
    config_version: number;
    updated_at: string | null;
  };
  test: { ok: boolean; tested_at: string; failure: string | null; current: boolean } | null;
  storing: { allowed: boolean; provider_kind: KeyProviderKind | null; reason: string | null };
  service_key: { current_version: number; last_rotation: string; next_rotation: string; rotation_days: number };
  secrets: { active: number; by_provider: Record<string, number>; by_key_version: Record<string, number> };
}

export interface KeyProviderTestResult {
  ok: boolean;
  kind: KeyProviderKind;
  latency_ms: number;
  failure: { kind: string; message: string } | null;
}

export const KIND_LABELS: Record<KeyProviderKind, string> = {
  local: "Fortress-managed key",
  aws_kms: "AWS KMS (customer key)",
  vault_transit: "HashiCorp Vault Transit (customer key)",
  xks: "External key service (XKS)",
};
