// Settings → Encryption Keys over the admin API, with the real AWS KMS provider against the local
// KMS fake: Bank tier refuses to store until a customer key is configured and tested.
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET, PUT } from "@/app/api/v1/encryption-keys/route";
import { POST as TEST } from "@/app/api/v1/encryption-keys/test/route";
import { auditEvents, changeLog, memberships, orgKeySettings, organisations } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/context";
import { getDb } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { storeSecret, withSecret } from "@/lib/vault";
import { migrateToCustomerKeys } from "@/lib/vault/rewrap";
import { startFakeKms, type FakeKms } from "./fakes/aws-kms";
import { call, newOrg, tokenFor } from "./helpers";

let kms: FakeKms;
beforeAll(async () => {
  process.env.FORTRESS_OUTBOUND_ALLOW = "127.0.0.1/32";
  resetEnvForTests();
  kms = await startFakeKms();
});
afterAll(async () => {
  await kms.close();
  delete process.env.FORTRESS_OUTBOUND_ALLOW;
  resetEnvForTests();
});

const path = "/api/v1/encryption-keys";
const kmsConfig = (keyArn: string) => ({ kind: "aws_kms", keyArn, region: kms.region, accessKeyId: kms.accessKeyId, secretAccessKey: kms.secretAccessKey, endpoint: kms.url });

async function bankOrg() {
  const o = await newOrg("Bank Co");
  await (await getDb()).update(organisations).set({ tier: "BANK" }).where(eq(organisations.id, o.org.id));
  return o;
}
const store = async (orgId: string, value: string) =>
  storeSecret(await getDb(), { orgId, purpose: "connector", type: "api_token", label: "Zendesk", plaintext: Buffer.from(value), actor: SYSTEM_ACTOR });

