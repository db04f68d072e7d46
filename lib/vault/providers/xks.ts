// Zero Trust: the customer's own HSM wraps our data keys through the published AWS KMS External Key
// Store (XKS) proxy API v1, so any vendor's existing XKS proxy works unchanged:
//   POST {uriEndpoint}/keys/{keyId}/encrypt | /decrypt | /metadata,  POST {uriEndpoint}/health
// JSON bodies with requestMetadata, base64 fields, AES_GCM; SigV4-signed (service "kms-xks-proxy");
// optional mTLS; a 250 ms limit per call (the one KMS itself applies); a request id per call, logged
// (kmsRequestId) so the customer can correlate with the proxy's logs; plaintext never logged.
//
// The WrapContext is the additionalAuthenticatedData, so a wrapped key replayed under another
// org/object/purpose fails inside the HSM. We ask for the Ciphertext Data Integrity Value (SHA_256)
// and check it before trusting a wrapped key. Unwrapped keys may be kept for a bounded session TTL
// (lib/vault/session-keys.ts), zeroed on expiry.
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { env } from "../../env";
import { logger } from "../../log";
import { OutboundBlockedError, safeFetch, type OutboundTls } from "../../net/outbound";
import type { KeyProvider, KeyProviderDescription, KeyProviderHealth, WrapContext, WrappedKey } from "../key-provider";
import { KeyProviderError } from "../key-provider";
import { getOrUnwrap, sessionCacheKey } from "../session-keys";
import { roundTripHealth } from "./aws-kms";
import { assertContext, b64, contextAad, elapsedMs, fromB64, isTimeout, providerError } from "./common";

export interface XksProviderConfig {
  /** Base URI including the path, e.g. https://xks.example.com/kms/xks/v1 */
  uriEndpoint: string;
  keyId: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** SigV4 region in the credential scope. Default us-east-1. */
  region?: string;
  mtls?: { certPem: string; keyPem: string; caPem?: string };
  /** Default 250 ms. */
  timeoutMs?: number;
  /** requestMetadata.awsPrincipalArn sent to the proxy (for its secondary authorization). */
  principalArn?: string;
  /** requestMetadata.kmsKeyArn sent to the proxy. */
  kmsKeyArn?: string;
  /** Session cache TTL; default FORTRESS_XKS_SESSION_TTL_SECONDS. 0 disables. */
  sessionTtlSeconds?: number;
}

export const XKS_DEFAULT_TIMEOUT_MS = 250;
const SERVICE = "External key service (XKS)";
const BLOB_VERSION = 1;

const XKS_ERRORS: Record<string, KeyProviderError["failure"]> = {
  ValidationException: "misconfigured",
  InvalidStateException: "access_denied",
  InvalidCiphertextException: "integrity",
  InvalidKeyUsageException: "wrong_key",
  AuthenticationFailedException: "access_denied",
  AccessDeniedException: "access_denied",
  KeyNotFoundException: "wrong_key",
  InvalidUriPathException: "misconfigured",
  ThrottlingException: "unavailable",
  UnsupportedOperationException: "misconfigured",
  DependencyTimeoutException: "timeout",
  InternalException: "unavailable",
};

/** Our stored form of an XKS encrypt result: v1 | ivLen | iv | tag(16) | metaLen | meta | ciphertext. */
export function encodeXksBlob(parts: { iv: Buffer; tag: Buffer; metadata: Buffer; ciphertext: Buffer }): Buffer {
  return Buffer.concat([
    Buffer.from([BLOB_VERSION, parts.iv.length]),
    parts.iv,
    parts.tag,
    Buffer.from([parts.metadata.length]),
    parts.metadata,
    parts.ciphertext,
  ]);
}

export function decodeXksBlob(blob: Buffer): { iv: Buffer; tag: Buffer; metadata: Buffer; ciphertext: Buffer } | null {
  if (blob.length < 2 || blob[0] !== BLOB_VERSION) return null;
  const ivLen = blob[1];
  if (ivLen !== 12 && ivLen !== 16) return null;
  let at = 2;
  const iv = blob.subarray(at, (at += ivLen));
  const tag = blob.subarray(at, (at += 16));
  if (blob.length < at + 1) return null;
  const metaLen = blob[at++];
  if (metaLen > 20 || blob.length < at + metaLen + 1) return null;
  const metadata = blob.subarray(at, (at += metaLen));
  const ciphertext = blob.subarray(at);
  return { iv, tag, metadata, ciphertext };
}

export class XksKeyProvider implements KeyProvider {
  readonly kind = "xks" as const;
  private readonly signer: SignatureV4;
  private readonly timeoutMs: number;
  private readonly base: string;
  private readonly tls?: OutboundTls;

