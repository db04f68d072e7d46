// Customer key provider configurations: what the admin API accepts, what it may show back.
import { describe, expect, it } from "vitest";
import {
  buildCustomerKeyProvider,
  publicCustomerKeyProviderConfig,
  ZCustomerKeyProviderConfig,
} from "@/lib/vault/providers/customer";
import { KeyProviderError } from "@/lib/vault/key-provider";

const kms = { kind: "aws_kms", keyArn: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", region: "eu-west-1" };
const transit = { kind: "vault_transit", address: "https://vault.example.com:8200", mount: "transit", keyName: "fortress", token: "hvs.SECRET-TOKEN-VALUE" };
const xks = {
  kind: "xks",
  uriEndpoint: "https://xks.example.com/kms/xks/v1",
  keyId: "hsm-key-1",
  accessKeyId: "AKIAI2SFODNN7EXAMPLE",
  secretAccessKey: "FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE",
};

describe("customer key provider configs", () => {
  it.each([kms, { ...kms, accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }, { ...kms, roleArn: "arn:aws:iam::111122223333:role/fortress-kms" }, transit, { ...transit, namespace: "team-a/" }, xks, { ...xks, mtls: { certPem: "-----BEGIN CERTIFICATE-----\n…", keyPem: "-----BEGIN PRIVATE KEY-----\n…" } }])(
    "accepts a valid %s config",
    (config) => {
      const r = ZCustomerKeyProviderConfig.safeParse(config);
      expect(r.success).toBe(true);
      expect(buildCustomerKeyProvider(r.data!).kind).toBe(config.kind);
    },
  );

  it.each([
    ["unknown kind", { kind: "gcp_kms" }],
    ["not a key ARN", { ...kms, keyArn: "arn:aws:iam::111122223333:role/x" }],
    ["bad region", { ...kms, region: "mars" }],
    ["access key without secret", { ...kms, accessKeyId: "AKIAIOSFODNN7EXAMPLE" }],
    ["extra field", { ...kms, extra: 1 }],
    ["ftp endpoint", { ...kms, endpoint: "ftp://kms.example.com" }],
    ["credentials in the address", { ...transit, address: "https://user:pw@vault.example.com" }],
    ["empty token", { ...transit, token: "" }],
    ["bad mount", { ...transit, mount: "../sys" }],
    ["XKS access key id outside A-Z2-7", { ...xks, accessKeyId: "akia-lowercase-000000" }],
    ["XKS secret too short", { ...xks, secretAccessKey: "short" }],
    ["XKS key id with a slash", { ...xks, keyId: "a/b" }],
    ["mTLS over http", { ...xks, uriEndpoint: "http://xks.example.com/kms/xks/v1", mtls: { certPem: "-----BEGIN CERTIFICATE-----", keyPem: "-----BEGIN PRIVATE KEY-----" } }],
    ["XKS timeout above 5 s", { ...xks, timeoutMs: 60_000 }],
  ])("rejects %s", (_label, config) => {
    expect(ZCustomerKeyProviderConfig.safeParse(config).success).toBe(false);
  });

  it("the public view never carries the token, secret key or mTLS key", () => {
    const views = [
      publicCustomerKeyProviderConfig(ZCustomerKeyProviderConfig.parse({ ...kms, accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" })),
      publicCustomerKeyProviderConfig(ZCustomerKeyProviderConfig.parse(transit)),
      publicCustomerKeyProviderConfig(ZCustomerKeyProviderConfig.parse({ ...xks, mtls: { certPem: "-----BEGIN CERTIFICATE-----", keyPem: "-----BEGIN PRIVATE KEY-----PRIVATE" } })),
    ];
    const text = JSON.stringify(views);
    for (const secret of ["wJalrXUtnFEMI", "hvs.SECRET-TOKEN-VALUE", "FYtE5EFA5FT0mCc3", "PRIVATE"]) expect(text).not.toContain(secret);
    expect(views[0]).toMatchObject({ kind: "aws_kms", keyArn: kms.keyArn, hasStaticCredentials: true });
    expect(views[1]).toMatchObject({ kind: "vault_transit", hasToken: true, keyName: "fortress" });
    expect(views[2]).toMatchObject({ kind: "xks", mtls: true, hasSecretAccessKey: true, accessKeyId: xks.accessKeyId });
  });

  it("describe() of each provider carries no credential", () => {
    for (const c of [transit, xks, { ...kms, accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }]) {
      const d = JSON.stringify(buildCustomerKeyProvider(ZCustomerKeyProviderConfig.parse(c)).describe());
      for (const secret of ["wJalrXUtnFEMI", "hvs.SECRET", "FYtE5EFA5FT0mCc3"]) expect(d).not.toContain(secret);
    }
  });

  it("local is not a customer provider", () => {
    expect(() => buildCustomerKeyProvider({ kind: "local" })).toThrow(KeyProviderError);
  });
});
