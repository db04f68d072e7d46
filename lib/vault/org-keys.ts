// Each org's key provider: its stored configuration (credentials sealed with the service key), the
// tier rules that decide which provider may protect new secrets, and a small cache of built providers.
import { and, eq } from "drizzle-orm";
import { orgKeySettings, organisations, type Tier } from "@/db/schema";
import { sharedOrgRowsCache } from "../cache/shared";
import { getDb, type DbOrTx } from "../db";
import { FortressError } from "../errors";
import { openVerified, sealWith, verifyStored, type Sealed } from "./envelope";
import { KeyProviderError, type KeyProvider, type KeyProviderConfig, type KeyProviderKind } from "./key-provider";
import { buildKeyProvider, localKeyProvider } from "./providers";
import { CUSTOMER_SECRET_FIELDS } from "./providers/customer";
import { serviceKeyring } from "./service-keys";
import { clear as clearSessionKeys } from "./session-keys";

export type SettingsRow = typeof orgKeySettings.$inferSelect;
export const CUSTOMER_KINDS: readonly KeyProviderKind[] = ["aws_kms", "vault_transit", "xks"];
export const CONFIG_PURPOSE = "key_provider_config";

/** Splits a config into what may be stored in clear and shown, and the credentials (sealed). */
export function splitConfig(config: KeyProviderConfig): { kind: KeyProviderKind; publicPart: Record<string, unknown>; secretPart: Record<string, unknown> | null } {
  const publicPart: Record<string, unknown> = {};
  const secretPart: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === "kind" || v === undefined) continue;
    if ((CUSTOMER_SECRET_FIELDS as readonly string[]).includes(k)) secretPart[k] = v;
    else publicPart[k] = v;
  }
  return { kind: config.kind, publicPart, secretPart: Object.keys(secretPart).length ? secretPart : null };
}

export async function sealConfigSecrets(orgId: string, secretPart: Record<string, unknown>, db?: DbOrTx): Promise<Sealed> {
  const plaintext = Buffer.from(JSON.stringify(secretPart), "utf8");
  try {
    return await sealWith(localKeyProvider(), serviceKeyring(), { orgId, objectId: orgId, purpose: CONFIG_PURPOSE }, plaintext, { db });
  } finally {
    plaintext.fill(0);
  }
}

export async function openConfigSecrets(orgId: string, sealed: Buffer, db?: DbOrTx): Promise<Record<string, unknown>> {
  const binding = { orgId, objectId: orgId, purpose: CONFIG_PURPOSE };
  const parsed = await verifyStored(sealed, binding, serviceKeyring(), db);
  const plaintext = await openVerified(parsed, binding, localKeyProvider());
  try {
    return JSON.parse(plaintext.toString("utf8")) as Record<string, unknown>;
  } finally {
    plaintext.fill(0);
  }
}

/** Rebuilds the full config (credentials included) of a settings row. */
export async function loadConfig(row: SettingsRow, db?: DbOrTx): Promise<KeyProviderConfig> {
  const secret = row.sealedCredentials ? await openConfigSecrets(row.orgId, row.sealedCredentials, db) : {};
  return { ...row.config, ...secret, kind: row.providerKind } as KeyProviderConfig;
}

export async function orgTierAndSettings(db: DbOrTx, orgId: string): Promise<{ tier: Tier; settings: SettingsRow | null }> {
  const [row] = await db
    .select({ tier: organisations.tier, settings: orgKeySettings })
    .from(organisations)
    .leftJoin(orgKeySettings, eq(orgKeySettings.orgId, organisations.id))
    .where(eq(organisations.id, orgId));
  if (!row) throw new FortressError("not_found", "Organisation not found");
  return { tier: row.tier, settings: row.settings };
}

const tierAndSettingsCache = () =>
  sharedOrgRowsCache<{ tier: Tier; settings: SettingsRow | null }>("vault-org-keys", { load: async (orgId) => orgTierAndSettings(await getDb(), orgId) });

/** orgTierAndSettings through the org-row cache (at most ORG_ROWS_MAX_AGE_MS old). */
export function cachedTierAndSettings(orgId: string): Promise<{ tier: Tier; settings: SettingsRow | null }> {
  return tierAndSettingsCache().get(orgId, "");
}

export const isTested = (s: SettingsRow | null): s is SettingsRow =>
  Boolean(s && s.testOk && s.testedConfigVersion === s.configVersion);