  constructor(private readonly config: XksProviderConfig) {
    this.timeoutMs = config.timeoutMs ?? XKS_DEFAULT_TIMEOUT_MS;
    this.base = config.uriEndpoint.replace(/\/+$/, "");
    this.signer = new SignatureV4({
      service: "kms-xks-proxy",
      region: config.region ?? "us-east-1",
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      sha256: Sha256,
      applyChecksum: false,
    });
    this.tls = config.mtls ? { certPem: config.mtls.certPem, keyPem: config.mtls.keyPem, caPem: config.mtls.caPem } : undefined;
  }

  private metadata(kmsOperation: string, requestId: string, context?: WrapContext): Record<string, string> {
    const meta: Record<string, string> = { kmsOperation, kmsRequestId: requestId };
    if (kmsOperation === "KmsHealthCheck") return meta;
    return {
      awsPrincipalArn: this.config.principalArn ?? (context ? `fortress:org/${context.orgId}` : "fortress"),
      kmsKeyArn: this.config.kmsKeyArn ?? `fortress:xks-key/${this.config.keyId}`,
      ...meta,
      kmsViaService: "fortress",
    };
  }

  /** One signed XKS call. Returns the parsed JSON body of a 200; throws KeyProviderError otherwise. */
  private async call(path: string, op: string, body: Record<string, unknown>, requestId: string, orgId?: string): Promise<Record<string, unknown>> {
    const start = process.hrtime.bigint();
    const url = new URL(`${this.base}${path}`);
    const log = (extra: Record<string, unknown>) =>
      logger()[extra.failure ? "warn" : "info"](
        { provider: "xks", op, xksRequestId: requestId, keyId: this.config.keyId, orgId, ms: elapsedMs(start), ...extra },
        extra.failure ? "xks call failed" : "xks call",
      );
    const fail = (err: KeyProviderError, status?: number) => {
      log({ failure: err.failure, status });
      return new KeyProviderError(err.failure, err.message, { cause: err.cause, requestId });
    };
    if (this.tls && url.protocol !== "https:") throw fail(providerError("misconfigured", SERVICE, { code: "mTLS needs https" }));
    const payload = JSON.stringify(body);
    let response;
    try {
      response = await safeFetch(
        url,
        async () => {
          // Signed only once the destination passed the SSRF checks (init runs after the preflight).
          const signed = await this.signer.sign(
            {
              method: "POST",
              protocol: url.protocol,
              hostname: url.hostname,
              port: url.port ? Number(url.port) : undefined,
              path: url.pathname,
              query: {},
              headers: { host: url.host, "content-type": "application/json" },
              body: payload,
            },
            { unsignableHeaders: new Set(["content-type"]) },
          );
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== "host") headers[k] = String(v);
          return { method: "POST", headers, body: payload, signal: AbortSignal.timeout(this.timeoutMs) };
        },
        { maxRedirects: 0, tls: this.tls },
      );
    } catch (e) {
      if (e instanceof OutboundBlockedError) throw fail(providerError("misconfigured", SERVICE, { code: "address blocked", cause: e }));
      throw fail(providerError(isTimeout(e) ? "timeout" : "unavailable", SERVICE, { cause: e }));
    }
    let json: Record<string, unknown> | undefined;
    try {
      const text = await response.text();
      json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch (e) {
      if (isTimeout(e)) throw fail(providerError("timeout", SERVICE, { cause: e }), response.status);
      json = undefined;
    }
    if (response.status !== 200) {
      const name = typeof json?.errorName === "string" ? json.errorName : undefined;
      const known = name ? XKS_ERRORS[name] : undefined;
      const failure = known ?? (response.status >= 500 || response.status === 429 ? "unavailable" : response.status === 401 || response.status === 403 ? "access_denied" : "misconfigured");
      throw fail(providerError(failure, SERVICE, { code: name ?? `HTTP ${response.status}` }), response.status);
    }
    if (!json || typeof json !== "object") throw fail(providerError("unavailable", SERVICE, { code: "malformed response" }), 200);
    log({ status: 200 });
    return json;
  }

  private keyPath(op: string): string {
    return `/keys/${encodeURIComponent(this.config.keyId)}/${op}`;
  }

