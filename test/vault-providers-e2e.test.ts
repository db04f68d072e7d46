// End to end through the vault core: a Bank-tier org whose customer key lives in (a fake of) AWS KMS
// or Vault Transit, and a Zero Trust org on an XKS proxy, store and use a secret; then the key
// service turns against us (revoked grant, 5xx, timeout, unknown key) and every use fails closed with
// an audited refusal, the callback never runs, and the secret appears nowhere.
import { randomUUID } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, orgKeySettings, organisations, vaultSecrets, type Tier } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/context";
import { getDb } from "@/lib/db";
import { storeSecret, withSecret } from "@/lib/vault";
import type { KeyProviderConfig } from "@/lib/vault/key-provider";
import { forgetOrgProvider, sealConfigSecrets, splitConfig } from "@/lib/vault/org-keys";
import { buildKeyProvider, ZCustomerKeyProviderConfig } from "@/lib/vault/providers";
import { clear as clearSessionKeys } from "@/lib/vault/session-keys";
import { startFakeKms, type FakeKms } from "./fakes/aws-kms";
import { startFakeVaultTransit, type FakeVaultTransit } from "./fakes/vault-transit";
import { startFakeXks, type FakeXks } from "./fakes/xks";
import { newOrg } from "./helpers";
import { logLines, setUpProviderTests, tearDownProviderTests } from "./vault-providers-helpers";

const actor = SYSTEM_ACTOR;
let kms: FakeKms;
let transit: FakeVaultTransit;
let xks: FakeXks;

beforeAll(async () => {
  setUpProviderTests();
  [kms, transit, xks] = await Promise.all([startFakeKms(), startFakeVaultTransit(), startFakeXks()]);
});
afterAll(async () => {
  await Promise.all([kms.close(), transit.close(), xks.close()]);
  clearSessionKeys();
  tearDownProviderTests();
});

/**
 * What Settings → Encryption Keys does: validate, seal the credentials with the service key, store,
 * and record the result of a real test (wrap/unwrap round trip) for this config version.
 */
async function configureOrgKey(orgId: string, tier: Tier, raw: unknown) {
  const config = ZCustomerKeyProviderConfig.parse(raw) as KeyProviderConfig;
  const db = await getDb();
  await db.update(organisations).set({ tier }).where(eq(organisations.id, orgId));
  const { kind, publicPart, secretPart } = splitConfig(config);
  const sealed = secretPart ? await sealConfigSecrets(orgId, secretPart) : null;
  const health = await buildKeyProvider(config).health();
  await db.insert(orgKeySettings).values({
    orgId,
    providerKind: kind,
    config: publicPart,
    sealedCredentials: sealed?.blob ?? null,
    credentialsKeyVersion: sealed?.keyVersion ?? null,
    configVersion: 1,
    testedAt: new Date(),
    testOk: health.ok,
    testedConfigVersion: 1,
    testFailure: health.ok ? null : (health.detail ?? "failed"),
  });
  forgetOrgProvider(orgId);
  return health;
}

async function refusals(orgId: string, secretId: string) {
  const db = await getDb();
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, "vault.secret.use_refused")))
    .orderBy(asc(auditEvents.seq)) // chain order; without it Postgres may return heap order
    .then((rows) => rows.filter((r) => JSON.stringify(r).includes(secretId)));
}

interface Case {
  name: string;
  tier: Tier;
  kind: "aws_kms" | "vault_transit" | "xks";
  setUp: () => unknown;
  reset: () => void;
  faults: Array<[label: string, inject: () => void, failure: string]>;
}

let kmsArn = "";
let transitKey = "";
let xksKey = "";
const cases: Case[] = [
  {
    name: "Bank tier on AWS KMS",
    tier: "BANK",
    kind: "aws_kms",
    setUp: () => {
      kmsArn = kms.createKey();
      return { kind: "aws_kms", keyArn: kmsArn, region: kms.region, accessKeyId: kms.accessKeyId, secretAccessKey: kms.secretAccessKey, endpoint: kms.url };
    },
    reset: () => Object.assign(kms.faults, { delayMs: 0, serverError: undefined }),
    faults: [
      ["a 5xx", () => (kms.faults.serverError = 500), "unavailable"],
      ["a slow KMS (over its 2 s limit)", () => (kms.faults.delayMs = 2_300), "timeout"],
      ["a disabled key", () => kms.disableKey(kmsArn), "access_denied"],
      ["a revoked grant", () => kms.revokeGrant(kmsArn), "access_denied"],
      ["a deleted key", () => kms.deleteKey(kmsArn), "wrong_key"],
    ],
  },
  {
    name: "Bank tier on Vault Transit",
    tier: "BANK",
    kind: "vault_transit",
    setUp: () => {
      transitKey = transit.createKey(`org-${randomUUID().slice(0, 8)}`);
      return { kind: "vault_transit", address: transit.url, mount: transit.mount, keyName: transitKey, token: transit.token };
    },
    reset: () => Object.assign(transit.faults, { delayMs: 0, serverError: undefined, tokenRevoked: false }),
    faults: [
      ["a sealed Vault (503)", () => (transit.faults.serverError = 503), "unavailable"],
      ["a slow Vault (over its 2 s limit)", () => (transit.faults.delayMs = 2_300), "timeout"],
      ["a revoked token", () => (transit.faults.tokenRevoked = true), "access_denied"],
      ["a deleted key", () => transit.deleteKey(transitKey), "wrong_key"],
    ],
  },
  {
    name: "Zero Trust on an XKS proxy",
    tier: "ZERO_TRUST",
    kind: "xks",
    setUp: () => {
      xksKey = xks.createKey();
      return { kind: "xks", uriEndpoint: xks.uriEndpoint, keyId: xksKey, accessKeyId: xks.accessKeyId, secretAccessKey: xks.secretAccessKey, sessionTtlSeconds: 0 };
    },
    reset: () => Object.assign(xks.faults, { delayMs: 0, serverError: false, accessDenied: false }),
    faults: [
      ["a 5xx", () => (xks.faults.serverError = true), "unavailable"],
      ["a proxy slower than 250 ms", () => (xks.faults.delayMs = 400), "timeout"],
      ["an access-denied policy", () => (xks.faults.accessDenied = true), "access_denied"],
      ["a disabled key", () => xks.disableKey(xksKey), "access_denied"],
      ["a deleted key", () => xks.deleteKey(xksKey), "wrong_key"],
    ],
  },
];

