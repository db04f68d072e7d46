// XKS key provider against a local fake XKS proxy that follows the published XKS Proxy API spec and
// verifies every SigV4 signature: round trip, CDIV, request ids logged, faults, mTLS, session cache.
// Most cases allow 1 s per call so a loaded CI machine does not flake; the timeout case uses the
// default 250 ms limit.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clear as clearSessionKeys, sessionKeyCount } from "@/lib/vault/session-keys";
import { XksKeyProvider, type XksProviderConfig } from "@/lib/vault/providers/xks";
import { startFakeXks, type FakeXks } from "./fakes/xks";
import { canaryKey, ctx, expectFailure, expectNoLeak, logLines, setUpProviderTests, tearDownProviderTests } from "./vault-providers-helpers";

let xks: FakeXks;
let keyId: string;
const provider = (over: Partial<XksProviderConfig> = {}) =>
  new XksKeyProvider({ uriEndpoint: xks.uriEndpoint, keyId, accessKeyId: xks.accessKeyId, secretAccessKey: xks.secretAccessKey, region: "eu-west-1", sessionTtlSeconds: 0, timeoutMs: 1_000, ...over });

beforeAll(async () => {
  setUpProviderTests();
  xks = await startFakeXks();
});
afterAll(async () => {
  await xks.close();
  clearSessionKeys();
  tearDownProviderTests();
});
beforeEach(() => {
  keyId = xks.createKey();
  Object.assign(xks.faults, { delayMs: 0, serverError: false, accessDenied: false, corruptCdiv: false });
  clearSessionKeys();
});

describe("XKS key provider", () => {
  it("wraps and unwraps through signed XKS calls, with the context as AAD and a request id per call", async () => {
    const dataKey = canaryKey();
    const verified = xks.verified;
    const p = provider();
    const wrapped = await p.wrap(dataKey, ctx());
    expect(wrapped.keyId).toBe(keyId);
    expect((await p.unwrap(wrapped, ctx())).equals(dataKey)).toBe(true);
    expect(xks.verified).toBe(verified + 2); // both signatures checked by the fake
    const [enc, dec] = xks.requests.slice(-2);
    expect(enc.path).toBe(`${xks.pathPrefix}/keys/${keyId}/encrypt`);
    expect(dec.path).toBe(`${xks.pathPrefix}/keys/${keyId}/decrypt`);
    expect(enc.body).toMatchObject({ encryptionAlgorithm: "AES_GCM", ciphertextDataIntegrityValueAlgorithm: "SHA_256" });
    expect(Buffer.from(String(enc.body!.additionalAuthenticatedData), "base64").toString()).toBe('["fortress-wrap-v1","org_a","connector","sec_1",1]');
    const meta = enc.body!.requestMetadata as Record<string, string>;
    expect(meta).toMatchObject({ kmsOperation: "Encrypt", awsPrincipalArn: "fortress:org/org_a", kmsViaService: "fortress" });
    expect(meta.kmsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(dec.body).toMatchObject({ ciphertextMetadata: Buffer.from("kv=1").toString("base64") });
    // The request ids are in our logs (correlation with the proxy's logs); the key is not.
    const logs = logLines.join("\n");
    expect(logs).toContain(meta.kmsRequestId);
    expect(logs).toContain((dec.body!.requestMetadata as Record<string, string>).kmsRequestId);
    expectNoLeak(dataKey);
    expect(logs).not.toContain(xks.secretAccessKey);
  });

  it("a wrong SigV4 secret is refused by the proxy (access_denied), and nothing is wrapped", async () => {
    const rejected = xks.rejected;
    const err = await expectFailure(provider({ secretAccessKey: "A".repeat(43) + "=" }).wrap(canaryKey(), ctx()), "access_denied");
    expect(err.message).toMatch(/AuthenticationFailedException/);
    expect(xks.rejected).toBe(rejected + 1);
  });

  it("health: GetHealthStatus, GetKeyMetadata and a round trip", async () => {
    const h = await provider().health();
    expect(h).toMatchObject({ ok: true });
    const paths = xks.requests.slice(-4).map((r) => r.path.slice(xks.pathPrefix.length));
    expect(paths).toEqual(["/health", `/keys/${keyId}/metadata`, `/keys/${keyId}/encrypt`, `/keys/${keyId}/decrypt`]);
    expect((xks.requests.at(-4)!.body!.requestMetadata as Record<string, string>).kmsOperation).toBe("KmsHealthCheck");
    xks.disableKey(keyId);
    expect(await provider().health()).toMatchObject({ ok: false, detail: "the external key is not enabled" });
  });

  it.each([
    ["another org", { orgId: "org_b" }],
    ["another object", { objectId: "sec_2" }],
    ["another purpose", { purpose: "pat" }],
    ["another key version", { keyVersion: 7 }],
  ])("refuses a wrapped key moved to %s (integrity, InvalidCiphertextException)", async (_l, over) => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    const err = await expectFailure(provider().unwrap(wrapped, ctx(over)), "integrity");
    expect(err.message).toMatch(/InvalidCiphertextException/);
    expectNoLeak(dataKey, err);
  });

  it("a flipped bit anywhere in the wrapped key fails (integrity)", async () => {
    const wrapped = await provider().wrap(canaryKey(), ctx());
    for (const i of [2, 14, 20, 40, wrapped.wrapped.length - 1]) {
      const copy = Buffer.from(wrapped.wrapped);
      copy[i] ^= 0x10;
      await expectFailure(provider().unwrap({ ...wrapped, wrapped: copy }, ctx()), "integrity");
    }
  });

  it("a bad ciphertext data integrity value on Encrypt is refused (integrity)", async () => {
    xks.faults.corruptCdiv = true;
    const err = await expectFailure(provider().wrap(canaryKey(), ctx()), "integrity");
    expect(err.message).toMatch(/integrity value/);
  });

  it("unknown key id → wrong_key", async () => {
    const err = await expectFailure(provider({ keyId: "no-such-key" }).wrap(canaryKey(), ctx()), "wrong_key");
    expect(err.message).toMatch(/KeyNotFoundException/);
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(logLines.join("\n")).toContain(err.requestId!);
  });

  it("access denied by the proxy's policy / disabled key → access_denied", async () => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    xks.faults.accessDenied = true;
    const err = await expectFailure(provider().unwrap(wrapped, ctx()), "access_denied");
    expectNoLeak(dataKey, err);
    xks.faults.accessDenied = false;
    xks.disableKey(keyId);
    await expectFailure(provider().unwrap(wrapped, ctx()), "access_denied");
  });

  it("5xx → unavailable", async () => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    xks.faults.serverError = true;
    const err = await expectFailure(provider().unwrap(wrapped, ctx()), "unavailable");
    expectNoLeak(dataKey, err);
  });

  it("a proxy slower than 250 ms → timeout (default limit)", async () => {
    const dataKey = canaryKey();
    const wrapped = await provider().wrap(dataKey, ctx());
    xks.faults.delayMs = 400;
    const started = Date.now();
    const err = await expectFailure(provider({ timeoutMs: undefined }).unwrap(wrapped, ctx()), "timeout");
    expect(Date.now() - started).toBeLessThan(390);
    expectNoLeak(dataKey, err);
  });

  it("session cache: a second unwrap within the TTL does not call the proxy; a different context still does", async () => {
    const dataKey = canaryKey();
    const p = provider({ sessionTtlSeconds: 60 });
    const wrapped = await p.wrap(dataKey, ctx());
    const before = xks.requests.length;
    const a = await p.unwrap(wrapped, ctx());
    const b = await p.unwrap(wrapped, ctx());
    expect(a.equals(dataKey) && b.equals(dataKey)).toBe(true);
    expect(a).not.toBe(b); // copies: each caller zeroes its own
    a.fill(0);
    expect((await p.unwrap(wrapped, ctx())).equals(dataKey)).toBe(true);
    expect(xks.requests.length).toBe(before + 1);
    expect(sessionKeyCount()).toBe(1);
    await expectFailure(p.unwrap(wrapped, ctx({ orgId: "org_b" })), "integrity");
    expect(xks.requests.length).toBe(before + 2);
  });
});

