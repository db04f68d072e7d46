// Settings → Encryption Keys: which key provider protects an org's credentials, its test (a wrap /
// unwrap round trip), and the service key's rotation. Credentials inside a provider configuration are
// sealed with the service key, never returned, never in the Change Log.
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { and, count, eq, isNotNull, isNull } from "drizzle-orm";
import { z } from "zod";
import { orgKeySettings, vaultSecrets, type Tier } from "@/db/schema";
import { recordAuditEvent, recordChange } from "../audit/record";
import { announceOrgChange } from "../cache/shared";
import { env } from "../env";
import { FortressError } from "../errors";
import type { AdminContext } from "../identity/admin-auth";
import { asProviderError, withProviderTimeout } from "./envelope";
import type { KeyProvider, KeyProviderConfig, KeyProviderKind } from "./key-provider";
import { CUSTOMER_KINDS, forgetOrgProvider, loadConfig, orgTierAndSettings, sealConfigSecrets, splitConfig, storePolicy, type SettingsRow } from "./org-keys";
import { buildKeyProvider, localKeyProvider } from "./providers";
import { ZKeyProviderConfig } from "./providers/customer";
import { serviceKeyStatus } from "./service-keys";

/** What PUT accepts: every kind, validated by the providers' own schemas (unknown fields → 400). */
export const ZKeyProviderConfigInput = ZKeyProviderConfig;
export type KeyProviderConfigInput = z.infer<typeof ZKeyProviderConfigInput>;

