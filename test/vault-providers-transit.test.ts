// Vault Transit key provider against a local fake of Transit's HTTP API: round trip with the context
// as associated_data, and every fault refused with the right failure, without leaking the key.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { VaultTransitKeyProvider } from "@/lib/vault/providers/vault-transit";
import { startFakeVaultTransit, type FakeVaultTransit } from "./fakes/vault-transit";
import { canaryKey, ctx, expectFailure, expectNoLeak, logLines, setUpProviderTests, tearDownProviderTests } from "./vault-providers-helpers";

let vault: FakeVaultTransit;
let keyName: string;
let n = 0;
const provider = (over: Partial<ConstructorParameters<typeof VaultTransitKeyProvider>[0]> = {}) =>
  new VaultTransitKeyProvider({ address: vault.url, mount: vault.mount, keyName, token: vault.token, ...over });

beforeAll(async () => {
  setUpProviderTests();
  vault = await startFakeVaultTransit();
});
afterAll(async () => {
  await vault.close();
  tearDownProviderTests();
});
beforeEach(() => {
  keyName = vault.createKey(`fortress-${++n}`);
  vault.faults.delayMs = 0;
  vault.faults.serverError = undefined;
  vault.faults.tokenRevoked = false;
  vault.namespace = undefined;
});

describe("Vault Transit key provider", () => {
  it("wraps and unwraps with the context bound as associated_data", async () => {
    const dataKey = canaryKey();
    const p = provider();
    const wrapped = await p.wrap(dataKey, ctx());
    expect(wrapped.wrapped.toString()).toMatch(/^vault:v1:/);
    expect(wrapped.keyId).toBe(`transit/${keyName}:v1`);
    expect((await p.unwrap(wrapped, ctx())).equals(dataKey)).toBe(true);
    const sent = JSON.parse(vault.bodies.at(-2)!);
    expect(Buffer.from(sent.associated_data, "base64").toString()).toBe('["fortress-wrap-v1","org_a","connector","sec_1",1]');
    expect(p.describe().display).toContain(`transit/${keyName}`);
    expect(JSON.stringify(p.describe())).not.toContain(vault.token);
    expectNoLeak(dataKey);
    expect(logLines.join("\n")).not.toContain(vault.token);
  });

  it("unwraps after the Transit key rotated (old version still decrypts)", async () => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    vault.rotateKey(keyName);
    expect((await provider().unwrap(wrapped, ctx())).equals(dataKey)).toBe(true);
    expect((await provider().wrap(dataKey, ctx())).wrapped.toString()).toMatch(/^vault:v2:/);
  });

  it("sends X-Vault-Namespace", async () => {
    vault.namespace = "team-a";
    await expectFailure(provider().wrap(canaryKey(), ctx()), "access_denied");
    const w = await provider({ namespace: "team-a" }).wrap(canaryKey(), ctx());
    expect(w.wrapped.toString()).toMatch(/^vault:v1:/);
  });

  it("health is a real round trip", async () => {
    expect((await provider().health()).ok).toBe(true);
    vault.faults.tokenRevoked = true;
    expect((await provider().health()).ok).toBe(false);
  });

  it.each([
    ["another org", { orgId: "org_b" }],
    ["another object", { objectId: "sec_2" }],
    ["another purpose", { purpose: "pat" }],
  ])("refuses a wrapped key moved to %s (integrity)", async (_l, over) => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    const err = await expectFailure(provider().unwrap(wrapped, ctx(over)), "integrity");
    expectNoLeak(dataKey, err);
  });

  it("revoked token → access_denied", async () => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    vault.faults.tokenRevoked = true;
    const err = await expectFailure(provider().unwrap(wrapped, ctx()), "access_denied");
    expect(err.message).toMatch(/HTTP 403/);
    expect(err.requestId).toBeTruthy();
    expectNoLeak(dataKey, err);
  });

  it("wrong token → access_denied, token not in the error", async () => {
    const err = await expectFailure(provider({ token: "hvs.wrong-token-value" }).wrap(canaryKey(), ctx()), "access_denied");
    expect(JSON.stringify(err) + err.message).not.toContain("hvs.wrong-token-value");
  });

  it("unknown key → wrong_key", async () => {
    await expectFailure(provider({ keyName: "no-such-key" }).wrap(canaryKey(), ctx()), "wrong_key");
    const wrapped = await provider().wrap(canaryKey(), ctx());
    vault.deleteKey(keyName);
    await expectFailure(provider().unwrap(wrapped, ctx()), "wrong_key");
  });

  it("500 and 503 (sealed) → unavailable", async () => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    vault.faults.serverError = 500;
    await expectFailure(provider().unwrap(wrapped, ctx()), "unavailable");
    vault.faults.serverError = 503;
    const err = await expectFailure(provider().unwrap(wrapped, ctx()), "unavailable");
    expectNoLeak(dataKey, err);
  });

  it("slower than the time limit → timeout", async () => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    vault.faults.delayMs = 600;
    const started = Date.now();
    const err = await expectFailure(provider({ timeoutMs: 250 }).unwrap(wrapped, ctx()), "timeout");
    expect(Date.now() - started).toBeLessThan(550);
    expectNoLeak(dataKey, err);
  });

  it("a non-Vault ciphertext is refused before any call (integrity)", async () => {
    const before = vault.calls.length;
    await expectFailure(provider().unwrap({ wrapped: Buffer.from("garbage"), keyId: "x" }, ctx()), "integrity");
    expect(vault.calls.length).toBe(before);
  });

  it("an address outside the outbound allowlist is refused before the token is sent (misconfigured)", async () => {
    const before = vault.bodies.length;
    await expectFailure(provider({ address: vault.url.replace("127.0.0.1", "127.0.0.2") }).wrap(canaryKey(), ctx()), "misconfigured");
    await expectFailure(provider({ address: "http://169.254.169.254" }).wrap(canaryKey(), ctx()), "misconfigured");
    expect(vault.bodies.length).toBe(before);
  });
});
