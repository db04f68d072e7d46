// A customer key provider for tests of the vault core: wraps with AES-256-GCM under its own key and
// binds the WrapContext like KMS binds an EncryptionContext. A switch makes it fail exactly the way a
// real provider can (timeout, 5xx, unknown key, revoked grant, wrong AAD, misconfiguration, a bug).
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { KeyProviderError, type KeyProvider, type KeyProviderFailure, type KeyProviderKind, type WrapContext, type WrappedKey } from "@/lib/vault/key-provider";

export type FaultMode = "ok" | "slow_timeout" | "hang" | "unavailable" | "wrong_key" | "access_denied" | "wrong_aad" | "misconfigured" | "throws";

const aad = (c: WrapContext) => Buffer.from(JSON.stringify([c.orgId, c.purpose, c.objectId, c.keyVersion]));

export class TestKeyProvider implements KeyProvider {
  mode: FaultMode = "ok";
  /** Fault only on unwrap (default) or on both directions. */
  failWrap = false;
  calls = { wrap: 0, unwrap: 0 };
  private readonly key = randomBytes(32);

  constructor(readonly kind: KeyProviderKind = "aws_kms", readonly keyId = "arn:aws:kms:eu-west-1:123456789012:key/test") {}

  private async fault(): Promise<void> {
    const fail = (f: KeyProviderFailure, m: string) => {
      throw new KeyProviderError(f, m, { requestId: "req-" + f });
    };
    switch (this.mode) {
      case "ok":
      case "wrong_aad":
        return;
      case "slow_timeout":
        await new Promise((r) => setTimeout(r, 300));
        return fail("timeout", "Test KMS did not answer within 250 ms");
      case "hang":
        return new Promise(() => {});
      case "unavailable":
        return fail("unavailable", "Test KMS is unavailable (HTTP 503)");
      case "wrong_key":
        return fail("wrong_key", "Test KMS does not know the configured key (NotFoundException)");
      case "access_denied":
        return fail("access_denied", "Test KMS refused access to the key (AccessDeniedException)");
      case "misconfigured":
        return fail("misconfigured", "Test KMS is misconfigured");
      case "throws":
        throw new TypeError("socket hang up");
    }
  }

  async wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey> {
    this.calls.wrap++;
    if (this.failWrap) await this.fault();
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.key, iv);
    c.setAAD(aad(context));
    return { wrapped: Buffer.concat([iv, c.update(dataKey), c.final(), c.getAuthTag()]), keyId: this.keyId };
  }

  async unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer> {
    this.calls.unwrap++;
    await this.fault();
    const ctx = this.mode === "wrong_aad" ? { ...context, purpose: context.purpose + "-other" } : context;
    const w = wrapped.wrapped;
    try {
      const d = createDecipheriv("aes-256-gcm", this.key, w.subarray(0, 12));
      d.setAAD(aad(ctx));
      d.setAuthTag(w.subarray(w.length - 16));
      return Buffer.concat([d.update(w.subarray(12, w.length - 16)), d.final()]);
    } catch (err) {
      throw new KeyProviderError("integrity", "Test KMS rejected the ciphertext or its context (InvalidCiphertextException)", { cause: err });
    }
  }

  describe() {
    return { kind: this.kind, display: `Test ${this.kind} ${this.keyId}`, keyId: this.keyId };
  }

  async health() {
    return { ok: this.mode === "ok", latencyMs: 0 };
  }
}