export interface StorePolicy {
  allowed: boolean;
  kind: KeyProviderKind | null;
  /** Why storing is refused (shown to admins). */
  reason?: string;
}

/** Tier rules for new secrets. SOHO: local unless a tested customer key exists; Bank: a tested customer key; Zero Trust: a tested XKS. */
export function storePolicy(tier: Tier, settings: SettingsRow | null): StorePolicy {
  const customer = settings && CUSTOMER_KINDS.includes(settings.providerKind) ? settings : null;
  const tested = isTested(customer);
  if (tier === "ZERO_TRUST") {
    if (customer?.providerKind === "xks" && tested) return { allowed: true, kind: "xks" };
    return {
      allowed: false,
      kind: null,
      reason:
        customer?.providerKind === "xks"
          ? "Zero Trust: the external key service (XKS) must pass its test in Settings → Encryption Keys before credentials can be stored"
          : "Zero Trust organisations must configure an external key service (XKS) in Settings → Encryption Keys before credentials can be stored",
    };
  }
  if (tier === "BANK") {
    if (customer && tested) return { allowed: true, kind: customer.providerKind };
    return {
      allowed: false,
      kind: null,
      reason: customer
        ? "Bank tier: the customer key provider must pass its test in Settings → Encryption Keys before credentials can be stored"
        : "Bank tier organisations must configure and test a customer key provider in Settings → Encryption Keys before credentials can be stored",
    };
  }
  if (customer && tested) return { allowed: true, kind: customer.providerKind };
  return { allowed: true, kind: "local" };
}

// Built customer providers, per org and configuration version. Credentials live in the provider
// object (the SDKs need them) and nowhere else in memory.
const cache = new Map<string, { provider: KeyProvider; key: string; at: number }>();
const PROVIDER_TTL_MS = 60_000;

export async function providerFromSettings(settings: SettingsRow, db?: DbOrTx): Promise<KeyProvider> {
  if (settings.providerKind === "local") return localKeyProvider();
  const key = `${settings.configVersion}:${settings.credentialsKeyVersion}:${settings.updatedAt.getTime()}`;
  const hit = cache.get(settings.orgId);
  if (hit && hit.key === key && Date.now() - hit.at < PROVIDER_TTL_MS) return hit.provider;
  const provider = buildKeyProvider(await loadConfig(settings, db));
  cache.set(settings.orgId, { provider, key, at: Date.now() });
  return provider;
}

export function forgetOrgProvider(orgId: string): void {
  cache.delete(orgId);
  // Data keys the external key service unwrapped under the old configuration must not outlive it:
  // a customer who revokes or replaces their key expects it to take effect now, not after the TTL.
  clearSessionKeys();
}

/** The provider that can unwrap a blob sealed by `kind` for this org. */
export async function providerForKind(settings: SettingsRow | null, kind: KeyProviderKind, db?: DbOrTx): Promise<KeyProvider> {
  if (kind === "local") return localKeyProvider();
  if (!settings || settings.providerKind !== kind) {
    throw new KeyProviderError("misconfigured", `The organisation's ${kind} key provider is no longer configured`);
  }
  return providerFromSettings(settings, db);
}

/** The provider new secrets of this org are sealed with, or a 409 saying what to configure first. */
export async function providerForStore(
  db: DbOrTx,
  orgId: string,
  options: { cached?: boolean } = {},
): Promise<{ tier: Tier; provider: KeyProvider; settings: SettingsRow | null }> {
  // `cached`: sealing a PAT archive object after every exchange reads the tier and key settings
  // from the org-row cache, which every tier and key-settings change drops (see secret-rows.ts).
  // Storing a credential reads them fresh, in the caller's transaction.
  const { tier, settings } = options.cached ? await cachedTierAndSettings(orgId) : await orgTierAndSettings(db, orgId);
  const policy = storePolicy(tier, settings);
  if (!policy.allowed || !policy.kind) throw new FortressError("conflict", policy.reason ?? "Credentials cannot be stored yet");
  const provider = policy.kind === "local" ? localKeyProvider() : await providerFromSettings(settings!, db);
  return { tier, provider, settings };
}

export async function settingsFor(db: DbOrTx, orgId: string): Promise<SettingsRow | null> {
  const [row] = await db.select().from(orgKeySettings).where(and(eq(orgKeySettings.orgId, orgId)));
  return row ?? null;
}