describe.each(cases)("$name", (c) => {
  it("stores and uses a secret under the customer key; every fault then refuses the use, audited, without the secret", async () => {
    const { org } = await newOrg();
    const db = await getDb();
    const value = `canary_${randomUUID()}`;
    c.reset();
    const config = c.setUp() as Record<string, string>;
    const health = await configureOrgKey(org.id, c.tier, config);
    expect(health).toMatchObject({ ok: true });
    // The access credential is sealed: neither the clear config column nor the sealed bytes carry it.
    const credential = config.secretAccessKey ?? config.token;
    const [settings] = await db.select().from(orgKeySettings).where(eq(orgKeySettings.orgId, org.id));
    expect(JSON.stringify(settings.config)).not.toContain(credential);
    expect(settings.sealedCredentials!.includes(Buffer.from(credential))).toBe(false);

    const meta = await storeSecret(db, { orgId: org.id, purpose: "connector", type: "api_token", label: "Zendesk", plaintext: Buffer.from(value), actor });
    const [row] = await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, meta.id));
    expect(row.keyProvider).toBe(c.kind);
    expect(row.blob!.includes(Buffer.from(value))).toBe(false);
    const use = () => withSecret({ orgId: org.id, secretId: meta.id }, "connector", (p) => p.toString("utf8"), { actor });
    expect(await use()).toBe(value);

    for (const [label, inject, failure] of c.faults) {
      c.reset();
      inject();
      let called = false;
      const err = await withSecret({ orgId: org.id, secretId: meta.id }, "connector", () => (called = true), { actor }).then(
        () => null,
        (e) => e,
      );
      expect(err, label).toMatchObject({ code: "unavailable", details: { failure } });
      expect(called, label).toBe(false);
      expect(JSON.stringify(err) + err.message).not.toContain(value);
    }
    c.reset();

    const refused = await refusals(org.id, meta.id);
    expect(refused.map((r) => (r.metadata as { failure: string }).failure)).toEqual(c.faults.map(([, , f]) => f));
    expect(refused.every((r) => r.decision === "deny")).toBe(true);
    expect(JSON.stringify(refused)).not.toContain(value);
    expect(logLines.join("\n")).not.toContain(value);
  }, 30_000);
});

describe("the revoked-grant story (Bank, AWS KMS)", () => {
  it("works, then fails closed the moment the customer revokes the grant, and works again when restored", async () => {
    const { org } = await newOrg();
    const db = await getDb();
    const arn = kms.createKey();
    kms.faults.delayMs = 0;
    kms.faults.serverError = undefined;
    await configureOrgKey(org.id, "BANK", { kind: "aws_kms", keyArn: arn, region: kms.region, accessKeyId: kms.accessKeyId, secretAccessKey: kms.secretAccessKey, endpoint: kms.url });
    const value = `canary_${randomUUID()}`;
    const meta = await storeSecret(db, { orgId: org.id, purpose: "pat", type: "anthropic_key", label: "Prod", plaintext: Buffer.from(value), actor });
    const use = () => withSecret({ orgId: org.id, secretId: meta.id }, "pat", (p) => p.toString("utf8"), { actor });
    expect(await use()).toBe(value);
    // The EncryptionContext KMS saw binds this org, this secret, this purpose.
    const encrypt = kms.bodies.map((b) => JSON.parse(b || "{}")).filter((b) => b.EncryptionContext?.objectId === meta.id);
    expect(encrypt[0].EncryptionContext).toMatchObject({ orgId: org.id, objectId: meta.id, purpose: "pat" });

    kms.revokeGrant(arn);
    await expect(use()).rejects.toMatchObject({ code: "unavailable", message: "Credential unavailable: the key provider denied access (revoked grant or disabled key?)", details: { failure: "access_denied" } });
    const [refusal] = await refusals(org.id, meta.id);
    expect(refusal).toMatchObject({ action: "vault.secret.use_refused", decision: "deny", metadata: { failure: "access_denied" } });

    kms.revokeGrant(arn, false);
    expect(await use()).toBe(value);
  });
});
