// Bank tier: the customer's own AWS KMS key wraps our data keys. Encrypt/Decrypt (ReEncrypt for
// rewrap) with the WrapContext as EncryptionContext, so a wrapped key copied to another org, object
// or purpose fails inside KMS (and every use shows up in the customer's CloudTrail with that context).
//
// The endpoint is AWS's regional KMS endpoint, chosen by the SDK from `region` — not a customer URL,
// so the SDK's own HTTP stack is used rather than safeFetch. `endpoint` exists only for VPC interface
// endpoints and tests (local fake); it must be https unless the host is in FORTRESS_OUTBOUND_ALLOW,
// and it is held to the same SSRF rules as safeFetch: preflighted before the first call, and the
// SDK's agents re-check every resolved address at connect time.
import {
  DecryptCommand,
  EncryptCommand,
  KMSClient,
  ReEncryptCommand,
  type KMSClientConfig,
} from "@aws-sdk/client-kms";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/nested-clients/sts";
import { randomBytes } from "node:crypto";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { logger } from "../../log";
import { assertOutboundAllowed, outboundLookup } from "../../net/outbound";
import type { KeyProvider, KeyProviderDescription, KeyProviderHealth, WrapContext, WrappedKey } from "../key-provider";
import { KeyProviderError } from "../key-provider";
import { assertContext, elapsedMs, encryptionContext, isTimeout, providerError } from "./common";

export interface AwsKmsProviderConfig {
  keyArn: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  roleArn?: string;
  endpoint?: string;
  /** Per call, all attempts included. Default 2000 ms. */
  timeoutMs?: number;
}

export const AWS_KMS_DEFAULT_TIMEOUT_MS = 2_000;
const SERVICE = "AWS KMS";

// AWS error names → our failure kinds. Anything else: 5xx → unavailable, 4xx → misconfigured.
const KMS_ERRORS: Record<string, KeyProviderError["failure"]> = {
  AccessDeniedException: "access_denied",
  KMSInvalidStateException: "access_denied",
  DisabledException: "access_denied",
  InvalidGrantTokenException: "access_denied",
  InvalidGrantIdException: "access_denied",
  UnrecognizedClientException: "access_denied",
  InvalidSignatureException: "access_denied",
  ExpiredTokenException: "access_denied",
  AccessDenied: "access_denied", // STS AssumeRole refused (roleArn)
  ExpiredToken: "access_denied",
  RegionDisabledException: "misconfigured",
  CredentialsProviderError: "misconfigured", // no static keys and nothing in the default chain
  NotFoundException: "wrong_key",
  InvalidKeyUsageException: "wrong_key",
  InvalidCiphertextException: "integrity",
  IncorrectKeyException: "integrity",
  DependencyTimeoutException: "timeout",
  KMSInternalException: "unavailable",
  KeyUnavailableException: "unavailable",
  ThrottlingException: "unavailable",
  LimitExceededException: "unavailable",
  CustomKeyStoreInvalidStateException: "unavailable",
};

function mapKmsError(e: unknown): KeyProviderError {
  if (e instanceof KeyProviderError) return e;
  if (isTimeout(e)) return providerError("timeout", SERVICE, { cause: e });
  const err = e as { name?: string; code?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
  const requestId = err?.$metadata?.requestId;
  const name = typeof err?.name === "string" ? err.name : "";
  const known = KMS_ERRORS[name];
  if (known) return providerError(known, SERVICE, { code: name, cause: e, requestId });
  const status = err?.$metadata?.httpStatusCode;
  if (status && status >= 500) return providerError("unavailable", SERVICE, { code: `HTTP ${status}`, cause: e, requestId });
  if (status && status >= 400) return providerError("misconfigured", SERVICE, { code: name || `HTTP ${status}`, cause: e, requestId });
  // No HTTP status: the request never got an answer (refused connection, DNS, TLS, reset…).
  return providerError("unavailable", SERVICE, { code: err?.code, cause: e });
}

type HandlerOptions = { connectionTimeout: number; requestTimeout: number; httpAgent?: HttpAgent; httpsAgent?: HttpsAgent };

function credentialsFor(config: AwsKmsProviderConfig, requestHandler: HandlerOptions): KMSClientConfig["credentials"] {
  const base =
    config.accessKeyId && config.secretAccessKey
      ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
      : undefined; // undefined → the SDK's default chain (env, instance/task role, web identity…)
  if (!config.roleArn) return base;
  // Assume the customer's role (cross-account grant). Cached until 5 minutes before it expires.
  const sts = new STSClient({ region: config.region, credentials: base, requestHandler, maxAttempts: 2 });
  let cached: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date } | undefined;
  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - Date.now() > 5 * 60_000) return cached;
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: config.roleArn, RoleSessionName: `fortress-${randomBytes(6).toString("hex")}`, DurationSeconds: 3600 }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new KeyProviderError("access_denied", "AWS STS returned no credentials for the role");
    cached = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    return cached;
  };
}

export class AwsKmsKeyProvider implements KeyProvider {
  readonly kind = "aws_kms" as const;
  private readonly client: KMSClient;
  private readonly timeoutMs: number;