export interface EncryptionKeysView {
  tier: Tier;
  provider: {
    kind: KeyProviderKind;
    display: string;
    /** Non-secret fields only; `credentials_set` says whether access credentials are stored. */
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

function display(kind: KeyProviderKind, config: Record<string, unknown>, serviceVersion: number): string {
  switch (kind) {
    case "local":
      return `Local service key v${serviceVersion}`;
    case "aws_kms":
      return `AWS KMS ${String(config.keyArn ?? "")}`;
    case "vault_transit":
      return `Vault Transit ${String(config.address ?? "")} ${String(config.mount ?? "")}/${String(config.keyName ?? "")}`;
    case "xks":
      return `External key service ${String(config.uriEndpoint ?? "")} key ${String(config.keyId ?? "")}`;
  }
}

/** The Change Log shape of a configuration: public fields and whether credentials are set. */
const changeShape = (s: Pick<SettingsRow, "providerKind" | "config" | "sealedCredentials"> | null) =>
  s ? { kind: s.providerKind, config: s.config, credentials_set: Boolean(s.sealedCredentials) } : { kind: "local", config: {}, credentials_set: false };

export async function getEncryptionKeys(ctx: AdminContext): Promise<EncryptionKeysView> {
  const { tier, settings } = await orgTierAndSettings(ctx.db, ctx.orgId);
  const status = await serviceKeyStatus(ctx.db);
  const policy = storePolicy(tier, settings);
  const rows = await ctx.db
    .select({ provider: vaultSecrets.keyProvider, version: vaultSecrets.keyVersion, n: count() })
    .from(vaultSecrets)
    .where(and(eq(vaultSecrets.orgId, ctx.orgId), isNull(vaultSecrets.destroyedAt), isNotNull(vaultSecrets.blob)))
    .groupBy(vaultSecrets.keyProvider, vaultSecrets.keyVersion);
  const byProvider: Record<string, number> = {};
  const byVersion: Record<string, number> = {};
  let active = 0;
  for (const r of rows) {
    const n = Number(r.n);
    active += n;
    byProvider[r.provider] = (byProvider[r.provider] ?? 0) + n;
    byVersion[String(r.version)] = (byVersion[String(r.version)] ?? 0) + n;
  }
  const kind = settings?.providerKind ?? "local";
  const config = settings?.config ?? {};
  return {
    tier,
    provider: {
      kind,
      display: display(kind, config, status.currentVersion),
      config,
      credentials_set: Boolean(settings?.sealedCredentials),
      config_version: settings?.configVersion ?? 0,
      updated_at: settings?.updatedAt.toISOString() ?? null,
    },
    test:
      settings?.testedAt && settings.testOk !== null
        ? { ok: settings.testOk, tested_at: settings.testedAt.toISOString(), failure: settings.testFailure, current: settings.testedConfigVersion === settings.configVersion }
        : null,
    storing: { allowed: policy.allowed, provider_kind: policy.kind, reason: policy.reason ?? null },
    service_key: {
      current_version: status.currentVersion,
      last_rotation: status.lastRotation.toISOString(),
      next_rotation: status.nextRotation.toISOString(),
      rotation_days: env().FORTRESS_KEY_ROTATION_DAYS,
    },
    secrets: { active, by_provider: byProvider, by_key_version: byVersion },
  };
}

/** Fields that name the key itself: changing one while secrets depend on the key would orphan them. */
const KEY_IDENTITY: Record<string, string[]> = {
  aws_kms: ["keyArn", "region", "endpoint"],
  vault_transit: ["address", "mount", "keyName", "namespace"],
  xks: ["uriEndpoint", "keyId"],
};

export async function putEncryptionKeyProvider(ctx: AdminContext, input: KeyProviderConfigInput): Promise<EncryptionKeysView> {
  const config = input as KeyProviderConfig;
  const { tier, settings: before } = await orgTierAndSettings(ctx.db, ctx.orgId);
  if (tier === "ZERO_TRUST" && config.kind !== "xks" && config.kind !== "local") {
    throw new FortressError("conflict", "Zero Trust organisations protect credentials with an external key service (kind \"xks\")");
  }
  const { publicPart, secretPart } = splitConfig(config);
  const oldKind = before?.providerKind ?? "local";
  if (oldKind !== "local") {
    const identityChanged =
      oldKind !== config.kind || KEY_IDENTITY[oldKind].some((f) => JSON.stringify(before!.config[f]) !== JSON.stringify(publicPart[f]));
    if (identityChanged) {
      const [{ n }] = await ctx.db
        .select({ n: count() })
        .from(vaultSecrets)
        .where(and(eq(vaultSecrets.orgId, ctx.orgId), eq(vaultSecrets.keyProvider, oldKind), isNotNull(vaultSecrets.blob)));
      if (Number(n) > 0) {
        throw new FortressError(
          "conflict",
          `${Number(n)} credential(s) are protected by the current key; delete or re-enter them before switching to another key (credentials of the same key can be updated)`,
        );
      }
    }
  }
  let sealed: Awaited<ReturnType<typeof sealConfigSecrets>> | null = null;
  try {
    sealed = secretPart ? await sealConfigSecrets(ctx.orgId, secretPart, ctx.db) : null;
  } catch (err) {
    const pe = asProviderError(err);
    throw new FortressError("unavailable", `The credentials could not be sealed: ${pe.message}`, { cause: pe, details: { failure: pe.failure } });
  }
  const now = new Date();
  await ctx.db.transaction(async (tx) => {
    const values = {
      providerKind: config.kind,
      config: publicPart,
      sealedCredentials: sealed?.blob ?? null,
      credentialsKeyVersion: sealed?.keyVersion ?? null,
      testOk: null,
      testedAt: null,
      testedConfigVersion: null,
      testFailure: null,
      updatedAt: now,
    };
    const [after] = await tx
      .insert(orgKeySettings)
      .values({ orgId: ctx.orgId, ...values, configVersion: 1 })
      .onConflictDoUpdate({ target: orgKeySettings.orgId, set: { ...values, configVersion: (before?.configVersion ?? 0) + 1 } })
      .returning();
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: before ? "update" : "create",
      entityType: "encryption_key_provider",
      entityId: ctx.orgId,
      entityLabel: display(after.providerKind, after.config, 0).replace(/ v0$/, ""),
      before: before ? changeShape(before) : null,
      after: changeShape(after),
      meta: ctx.meta,
    });
    await recordAuditEvent(tx, {
      orgId: ctx.orgId,
      product: "admin_api",
      actor: ctx.actor,
      action: "vault.key_provider.configured",
      resourceType: "encryption_key_provider",
      resourceId: ctx.orgId,
      decision: "info",
      meta: ctx.meta,
      metadata: { kind: after.providerKind, config_version: after.configVersion },
    });
  });
  forgetOrgProvider(ctx.orgId);
  // Uses read the key settings through the org's cached vault rows: every instance drops them.
  await announceOrgChange(ctx.orgId, ctx.db);
  return getEncryptionKeys(ctx);
}

