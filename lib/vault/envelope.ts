// Envelope encryption over a key provider and the service keyring: a fresh random data key per
// secret, wrapped by the provider, the secret sealed under it (lib/vault/blob.ts). Opening checks the
// HMAC before any provider is asked to unwrap anything. Every failure is a KeyProviderError.
import { secureRandomBytes } from "../crypto/random";
import { BlobError, decryptBlob, parseBlob, sealBlob, verifyBlobMac, type BlobBinding, type ParsedBlob } from "./blob";
import { KeyProviderError, type KeyProvider, type KeyProviderKind, type WrapContext } from "./key-provider";
import type { DbOrTx } from "../db";
import type { ServiceKeyring } from "./service-keys";

/** Safety net around every provider call; providers enforce their own, tighter limits (XKS: 250 ms). */
export const PROVIDER_TIMEOUT_MS = 2_000;

export async function withProviderTimeout<T>(work: Promise<T>, ms = PROVIDER_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KeyProviderError("timeout", `The key provider did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Anything a provider throws that is not a KeyProviderError is treated as "unavailable" (fail closed). */
export function asProviderError(err: unknown): KeyProviderError {
  if (err instanceof KeyProviderError) return err;
  if (err instanceof BlobError) {
    return new KeyProviderError("integrity", err.failure === "mac" ? "Stored credential failed its integrity check" : "Stored credential failed authentication", { cause: err });
  }
  return new KeyProviderError("unavailable", "The key provider failed", { cause: err });
}

export type Binding = Omit<BlobBinding, "keyVersion">;

export interface Sealed {
  blob: Buffer;
  keyVersion: number;
  providerKind: KeyProviderKind;
  keyId: string;
}

/** `db`: the caller's transaction, if any (see ServiceKeyring). */
export async function sealWith(
  provider: KeyProvider,
  keyring: ServiceKeyring,
  binding: Binding,
  plaintext: Buffer,
  opts: { version?: number; db?: DbOrTx } = {},
): Promise<Sealed> {
  const keyVersion = opts.version ?? (await keyring.currentVersion(opts.db));
  // Loads (and caches) the version's keys through the caller's handle; the local provider's wrap
  // right after finds them cached.
  const { macKey } = await keyring.material(keyVersion, opts.db);
  const dataKey = secureRandomBytes(32);
  try {
    const context: WrapContext = { orgId: binding.orgId, purpose: binding.purpose, objectId: binding.objectId, keyVersion };
    let wrapped: Buffer, keyId: string;
    try {
      ({ wrapped, keyId } = await withProviderTimeout(provider.wrap(dataKey, context)));
    } catch (err) {
      throw asProviderError(err);
    }
    const blob = sealBlob({
      plaintext,
      dataKey,
      nonce: secureRandomBytes(12),
      providerKind: provider.kind,
      keyId,
      wrapped,
      binding: { ...binding, keyVersion },
      macKey,
    });
    return { blob, keyVersion, providerKind: provider.kind, keyId };
  } finally {
    dataKey.fill(0);
  }
}

/** Parses and HMAC-checks a blob for a binding; nothing is unwrapped yet. */
export async function verifyStored(blob: Buffer, binding: Binding, keyring: ServiceKeyring, db?: DbOrTx): Promise<ParsedBlob> {
  let parsed: ParsedBlob;
  try {
    parsed = parseBlob(blob);
  } catch (err) {
    throw asProviderError(err);
  }
  const { macKey } = await keyring.material(parsed.keyVersion, db);
  if (!verifyBlobMac(parsed, { ...binding, keyVersion: parsed.keyVersion }, macKey)) {
    throw asProviderError(new BlobError("mac", "HMAC mismatch"));
  }
  return parsed;
}

/** Unwraps the data key and decrypts a verified blob. Returns a fresh Buffer the caller zeroes. */
export async function openVerified(parsed: ParsedBlob, binding: Binding, provider: KeyProvider): Promise<Buffer> {
  if (provider.kind !== parsed.providerKind) {
    throw new KeyProviderError("wrong_key", `The credential was sealed by the ${parsed.providerKind} provider, not ${provider.kind}`);
  }
  const context: WrapContext = { orgId: binding.orgId, purpose: binding.purpose, objectId: binding.objectId, keyVersion: parsed.keyVersion };
  let dataKey: Buffer;
  try {
    dataKey = await withProviderTimeout(provider.unwrap({ wrapped: Buffer.from(parsed.wrapped), keyId: parsed.keyId }, context));
  } catch (err) {
    throw asProviderError(err);
  }
  try {
    return decryptBlob(parsed, dataKey, { ...binding, keyVersion: parsed.keyVersion });
  } catch (err) {
    throw asProviderError(err);
  } finally {
    dataKey.fill(0);
  }
}
