// Key provider faults: a provider that times out, is down, forgot the key, revoked our grant, sees
// another AAD, is misconfigured or simply throws → every use and store refused, no plaintext handed
// out or leaked, each refusal audited with its failure kind.
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUT } from "@/app/api/v1/encryption-keys/route";
import { POST as TEST } from "@/app/api/v1/encryption-keys/test/route";
import { auditEvents, organisations, vaultSecrets } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/context";
import { getDb } from "@/lib/db";
import { createLogger, useLoggerForTests } from "@/lib/log";
import { storeSecret, withSecret } from "@/lib/vault";
import { setKeyProviderFactoryForTests } from "@/lib/vault/providers";
import { TestKeyProvider, type FaultMode } from "./fakes/test-key-provider";
import { call, newOrg } from "./helpers";

const provider = new TestKeyProvider("aws_kms");
const logs: string[] = [];
beforeAll(() => {
  setKeyProviderFactoryForTests("aws_kms", () => provider);
  useLoggerForTests(createLogger(new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }), "trace"));
});
afterAll(() => {
  setKeyProviderFactoryForTests("aws_kms", undefined);
  useLoggerForTests(undefined);
});

const FAULTS: [FaultMode, string][] = [
  ["slow_timeout", "timeout"],
  ["hang", "timeout"],
  ["unavailable", "unavailable"],
  ["wrong_key", "wrong_key"],
  ["access_denied", "access_denied"],
  ["wrong_aad", "integrity"],
  ["misconfigured", "misconfigured"],
  ["throws", "unavailable"],
];

async function bankOrgWithTestedKey() {
  const o = await newOrg("Faulty Bank");
  const db = await getDb();
  await db.update(organisations).set({ tier: "BANK" }).where(eq(organisations.id, o.org.id));
  provider.mode = "ok";
  provider.failWrap = false;
  const put = await call(PUT, {
    token: o.token,
    path: "/api/v1/encryption-keys",
    method: "PUT",
    body: { kind: "aws_kms", keyArn: "arn:aws:kms:eu-west-1:123456789012:key/test", region: "eu-west-1" },
  });
  expect(put.status).toBe(200);
  const t = await call(TEST, { token: o.token, path: "/api/v1/encryption-keys/test", method: "POST" });
  expect(t.json.ok).toBe(true);
  return o;
}

const refusals = async (orgId: string, action: string) =>
  (await getDb()).select().from(auditEvents).where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action))).orderBy(auditEvents.seq);

describe("key provider faults", () => {
  it("refuses 100% of uses under every fault, hands out no plaintext, audits each refusal", async () => {
    const { org } = await bankOrgWithTestedKey();
    const value = "canary-fault-" + randomUUID();
    const meta = await storeSecret(await getDb(), { orgId: org.id, purpose: "pat", type: "anthropic_key", label: "k", plaintext: Buffer.from(value), actor: SYSTEM_ACTOR });
    const ref = { orgId: org.id, secretId: meta.id };
    // healthy: it works
    expect(await withSecret(ref, "pat", (p) => p.toString(), { actor: SYSTEM_ACTOR })).toBe(value);
    const attemptsPerFault = 3;
    for (const [mode, failure] of FAULTS) {
      provider.mode = mode;
      for (let i = 0; i < (mode === "hang" || mode === "slow_timeout" ? 1 : attemptsPerFault); i++) {
        let called = false;
        const started = Date.now();
        const err = await withSecret(ref, "pat", () => (called = true), { actor: SYSTEM_ACTOR }).catch((e) => e);
        expect(called, mode).toBe(false);
        expect(err.code, mode).toBe("unavailable");
        expect(err.details, mode).toEqual({ failure });
        expect(err.message).not.toContain(value);
        if (mode === "hang") expect(Date.now() - started).toBeLessThan(3_000);
      }
    }
    const refused = await refusals(org.id, "vault.secret.use_refused");
    const expected = FAULTS.reduce((n, [m]) => n + (m === "hang" || m === "slow_timeout" ? 1 : attemptsPerFault), 0);
    expect(refused).toHaveLength(expected);
    expect(refused.every((e) => e.decision === "deny")).toBe(true);
    expect(refused.map((e) => (e.metadata as { failure: string }).failure)).toEqual(
      FAULTS.flatMap(([m, f]) => Array(m === "hang" || m === "slow_timeout" ? 1 : attemptsPerFault).fill(f)),
    );
    expect(refused.find((e) => (e.metadata as { failure: string }).failure === "access_denied")!.metadata).toMatchObject({ provider_request_id: "req-access_denied" });
    expect(logs.join("\n")).not.toContain(value);
    expect(JSON.stringify(refused)).not.toContain(value);
    provider.mode = "ok";
    expect(await withSecret(ref, "pat", (p) => p.toString(), { actor: SYSTEM_ACTOR })).toBe(value);
  }, 30_000);

  it("refuses to store when the provider cannot wrap, leaving no row; each refusal audited", async () => {
    const { org } = await bankOrgWithTestedKey();
    provider.failWrap = true;
    const modes = FAULTS.filter(([m]) => m !== "hang" && m !== "wrong_aad");
    for (const [mode, failure] of modes) {
      provider.mode = mode;
      const err = await storeSecret(await getDb(), { orgId: org.id, purpose: "connector", type: "api_token", label: "x", plaintext: Buffer.from("secret-" + mode), actor: SYSTEM_ACTOR }).catch((e) => e);
      expect(err.code, mode).toBe("unavailable");
      expect(err.details).toEqual({ failure });
    }
    provider.failWrap = false;
    provider.mode = "ok";
    expect(await (await getDb()).select().from(vaultSecrets).where(eq(vaultSecrets.orgId, org.id))).toEqual([]);
    const refused = await refusals(org.id, "vault.secret.store_refused");
    expect(refused.map((e) => (e.metadata as { failure: string }).failure)).toEqual(modes.map(([, f]) => f));
  }, 30_000);
});