  async wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey> {
    assertContext(context);
    const requestId = randomUUID();
    const aad = contextAad(context);
    const out = await this.call(
      this.keyPath("encrypt"),
      "Encrypt",
      {
        requestMetadata: this.metadata("Encrypt", requestId, context),
        additionalAuthenticatedData: b64(aad),
        plaintext: b64(dataKey),
        encryptionAlgorithm: "AES_GCM",
        ciphertextDataIntegrityValueAlgorithm: "SHA_256",
      },
      requestId,
      context.orgId,
    );
    const ciphertext = fromB64(out.ciphertext);
    const iv = fromB64(out.initializationVector);
    const tag = fromB64(out.authenticationTag);
    const metadata = out.ciphertextMetadata === undefined ? Buffer.alloc(0) : fromB64(out.ciphertextMetadata);
    const cdiv = fromB64(out.ciphertextDataIntegrityValue);
    const malformed =
      !ciphertext || ciphertext.length !== dataKey.length || !iv || (iv.length !== 12 && iv.length !== 16) || !tag || tag.length !== 16 || !metadata || metadata.length > 20 || !cdiv;
    if (malformed) throw providerError("integrity", SERVICE, { code: "malformed encrypt response", requestId });
    // Appendix C: SHA-256 over AAD || ciphertextMetadata || IV || ciphertext || tag.
    const expected = createHash("sha256").update(aad).update(metadata).update(iv).update(ciphertext).update(tag).digest();
    if (cdiv.length !== expected.length || !timingSafeEqual(cdiv, expected))
      throw providerError("integrity", SERVICE, { code: "ciphertext integrity value mismatch", requestId });
    return { wrapped: encodeXksBlob({ iv, tag, metadata, ciphertext }), keyId: this.config.keyId };
  }

  async unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer> {
    assertContext(context);
    if (wrapped.keyId !== this.config.keyId) throw providerError("wrong_key", SERVICE, { code: "wrapped under another key" });
    const parts = decodeXksBlob(wrapped.wrapped);
    if (!parts) throw providerError("integrity", SERVICE, { code: "malformed wrapped key" });
    const aad = contextAad(context);
    const ttl = this.config.sessionTtlSeconds ?? env().FORTRESS_XKS_SESSION_TTL_SECONDS;
    // The cache key binds endpoint, key, AAD and the wrapped bytes: a hit is exactly a call the HSM
    // already answered; anything else goes to the HSM.
    const cacheKey = sessionCacheKey("xks", this.base, this.config.keyId, aad, wrapped.wrapped);
    return getOrUnwrap(cacheKey, ttl, async () => {
      const requestId = randomUUID();
      const out = await this.call(
        this.keyPath("decrypt"),
        "Decrypt",
        {
          requestMetadata: this.metadata("Decrypt", requestId, context),
          ciphertext: b64(parts.ciphertext),
          ...(parts.metadata.length ? { ciphertextMetadata: b64(parts.metadata) } : {}),
          encryptionAlgorithm: "AES_GCM",
          additionalAuthenticatedData: b64(aad),
          authenticationTag: b64(parts.tag),
          initializationVector: b64(parts.iv),
        },
        requestId,
        context.orgId,
      );
      const key = fromB64(out.plaintext);
      if (!key || key.length !== parts.ciphertext.length) {
        key?.fill(0);
        throw providerError("integrity", SERVICE, { code: "malformed decrypt response", requestId });
      }
      return key;
    });
  }

  describe(): KeyProviderDescription {
    let host = this.config.uriEndpoint;
    try {
      host = new URL(this.config.uriEndpoint).host;
    } catch {
      /* shown as configured */
    }
    return { kind: "xks", display: `External key service (XKS) ${host} key ${this.config.keyId}${this.tls ? " (mTLS)" : ""}`, keyId: this.config.keyId };
  }

  /** GetHealthStatus, GetKeyMetadata (enabled, ENCRYPT+DECRYPT), then a wrap/unwrap round trip. */
  async health(): Promise<KeyProviderHealth> {
    const start = process.hrtime.bigint();
    try {
      const hid = randomUUID();
      const h = await this.call("/health", "GetHealthStatus", { requestMetadata: this.metadata("KmsHealthCheck", hid) }, hid);
      const fleet = Array.isArray(h.ekmFleetDetails) ? (h.ekmFleetDetails as Array<{ healthStatus?: unknown }>) : [];
      if (!fleet.some((f) => f?.healthStatus === "ACTIVE" || f?.healthStatus === "DEGRADED"))
        return { ok: false, latencyMs: elapsedMs(start), detail: "no external key manager is available" };
      const mid = randomUUID();
      const m = await this.call(this.keyPath("metadata"), "GetKeyMetadata", { requestMetadata: this.metadata("DescribeKey", mid) }, mid);
      const usage = Array.isArray(m.keyUsage) ? m.keyUsage : [];
      if (m.keyStatus !== "ENABLED") return { ok: false, latencyMs: elapsedMs(start), detail: "the external key is not enabled" };
      if (m.keySpec !== "AES_256" || !usage.includes("ENCRYPT") || !usage.includes("DECRYPT"))
        return { ok: false, latencyMs: elapsedMs(start), detail: "the external key is not an AES_256 ENCRYPT/DECRYPT key" };
    } catch (e) {
      const detail = e instanceof KeyProviderError ? `${e.failure}: ${e.message}` : "unexpected error";
      return { ok: false, latencyMs: elapsedMs(start), detail };
    }
    const rt = await roundTripHealth(new XksKeyProvider({ ...this.config, sessionTtlSeconds: 0 }));
    return { ...rt, latencyMs: elapsedMs(start) };
  }
}
