// The customer key providers (Bank: aws_kms, vault_transit; Zero Trust: xks): the zod schemas the
// admin API validates PUT /api/v1/encryption-keys with, the builder, and the public (secret-free)
// view of a configuration. lib/vault/providers/index.ts delegates here for every kind but "local".
import { z } from "zod";
import type { KeyProvider, KeyProviderConfig } from "../key-provider";
import { KeyProviderError } from "../key-provider";
import { AwsKmsKeyProvider } from "./aws-kms";
import { VaultTransitKeyProvider } from "./vault-transit";
import { XksKeyProvider } from "./xks";

const httpUrl = (label: string) =>
  z
    .string()
    .trim()
    .max(2048)
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === "https:" || u.protocol === "http:") && !u.username && !u.password && !u.search && !u.hash;
      } catch {
        return false;
      }
    }, `${label} must be an https URL without credentials, query or fragment`);

const pem = (label: string) => z.string().max(20_000).refine((v) => /-----BEGIN [A-Z0-9 ]+-----/.test(v), `${label} must be PEM`);

export const ZAwsKmsConfig = z
  .object({
    kind: z.literal("aws_kms"),
    keyArn: z
      .string()
      .trim()
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]{1,250}$/, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"),
    region: z.string().trim().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, "must be an AWS region such as eu-west-1"),
    accessKeyId: z.string().trim().regex(/^[A-Z0-9]{16,128}$/, "must be an AWS access key id").optional(),
    secretAccessKey: z.string().min(16).max(256).optional(),
    roleArn: z.string().trim().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, "must be an IAM role ARN").optional(),
    /** VPC interface endpoints and tests only. */
    endpoint: httpUrl("endpoint").optional(),
    timeoutMs: z.number().int().min(100).max(30_000).optional(),
  })
  .strict()
  .refine((c) => !!c.accessKeyId === !!c.secretAccessKey, { message: "accessKeyId and secretAccessKey go together", path: ["secretAccessKey"] });

export const ZVaultTransitConfig = z
  .object({
    kind: z.literal("vault_transit"),
    address: httpUrl("address"),
    mount: z.string().trim().regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, "must be a mount path such as transit"),
    keyName: z.string().trim().regex(/^[A-Za-z0-9_.-]{1,128}$/, "must be a Transit key name"),
    token: z.string().min(1).max(4096),
    namespace: z.string().trim().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/?$/, "must be a Vault namespace path").optional(),
    timeoutMs: z.number().int().min(100).max(30_000).optional(),
  })
  .strict();

export const ZXksConfig = z
  .object({
    kind: z.literal("xks"),
    uriEndpoint: httpUrl("uriEndpoint"),
    keyId: z.string().trim().regex(/^[A-Za-z0-9._-]{1,128}$/, "must be an XKS external key id (letters, digits, . _ -, up to 128)"),
    // The XKS spec's credential format (XksProxyAuthenticationCredential).
    accessKeyId: z.string().trim().regex(/^[A-Z2-7]{20,30}$/, "must be 20-30 characters A-Z and 2-7"),
    secretAccessKey: z.string().regex(/^[A-Za-z0-9/+=]{43,64}$/, "must be 43-64 characters a-z, A-Z, 0-9, /, +, ="),
    region: z.string().trim().regex(/^[a-z0-9-]{1,32}$/).optional(),
    mtls: z.object({ certPem: pem("certPem"), keyPem: pem("keyPem"), caPem: pem("caPem").optional() }).strict().optional(),
    timeoutMs: z.number().int().min(50).max(5_000).optional(),
    principalArn: z.string().trim().min(1).max(2048).optional(),
    kmsKeyArn: z.string().trim().min(1).max(2048).optional(),
    sessionTtlSeconds: z.number().int().min(0).max(86_400).optional(),
  })
  .strict()
  .refine((c) => !c.mtls || c.uriEndpoint.startsWith("https:"), { message: "mTLS needs an https uriEndpoint", path: ["mtls"] });

export const ZCustomerKeyProviderConfig = z.discriminatedUnion("kind", [ZAwsKmsConfig, ZVaultTransitConfig, ZXksConfig]);
export type CustomerKeyProviderConfig = z.infer<typeof ZCustomerKeyProviderConfig>;

/** Every kind, "local" included: what PUT /api/v1/encryption-keys accepts. */
export const ZKeyProviderConfig = z.discriminatedUnion("kind", [z.object({ kind: z.literal("local") }).strict(), ZAwsKmsConfig, ZVaultTransitConfig, ZXksConfig]);
export type CustomerKeyProviderKind = CustomerKeyProviderConfig["kind"];
export const CUSTOMER_KEY_PROVIDER_KINDS = ["aws_kms", "vault_transit", "xks"] as const;

export function isCustomerKeyProviderConfig(config: KeyProviderConfig): config is Extract<KeyProviderConfig, { kind: CustomerKeyProviderKind }> {
  return (CUSTOMER_KEY_PROVIDER_KINDS as readonly string[]).includes(config.kind);
}

/** Builds the provider for a validated customer config. Throws KeyProviderError("misconfigured") otherwise. */
export function buildCustomerKeyProvider(config: KeyProviderConfig | CustomerKeyProviderConfig): KeyProvider {
  switch (config.kind) {
    case "aws_kms":
      return new AwsKmsKeyProvider(config);
    case "vault_transit":
      return new VaultTransitKeyProvider(config);
    case "xks":
      return new XksKeyProvider(config);
    default:
      throw new KeyProviderError("misconfigured", `Not a customer key provider: ${String((config as { kind?: unknown }).kind)}`);
  }
}

/** Fields that are credentials: stored encrypted, never returned, never logged. */
export const CUSTOMER_SECRET_FIELDS = ["secretAccessKey", "token", "mtls"] as const;

/**
 * What an admin API may show about a customer key configuration: every non-secret field, plus which
 * credentials are set (booleans). Never the token, secret key or mTLS private key.
 */
export function publicCustomerKeyProviderConfig(config: CustomerKeyProviderConfig | KeyProviderConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if ((CUSTOMER_SECRET_FIELDS as readonly string[]).includes(k)) continue;
    out[k] = v;
  }
  if (config.kind === "aws_kms") out.hasStaticCredentials = !!config.secretAccessKey;
  if (config.kind === "vault_transit") out.hasToken = !!config.token;
  if (config.kind === "xks") {
    out.hasSecretAccessKey = !!config.secretAccessKey;
    out.mtls = !!config.mtls;
  }
  return out;
}
