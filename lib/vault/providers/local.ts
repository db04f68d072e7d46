// The local key provider (SOHO default): data keys wrapped with AES-256-GCM under a key derived from
// a service key version; the WrapContext is the AAD, so a wrapped key moved to another org, object,
// purpose or version does not unwrap. Wrapped form: nonce(12) | ciphertext(32) | tag(16).
import { createCipheriv, createDecipheriv } from "node:crypto";
import { secureRandomBytes } from "../../crypto/random";
import {
  KeyProviderError,
  type KeyProvider,
  type KeyProviderDescription,
  type KeyProviderHealth,
  type WrapContext,
  type WrappedKey,
} from "../key-provider";
import type { ServiceKeyring } from "../service-keys";

export const localKeyId = (version: number) => `local:v${version}`;

function contextAad(c: WrapContext): Buffer {
  for (const v of [c.orgId, c.purpose, c.objectId]) {
    if (v.includes("\0")) throw new KeyProviderError("integrity", "Invalid wrap context");
  }
  return Buffer.from(`fortress-local-wrap\0${c.orgId}\0${c.objectId}\0${c.purpose}\0${c.keyVersion}`, "utf8");
}

export class LocalKeyProvider implements KeyProvider {
  readonly kind = "local" as const;
  private lastVersion = 0;

  constructor(private readonly keyring: ServiceKeyring) {}

  async wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey> {
    const { wrapKey } = await this.keyring.material(context.keyVersion);
    this.lastVersion = context.keyVersion;
    const iv = secureRandomBytes(12);
    const c = createCipheriv("aes-256-gcm", wrapKey, iv);
    c.setAAD(contextAad(context));
    return { wrapped: Buffer.concat([iv, c.update(dataKey), c.final(), c.getAuthTag()]), keyId: localKeyId(context.keyVersion) };
  }

  async unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer> {
    if (wrapped.keyId !== localKeyId(context.keyVersion)) {
      throw new KeyProviderError("wrong_key", "The data key was wrapped by another key version");
    }
    const { wrapKey } = await this.keyring.material(context.keyVersion);
    const w = wrapped.wrapped;
    if (w.length !== 12 + 32 + 16) throw new KeyProviderError("integrity", "Wrapped data key is malformed");
    const d = createDecipheriv("aes-256-gcm", wrapKey, w.subarray(0, 12));
    d.setAAD(contextAad(context));
    d.setAuthTag(w.subarray(w.length - 16));
    const key = d.update(w.subarray(12, w.length - 16));
    try {
      d.final();
    } catch (err) {
      key.fill(0);
      throw new KeyProviderError("integrity", "Wrapped data key failed authentication", { cause: err });
    }
    return key;
  }

  describe(): KeyProviderDescription {
    const v = this.lastVersion;
    return { kind: "local", display: v ? `Local service key v${v}` : "Local service key", keyId: v ? localKeyId(v) : "local" };
  }

  async health(): Promise<KeyProviderHealth> {
    const started = performance.now();
    try {
      const v = await this.keyring.currentVersion();
      await this.keyring.material(v);
      this.lastVersion = v;
      return { ok: true, latencyMs: performance.now() - started };
    } catch (err) {
      return { ok: false, latencyMs: performance.now() - started, detail: err instanceof KeyProviderError ? err.message : "Service key unavailable" };
    }
  }
}