describe("/api/v1/encryption-keys", () => {
  it("shows a SOHO org on the local provider with the service key's rotation", async () => {
    const { token } = await newOrg();
    const r = await call(GET, { token, path });
    expect(r.status).toBe(200);
    expect(r.json.tier).toBe("SOHO");
    expect(r.json.provider).toMatchObject({ kind: "local", credentials_set: false });
    expect(r.json.provider.display).toMatch(/^Local service key v\d+$/);
    expect(r.json.storing).toEqual({ allowed: true, provider_kind: "local", reason: null });
    const sk = r.json.service_key;
    expect(sk.current_version).toBeGreaterThanOrEqual(1);
    expect(new Date(sk.next_rotation).getTime() - new Date(sk.last_rotation).getTime()).toBe(90 * 86_400_000);
    // The local provider can be tested too.
    const t = await call(TEST, { token, path: `${path}/test`, method: "POST" });
    expect(t.status).toBe(200);
    expect(t.json).toMatchObject({ ok: true, kind: "local", failure: null });
  });

  it("answers bad input with a clear 4xx that never echoes a secret", async () => {
    const { token } = await newOrg();
    const secret = "S3cretAccessKey-" + randomUUID();
    const cases = [
      { rawBody: "{not json", headers: { "content-type": "application/json" }, status: 400 },
      { body: { kind: "aws_kms" }, status: 400 },
      { body: { kind: "gcp_kms", keyArn: "x" }, status: 400 },
      { body: { kind: "aws_kms", keyArn: "not-an-arn", region: "eu-west-1", accessKeyId: "AKIAAAAAAAAAAAAAAAAA", secretAccessKey: secret }, status: 400 },
      { body: { kind: "vault_transit", address: "ftp://vault", mount: "transit", keyName: "k", token: secret }, status: 400 },
      { body: { kind: "local", extra: secret }, status: 400 },
      { rawBody: "kind=local", headers: { "content-type": "text/plain" }, status: 415 },
    ];
    for (const c of cases) {
      const r = await call(PUT, { token, path, method: "PUT", ...c });
      expect(r.status, JSON.stringify(c)).toBe(c.status);
      expect(r.json.error.type).toBeTruthy();
      expect(r.text).not.toContain(secret);
    }
  });

  it("Bank: refuses to store until a customer key is configured and tested; then seals with it; a revoked grant fails closed", async () => {
    const { org, token } = await bankOrg();
    const db = await getDb();
    await expect(store(org.id, "tok-before-config")).rejects.toMatchObject({ code: "conflict" });
    let g = await call(GET, { token, path });
    expect(g.json.storing.allowed).toBe(false);
    expect(g.json.storing.reason).toMatch(/customer key provider/);

    const keyArn = kms.createKey();
    const put = await call(PUT, { token, path, method: "PUT", body: kmsConfig(keyArn) });
    expect(put.status).toBe(200);
    expect(put.text).not.toContain(kms.secretAccessKey);
    expect(put.json.provider).toMatchObject({ kind: "aws_kms", credentials_set: true, config: { keyArn, region: kms.region } });
    expect(put.json.provider.config.secretAccessKey).toBeUndefined();
    expect(put.json.test).toBeNull();
    // Stored sealed: the clear config has no secret; the Change Log has before/after without it.
    const [row] = await db.select().from(orgKeySettings).where(eq(orgKeySettings.orgId, org.id));
    expect(JSON.stringify(row.config)).not.toContain(kms.secretAccessKey);
    expect(row.sealedCredentials!.includes(Buffer.from(kms.secretAccessKey))).toBe(false);
    const changes = await db.select().from(changeLog).where(and(eq(changeLog.orgId, org.id), eq(changeLog.entityType, "encryption_key_provider")));
    expect(changes).toHaveLength(1);
    expect(changes[0].after).toMatchObject({ kind: "aws_kms", credentials_set: true, config: { keyArn } });
    expect(JSON.stringify(changes[0])).not.toContain(kms.secretAccessKey);

    // Configured but untested: still refused.
    await expect(store(org.id, "tok-before-test")).rejects.toMatchObject({ code: "conflict", message: expect.stringMatching(/test/) });
    const t = await call(TEST, { token, path: `${path}/test`, method: "POST" });
    expect(t.json).toMatchObject({ ok: true, kind: "aws_kms", failure: null });
    g = await call(GET, { token, path });
    expect(g.json.test).toMatchObject({ ok: true, current: true });
    expect(g.json.storing).toEqual({ allowed: true, provider_kind: "aws_kms", reason: null });

    const value = "zendesk-token-" + randomUUID();
    const meta = await store(org.id, value);
    const decryptsBefore = kms.calls.filter((c) => c.target === "TrentService.Decrypt").length;
    expect(await withSecret({ orgId: org.id, secretId: meta.id }, "connector", (p) => p.toString(), { actor: SYSTEM_ACTOR })).toBe(value);
    expect(kms.calls.filter((c) => c.target === "TrentService.Decrypt").length).toBe(decryptsBefore + 1);
    g = await call(GET, { token, path });
    expect(g.json.secrets).toMatchObject({ active: 1, by_provider: { aws_kms: 1 } });

    // The customer revokes our grant: use fails closed, audited with the failure kind; the test records it.
    kms.revokeGrant(keyArn);
    let called = false;
    const err = await withSecret({ orgId: org.id, secretId: meta.id }, "connector", () => (called = true), { actor: SYSTEM_ACTOR }).catch((e) => e);
    expect(called).toBe(false);
    expect(err).toMatchObject({ code: "unavailable", details: { failure: "access_denied" } });
    expect(err.message).not.toContain(value);
    const refused = await db.select().from(auditEvents).where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "vault.secret.use_refused")));
    expect(refused.at(-1)!.metadata).toMatchObject({ failure: "access_denied" });
    const t2 = await call(TEST, { token, path: `${path}/test`, method: "POST" });
    expect(t2.json).toMatchObject({ ok: false, failure: { kind: "access_denied" } });
    g = await call(GET, { token, path });
    expect(g.json.test).toMatchObject({ ok: false });
    expect(g.json.storing.allowed).toBe(false);

    // Switching to another key while credentials depend on this one is refused.
    const other = await call(PUT, { token, path, method: "PUT", body: kmsConfig(kms.createKey()) });
    expect(other.status).toBe(409);
    // Updating the credentials of the same key is fine (and resets the test).
    kms.revokeGrant(keyArn, false);
    const same = await call(PUT, { token, path, method: "PUT", body: kmsConfig(keyArn) });
    expect(same.status).toBe(200);
    expect(same.json.test).toBeNull();
  });

  it("an org that moves from SOHO to Bank gets its local-key credentials moved to its customer key", async () => {
    const { org, token } = await newOrg("Upgrading Co");
    const db = await getDb();
    const before = await store(org.id, "pre-upgrade-token-0123");
    await db.update(organisations).set({ tier: "BANK" }).where(eq(organisations.id, org.id));
    expect((await call(PUT, { token, path, method: "PUT", body: kmsConfig(kms.createKey()) })).status).toBe(200);
    expect((await call(TEST, { token, path: `${path}/test`, method: "POST" })).json.ok).toBe(true);
    expect((await call(GET, { token, path })).json.secrets.by_provider).toEqual({ local: 1 });
    const moved = await migrateToCustomerKeys(db);
    expect(moved).toMatchObject({ processed: 1, succeeded: 1, failed: 0 });
    expect((await call(GET, { token, path })).json.secrets.by_provider).toEqual({ aws_kms: 1 });
    const decrypts = kms.calls.filter((c) => c.target === "TrentService.Decrypt").length;
    expect(await withSecret({ orgId: org.id, secretId: before.id }, "connector", (p) => p.toString(), { actor: SYSTEM_ACTOR })).toBe("pre-upgrade-token-0123");
    expect(kms.calls.filter((c) => c.target === "TrentService.Decrypt").length).toBe(decrypts + 1);
    expect((await migrateToCustomerKeys(db)).processed).toBe(0);
  });

  it("needs a session; auditors read, only owners and admins change or test; members see nothing", async () => {
    const { org, token } = await newOrg();
    const db = await getDb();
    const roles: Record<string, string> = {};
    for (const role of ["auditor", "member"] as const) {
      const other = await newOrg(`${role} home`);
      await db.insert(memberships).values({ orgId: org.id, userId: other.user.id, consoleRole: role });
      roles[role] = await tokenFor(other.user.id, org.id, other.email);
    }
    expect((await call(GET, { path })).status).toBe(401);
    expect((await call(GET, { token: roles.auditor, path })).status).toBe(200);
    expect((await call(PUT, { token: roles.auditor, path, method: "PUT", body: { kind: "local" } })).status).toBe(403);
    expect((await call(TEST, { token: roles.auditor, path: `${path}/test`, method: "POST" })).status).toBe(403);
    expect((await call(GET, { token: roles.member, path })).status).toBe(403);
    expect((await call(PUT, { token, path, method: "PUT", body: { kind: "local" } })).status).toBe(200);
  });

  it("Zero Trust accepts only an external key service", async () => {
    const { org, token } = await newOrg();
    await (await getDb()).update(organisations).set({ tier: "ZERO_TRUST" }).where(eq(organisations.id, org.id));
    const r = await call(PUT, { token, path, method: "PUT", body: kmsConfig(kms.createKey()) });
    expect(r.status).toBe(409);
    expect(r.json.error.message).toMatch(/xks/);
    const g = await call(GET, { token, path });
    expect(g.json.storing.reason).toMatch(/external key service/);
  });
});