  constructor(private readonly config: AwsKmsProviderConfig) {
    this.timeoutMs = config.timeoutMs ?? AWS_KMS_DEFAULT_TIMEOUT_MS;
    const requestHandler: HandlerOptions = { connectionTimeout: this.timeoutMs, requestTimeout: this.timeoutMs };
    if (config.endpoint) {
      // A configured endpoint is a URL an org admin typed: same address rules as any outbound call.
      requestHandler.httpAgent = new HttpAgent({ keepAlive: true, lookup: outboundLookup(true) });
      requestHandler.httpsAgent = new HttpsAgent({ keepAlive: true, lookup: outboundLookup(false) });
    }
    this.client = new KMSClient({
      region: config.region,
      endpoint: config.endpoint,
      credentials: credentialsFor(config, requestHandler),
      requestHandler,
      // One retry for a transient 5xx/throttle; the per-call AbortSignal bounds the total anyway.
      maxAttempts: 2,
      // The SDK logs nothing unless given a logger; keep it that way (requests carry plaintext).
      logger: undefined,
    });
  }

  private endpointChecked?: Promise<unknown>;

  /** Preflight of a configured endpoint (scheme, literal IPs, resolved addresses), once per provider. */
  private async checkEndpoint(): Promise<void> {
    if (!this.config.endpoint) return;
    this.endpointChecked ??= assertOutboundAllowed(this.config.endpoint);
    try {
      await this.endpointChecked;
    } catch (e) {
      this.endpointChecked = undefined;
      throw providerError("misconfigured", SERVICE, { code: "endpoint blocked", cause: e });
    }
  }

  private async call<T>(op: string, context: WrapContext, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    await this.checkEndpoint();
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const out = await fn(signal);
      logger().debug({ provider: "aws_kms", op, keyArn: this.config.keyArn, orgId: context.orgId, ms: elapsedMs(start) }, "kms call");
      return out;
    } catch (e) {
      const err = signal.aborted ? providerError("timeout", SERVICE, { cause: e }) : mapKmsError(e);
      logger().warn(
        { provider: "aws_kms", op, keyArn: this.config.keyArn, orgId: context.orgId, failure: err.failure, awsRequestId: err.requestId, ms: elapsedMs(start) },
        "kms call failed",
      );
      throw err;
    }
  }

  async wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey> {
    assertContext(context);
    const out = await this.call("Encrypt", context, (abortSignal) =>
      this.client.send(
        new EncryptCommand({ KeyId: this.config.keyArn, Plaintext: dataKey, EncryptionContext: encryptionContext(context) }),
        { abortSignal },
      ),
    );
    if (!out.CiphertextBlob?.length) throw providerError("unavailable", SERVICE, { code: "empty response" });
    return { wrapped: Buffer.from(out.CiphertextBlob), keyId: out.KeyId ?? this.config.keyArn };
  }

  async unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer> {
    assertContext(context);
    const out = await this.call("Decrypt", context, (abortSignal) =>
      this.client.send(
        // KeyId pins the key: a blob wrapped under another key fails (IncorrectKeyException) instead
        // of being decrypted with whatever key KMS finds in the blob.
        new DecryptCommand({ CiphertextBlob: wrapped.wrapped, KeyId: this.config.keyArn, EncryptionContext: encryptionContext(context) }),
        { abortSignal },
      ),
    );
    if (!out.Plaintext) throw providerError("integrity", SERVICE, { code: "empty plaintext" });
    // Copy into a Buffer we own, then wipe the SDK's array.
    const key = Buffer.from(out.Plaintext);
    out.Plaintext.fill(0);
    return key;
  }

  /**
   * Moves a wrapped key to this provider's key (after a key change or KMS-side rotation) without the
   * data key ever leaving KMS. The context stays the same.
   */
  async rewrap(wrapped: WrappedKey, context: WrapContext): Promise<WrappedKey> {
    assertContext(context);
    const ec = encryptionContext(context);
    const out = await this.call("ReEncrypt", context, (abortSignal) =>
      this.client.send(
        new ReEncryptCommand({
          CiphertextBlob: wrapped.wrapped,
          SourceKeyId: wrapped.keyId.startsWith("arn:") ? wrapped.keyId : undefined,
          SourceEncryptionContext: ec,
          DestinationKeyId: this.config.keyArn,
          DestinationEncryptionContext: ec,
        }),
        { abortSignal },
      ),
    );
    if (!out.CiphertextBlob?.length) throw providerError("unavailable", SERVICE, { code: "empty response" });
    return { wrapped: Buffer.from(out.CiphertextBlob), keyId: out.KeyId ?? this.config.keyArn };
  }

  describe(): KeyProviderDescription {
    return { kind: "aws_kms", display: `AWS KMS ${this.config.keyArn}`, keyId: this.config.keyArn };
  }

  /** A wrap/unwrap round trip of a throwaway key: proves Encrypt and Decrypt are both granted. */
  async health(): Promise<KeyProviderHealth> {
    return roundTripHealth(this);
  }
}

/** Shared by the customer providers: the "test" button is a real wrap + unwrap of a random key. */
export async function roundTripHealth(provider: KeyProvider): Promise<KeyProviderHealth> {
  const start = process.hrtime.bigint();
  const probe = randomBytes(32);
  const context: WrapContext = { orgId: "fortress-health", purpose: "health", objectId: "probe", keyVersion: 0 };
  let back: Buffer | undefined;
  try {
    const wrapped = await provider.wrap(probe, context);
    back = await provider.unwrap(wrapped, context);
    const ok = back.equals(probe);
    return { ok, latencyMs: elapsedMs(start), detail: ok ? undefined : "round trip returned different bytes" };
  } catch (e) {
    const detail = e instanceof KeyProviderError ? `${e.failure}: ${e.message}` : "unexpected error";
    return { ok: false, latencyMs: elapsedMs(start), detail };
  } finally {
    probe.fill(0);
    back?.fill(0);
  }
}
