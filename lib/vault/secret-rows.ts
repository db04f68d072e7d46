// The record withSecret reads before every use: the secret's row (encrypted blob, purpose, key
// provider and version), its org's tier and key settings. Cached per org and secret instead of read
// on every use: the PAT and MCP hot paths then make no vault read at all.
// What is cached is what the database holds, encrypted: never plaintext, never an unwrapped data
// key. Every use still runs every check on it (purpose, guards, tier rule, HMAC before unwrap, the
// durable "vault.secret.used" event before the plaintext is handed out).
// Staleness, the same bounded window as API-key revocation: every change to an org's secrets, tier
// or key settings drops the org's entries at once on the instance that made it and within a bus
// round trip on the others (announceOrgChange, invalidatePolicy); a lost message is covered by the
// ORG_ROWS_MAX_AGE_MS (500 ms) max-age. So a crypto-shredded secret stops decrypting at once where
// it was shredded and within 500 ms everywhere else. Misses (unknown or destroyed secrets) are not
// cached: they are read, and refused, every time; nor are unusually large blobs (memory bound).
import { and, eq, isNull } from "drizzle-orm";
import { orgKeySettings, organisations, vaultSecrets, type Tier } from "@/db/schema";
import { sharedOrgRowsCache } from "../cache/shared";
import { getDb } from "../db";
import type { SecretRef } from "./index";
import type { SettingsRow } from "./org-keys";

export interface SecretRecord {
  /** Shared by concurrent uses until the next reload: read, never modify (the blob least of all). */
  secret: typeof vaultSecrets.$inferSelect;
  tier: Tier;
  settings: SettingsRow | null;
}

/** One query, scoped by org and secret; destroyed secrets are not found. */
async function load(orgId: string, secretId: string): Promise<SecretRecord | null> {
  const db = await getDb();
  const [found] = await db
    .select({ secret: vaultSecrets, tier: organisations.tier, settings: orgKeySettings })
    .from(vaultSecrets)
    .innerJoin(organisations, eq(organisations.id, vaultSecrets.orgId))
    .leftJoin(orgKeySettings, eq(orgKeySettings.orgId, vaultSecrets.orgId))
    .where(and(eq(vaultSecrets.id, secretId), eq(vaultSecrets.orgId, orgId), isNull(vaultSecrets.destroyedAt)));
  return found ?? null;
}

/**
 * Credentials are small (an API token, an OAuth pair, a GitHub App key: well under 8 KiB sealed);
 * the vault accepts up to 60 KB. Larger blobs are read per use so that the cache's memory stays
 * bounded (10,000 entries × 8 KiB at worst) whatever is stored.
 */
const MAX_CACHED_BLOB_BYTES = 8 * 1024;

const cache = () =>
  sharedOrgRowsCache<SecretRecord | null>("vault-secrets", {
    load,
    cacheable: (r) => r !== null && r.secret.blob !== null && r.secret.blob.length <= MAX_CACHED_BLOB_BYTES,
  });

/** The secret's record (null: unknown or destroyed), at most ORG_ROWS_MAX_AGE_MS old. Read failures are thrown. */
export function secretRecord(ref: SecretRef): Promise<SecretRecord | null> {
  return cache().get(ref.orgId, ref.secretId);
}