describe("XKS over mTLS", () => {
  let dir: string;
  let tlsXks: FakeXks;
  let pems: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "fortress-xks-tls-"));
    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    ssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=Fortress Test CA");
    writeFileSync(path.join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    writeFileSync(path.join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
    for (const [name, cn] of [["server", "127.0.0.1"], ["client", "fortress-client"]]) {
      ssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`);
      ssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "1", "-extfile", `${name}.ext`);
    }
    // A client certificate from an unrelated, self-signed issuer.
    ssl("req", "-x509", ...ec, "-keyout", "rogue.key", "-out", "rogue.crt", "-days", "1", "-subj", "/CN=rogue");
    const read = (f: string) => readFileSync(path.join(dir, f), "utf8");
    pems = { ca: read("ca.crt"), serverCert: read("server.crt"), serverKey: read("server.key"), clientCert: read("client.crt"), clientKey: read("client.key"), rogueCert: read("rogue.crt"), rogueKey: read("rogue.key") };
    tlsXks = await startFakeXks({ certPem: pems.serverCert, keyPem: pems.serverKey, clientCaPem: pems.ca });
  });
  afterAll(async () => {
    await tlsXks?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tlsProvider = (mtls: XksProviderConfig["mtls"]) =>
    new XksKeyProvider({ uriEndpoint: tlsXks.uriEndpoint, keyId: tlsXks.createKey(), accessKeyId: tlsXks.accessKeyId, secretAccessKey: tlsXks.secretAccessKey, mtls, timeoutMs: 2_000, sessionTtlSeconds: 0 });

  it("presents the client certificate and verifies the proxy against the configured CA", async () => {
    const p = tlsProvider({ certPem: pems.clientCert, keyPem: pems.clientKey, caPem: pems.ca });
    const dataKey = canaryKey();
    const wrapped = await p.wrap(dataKey, ctx());
    expect((await p.unwrap(wrapped, ctx())).equals(dataKey)).toBe(true);
    expect(tlsXks.requests.at(-1)!.clientCertCn).toBe("fortress-client");
    expect(p.describe().display).toContain("(mTLS)");
  });

  it("a client certificate from another issuer is refused by the proxy (unavailable, fail closed)", async () => {
    const before = tlsXks.requests.length;
    await expectFailure(tlsProvider({ certPem: pems.rogueCert, keyPem: pems.rogueKey, caPem: pems.ca }).wrap(canaryKey(), ctx()), "unavailable");
    expect(tlsXks.requests.length).toBe(before);
  });

  it("a proxy certificate not chained to the configured CA is refused before anything is sent", async () => {
    const before = tlsXks.requests.length;
    await expectFailure(tlsProvider({ certPem: pems.clientCert, keyPem: pems.clientKey, caPem: pems.rogueCert }).wrap(canaryKey(), ctx()), "unavailable");
    expect(tlsXks.requests.length).toBe(before);
  });
});
