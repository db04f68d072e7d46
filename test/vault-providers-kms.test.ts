// AWS KMS key provider against a local fake that speaks KMS's JSON 1.1 protocol and verifies SigV4:
// round trip with EncryptionContext, and every fault refused with the right failure, without leaking.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AwsKmsKeyProvider } from "@/lib/vault/providers/aws-kms";
import { startFakeKms, type FakeKms } from "./fakes/aws-kms";
import { canaryKey, ctx, expectFailure, expectNoLeak, setUpProviderTests, tearDownProviderTests } from "./vault-providers-helpers";

let kms: FakeKms;
let keyArn: string;
const provider = (over: Partial<ConstructorParameters<typeof AwsKmsKeyProvider>[0]> = {}) =>
  new AwsKmsKeyProvider({ keyArn, region: kms.region, accessKeyId: kms.accessKeyId, secretAccessKey: kms.secretAccessKey, endpoint: kms.url, ...over });

beforeAll(async () => {
  setUpProviderTests();
  kms = await startFakeKms();
});
afterAll(async () => {
  await kms.close();
  tearDownProviderTests();
});
beforeEach(() => {
  keyArn = kms.createKey();
  kms.faults.delayMs = 0;
  kms.faults.serverError = undefined;
});

describe("AWS KMS key provider", () => {
  it("wraps and unwraps a data key with the context as EncryptionContext", async () => {
    const dataKey = canaryKey();
    const p = provider();
    const wrapped = await p.wrap(dataKey, ctx());
    expect(wrapped.keyId).toBe(keyArn);
    expect(wrapped.wrapped.includes(dataKey)).toBe(false);
    const back = await p.unwrap(wrapped, ctx());
    expect(back.equals(dataKey)).toBe(true);
    // What went over the wire: the context as a string map, next to the (base64) plaintext on Encrypt.
    const encrypt = JSON.parse(kms.bodies.at(-2)!);
    expect(encrypt.EncryptionContext).toEqual({ orgId: "org_a", purpose: "connector", objectId: "sec_1", keyVersion: "1" });
    expect(encrypt.KeyId).toBe(keyArn);
    expect(kms.calls.slice(-2).map((c) => c.target)).toEqual(["TrentService.Encrypt", "TrentService.Decrypt"]);
    expect(p.describe()).toEqual({ kind: "aws_kms", display: `AWS KMS ${keyArn}`, keyId: keyArn });
    expectNoLeak(dataKey);
  });

  it("health is a real round trip", async () => {
    expect((await provider().health()).ok).toBe(true);
    kms.revokeGrant(keyArn);
    const h = await provider().health();
    expect(h.ok).toBe(false);
    expect(h.detail).toMatch(/access_denied/);
  });

  it("rewraps with ReEncrypt without the key leaving KMS", async () => {
    const dataKey = canaryKey();
    const p = provider();
    const wrapped = await p.wrap(dataKey, ctx());
    const newArn = kms.createKey();
    const moved = await provider({ keyArn: newArn }).rewrap(wrapped, ctx());
    expect(moved.keyId).toBe(newArn);
    expect((await provider({ keyArn: newArn }).unwrap(moved, ctx())).equals(dataKey)).toBe(true);
  });

  it.each([
    ["another org", { orgId: "org_b" }],
    ["another object", { objectId: "sec_2" }],
    ["another purpose", { purpose: "pat" }],
    ["another key version", { keyVersion: 2 }],
  ])("refuses a wrapped key moved to %s (integrity)", async (_label, over) => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    const err = await expectFailure(provider().unwrap(wrapped, ctx(over)), "integrity");
    expect(err.message).toMatch(/InvalidCiphertextException/);
    expectNoLeak(dataKey, err);
  });

  it("refuses a tampered blob (integrity)", async () => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    wrapped.wrapped[wrapped.wrapped.length - 1] ^= 1;
    await expectFailure(provider().unwrap(wrapped, ctx()), "integrity");
  });

  it("revoked grant → access_denied, audited-ready message, no plaintext", async () => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    kms.revokeGrant(keyArn);
    const err = await expectFailure(provider().unwrap(wrapped, ctx()), "access_denied");
    expect(err.message).toBe("AWS KMS refused access to the key (revoked grant, disabled key or bad credentials) (AccessDeniedException)");
    expectNoLeak(dataKey, err);
  });

  it("disabled key → access_denied", async () => {
    const wrapped = await provider().wrap(canaryKey(), ctx());
    kms.disableKey(keyArn);
    await expectFailure(provider().unwrap(wrapped, ctx()), "access_denied");
  });

  it("unknown key id → wrong_key", async () => {
    const dataKey = canaryKey();
    const err = await expectFailure(provider({ keyArn: `arn:aws:kms:${kms.region}:${kms.account}:key/00000000-0000-0000-0000-000000000000` }).wrap(dataKey, ctx()), "wrong_key");
    expectNoLeak(dataKey, err);
  });

  it("a blob wrapped under another key → integrity (IncorrectKeyException), never decrypted with the other key", async () => {
    const wrapped = await provider().wrap(canaryKey(), ctx());
    const other = kms.createKey();
    await expectFailure(provider({ keyArn: other }).unwrap(wrapped, ctx()), "integrity");
  });

  it("bad credentials → access_denied", async () => {
    await expectFailure(provider({ secretAccessKey: "not-the-right-secret-key-000000000000000" }).wrap(canaryKey(), ctx()), "access_denied");
  });

  it("5xx → unavailable", async () => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    kms.faults.serverError = 500;
    const err = await expectFailure(provider().unwrap(wrapped, ctx()), "unavailable");
    expectNoLeak(dataKey, err);
  });

  it("slower than the time limit → timeout", async () => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    kms.faults.delayMs = 600;
    const started = Date.now();
    const err = await expectFailure(provider({ timeoutMs: 250 }).unwrap(wrapped, ctx()), "timeout");
    expect(Date.now() - started).toBeLessThan(550);
    expectNoLeak(dataKey, err);
  });

  it("nothing listening → unavailable", async () => {
    await expectFailure(provider({ endpoint: "http://127.0.0.1:1" }).wrap(canaryKey(), ctx()), "unavailable");
  });
});

describe("AWS KMS custom endpoint (customer-typed URL)", () => {
  it("is held to the outbound rules: metadata / non-allowlisted addresses refused before any request", async () => {
    const before = kms.calls.length;
    await expectFailure(provider({ endpoint: "http://169.254.169.254" }).wrap(canaryKey(), ctx()), "misconfigured");
    await expectFailure(provider({ endpoint: kms.url.replace("127.0.0.1", "127.0.0.2") }).wrap(canaryKey(), ctx()), "misconfigured");
    await expectFailure(provider({ endpoint: kms.url.replace("http://127.0.0.1", "https://[::1]") }).wrap(canaryKey(), ctx()), "misconfigured");
    expect(kms.calls.length).toBe(before);
  });
});
