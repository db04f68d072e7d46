// What the customer key providers (AWS KMS, Vault Transit, XKS) share: how a WrapContext becomes
// the bytes or map the key service authenticates, and how a failure becomes a KeyProviderError whose
// message is safe to show and audit (never a response body, which could echo request fields).
import { KeyProviderError, type KeyProviderFailure, type WrapContext } from "../key-provider";

/** KMS EncryptionContext: a string map; KMS binds it into the ciphertext and checks it on Decrypt. */
export function encryptionContext(ctx: WrapContext): Record<string, string> {
  return { orgId: ctx.orgId, purpose: ctx.purpose, objectId: ctx.objectId, keyVersion: String(ctx.keyVersion) };
}

/**
 * AAD bytes for AES-GCM services (Transit associated_data, XKS additionalAuthenticatedData). A JSON
 * array with a format tag: unambiguous (no delimiter games between fields) and stable.
 */
export function contextAad(ctx: WrapContext): Buffer {
  return Buffer.from(JSON.stringify(["fortress-wrap-v1", ctx.orgId, ctx.purpose, ctx.objectId, ctx.keyVersion]), "utf8");
}

export function assertContext(ctx: WrapContext): void {
  const ok =
    typeof ctx?.orgId === "string" &&
    ctx.orgId.length > 0 &&
    typeof ctx.purpose === "string" &&
    ctx.purpose.length > 0 &&
    typeof ctx.objectId === "string" &&
    ctx.objectId.length > 0 &&
    Number.isInteger(ctx.keyVersion) &&
    ctx.keyVersion >= 0;
  if (!ok) throw new KeyProviderError("misconfigured", "Invalid wrap context");
}

const FAILURE_TEXT: Record<KeyProviderFailure, string> = {
  timeout: "did not answer in time",
  unavailable: "is unavailable",
  access_denied: "refused access to the key (revoked grant, disabled key or bad credentials)",
  wrong_key: "does not know the configured key",
  integrity: "rejected the ciphertext or its context (wrong key, context or corrupted data)",
  misconfigured: "is misconfigured",
};

/** `${service} ${what happened}`, plus an optional safe code such as "AccessDeniedException" or "HTTP 403". */
export function providerError(
  failure: KeyProviderFailure,
  service: string,
  options: { code?: string; cause?: unknown; requestId?: string } = {},
): KeyProviderError {
  const code = options.code && /^[A-Za-z0-9 _.:-]{1,64}$/.test(options.code) ? ` (${options.code})` : "";
  return new KeyProviderError(failure, `${service} ${FAILURE_TEXT[failure]}${code}`, {
    cause: options.cause === undefined ? undefined : sanitizeCause(options.cause),
    requestId: options.requestId,
  });
}

/**
 * Keeps only the name, code and message of a cause. SDK errors carry the request and response
 * ($response, $metadata, config) which we do not want anywhere near a log line.
 */
export function sanitizeCause(cause: unknown): Error {
  if (cause instanceof Error) {
    const e = new Error(cause.message.slice(0, 300));
    e.name = cause.name;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string") (e as Error & { code?: string }).code = code;
    return e;
  }
  return new Error(String(cause).slice(0, 300));
}

/** Whether an error is an abort caused by our own per-call time limit. */
export function isTimeout(e: unknown): boolean {
  if (!e || typeof e !== "object") return false;
  const err = e as { name?: string; code?: string; cause?: unknown };
  if (err.name === "TimeoutError" || err.name === "AbortError" || err.code === "UND_ERR_CONNECT_TIMEOUT" || err.code === "ETIMEDOUT")
    return true;
  return err.cause !== undefined && err.cause !== e && isTimeout(err.cause);
}

export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function b64(buf: Buffer | Uint8Array): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString("base64");
}

/** Strict base64 decode: a malformed field from a key service is an integrity failure, not garbage bytes. */
export function fromB64(value: unknown): Buffer | null {
  if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return null;
  return Buffer.from(value, "base64");
}