export interface KeyProviderTestResult {
  ok: boolean;
  kind: KeyProviderKind;
  latency_ms: number;
  failure: { kind: string; message: string } | null;
}

/** Wraps and unwraps a random key with the org's configured provider and records the result. */
export async function testEncryptionKeyProvider(ctx: AdminContext): Promise<KeyProviderTestResult> {
  const { settings } = await orgTierAndSettings(ctx.db, ctx.orgId);
  const kind = settings?.providerKind ?? "local";
  const started = performance.now();
  const probe = randomBytes(32);
  let result: KeyProviderTestResult;
  try {
    // Built afresh (not the cached one): the test must speak to the configuration as stored now.
    const provider: KeyProvider = settings && kind !== "local" ? buildKeyProvider(await loadConfig(settings, ctx.db)) : localKeyProvider();
    const status = await serviceKeyStatus(ctx.db);
    const context = { orgId: ctx.orgId, purpose: "key_provider_test", objectId: randomUUID(), keyVersion: status.currentVersion };
    const wrapped = await withProviderTimeout(provider.wrap(probe, context));
    const back = await withProviderTimeout(provider.unwrap(wrapped, context));
    const same = back.length === probe.length && timingSafeEqual(back, probe);
    back.fill(0);
    if (!same) throw new FortressError("unavailable", "round trip returned another key");
    result = { ok: true, kind, latency_ms: Math.round(performance.now() - started), failure: null };
  } catch (err) {
    const pe = err instanceof FortressError ? null : asProviderError(err);
    result = {
      ok: false,
      kind,
      latency_ms: Math.round(performance.now() - started),
      failure: pe ? { kind: pe.failure, message: pe.message } : { kind: "integrity", message: "The key provider returned another key than it was given" },
    };
  } finally {
    probe.fill(0);
  }
  await ctx.db.transaction(async (tx) => {
    if (settings) {
      await tx
        .update(orgKeySettings)
        .set({
          testOk: result.ok,
          testedAt: new Date(),
          testedConfigVersion: settings.configVersion,
          testFailure: result.failure ? `${result.failure.kind}: ${result.failure.message}` : null,
        })
        // Only if nobody changed the configuration meanwhile: a test counts for the config it tested.
        .where(and(eq(orgKeySettings.orgId, ctx.orgId), eq(orgKeySettings.configVersion, settings.configVersion)));
    }
    await recordAuditEvent(tx, {
      orgId: ctx.orgId,
      product: "admin_api",
      actor: ctx.actor,
      action: "vault.key_provider.tested",
      resourceType: "encryption_key_provider",
      resourceId: ctx.orgId,
      decision: result.ok ? "allow" : "deny",
      reason: result.failure?.message,
      latencyMs: result.latency_ms,
      meta: ctx.meta,
      metadata: { kind, ok: result.ok, ...(result.failure ? { failure: result.failure.kind } : {}), config_version: settings?.configVersion ?? 0 },
    });
  });
  forgetOrgProvider(ctx.orgId);
  // The test result decides which provider may be used (storePolicy): cached settings go everywhere.
  await announceOrgChange(ctx.orgId, ctx.db);
  return result;
}

export const isCustomerKind = (k: KeyProviderKind) => CUSTOMER_KINDS.includes(k);
