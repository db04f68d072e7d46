// CONTRACT: the key-encryption-key providers behind the vault (local, AWS KMS, Vault Transit, XKS).
// The vault core calls only this interface; each provider lives in lib/vault/providers/<kind>.ts.

export type KeyProviderKind = "local" | "aws_kms" | "vault_transit" | "xks";

/**
 * Bound into every wrap/unwrap (KMS EncryptionContext, Transit associated data, XKS AAD), so a
 * wrapped data key copied to another org, object or purpose does not unwrap.
 */
export interface WrapContext {
  orgId: string;
  purpose: string;
  objectId: string;
  keyVersion: number;
}

export interface WrappedKey {
  /** Provider-opaque ciphertext of the data key. */
  wrapped: Buffer;
  /** Which key (ARN, transit key name + version, XKS key id, local version) wrapped it. */
  keyId: string;
}

export interface KeyProviderDescription {
  kind: KeyProviderKind;
  /** Non-secret, human-readable: "AWS KMS arn:aws:kms:eu-west-1:…:key/…", "Local service key v3". */
  display: string;
  keyId: string;
}

export interface KeyProviderHealth {
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

export interface KeyProvider {
  readonly kind: KeyProviderKind;
  wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey>;
  /** Returns the data key in a fresh Buffer the caller zeroes. Throws KeyProviderError on any doubt. */
  unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer>;
  describe(): KeyProviderDescription;
  health(): Promise<KeyProviderHealth>;
}

export type KeyProviderFailure =
  | "timeout"
  | "unavailable" // network error, 5xx
  | "access_denied" // revoked grant, disabled key, bad credentials
  | "wrong_key" // unknown key id
  | "integrity" // wrong AAD / context, corrupted ciphertext
  | "misconfigured";

/** Every provider failure is one of these; the message is safe to show and to audit (no secrets). */
export class KeyProviderError extends Error {
  constructor(
    readonly failure: KeyProviderFailure,
    message: string,
    options?: { cause?: unknown; requestId?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KeyProviderError";
    this.requestId = options?.requestId;
  }
  readonly requestId?: string;
}

/**
 * Per-org customer key configuration (Bank: aws_kms or vault_transit; Zero Trust: xks). Access
 * credentials inside a config (AWS secret key, Vault token, XKS SigV4 secret, mTLS key) are stored
 * encrypted by the service key, never returned by an API.
 */
export type KeyProviderConfig =
  | { kind: "local" }
  | {
      kind: "aws_kms";
      keyArn: string;
      region: string;
      /** Omitted → the default AWS credential chain (instance role). */
      accessKeyId?: string;
      secretAccessKey?: string;
      roleArn?: string;
      /** Tests and VPC endpoints only. */
      endpoint?: string;
    }
  | { kind: "vault_transit"; address: string; mount: string; keyName: string; token: string; namespace?: string }
  | {
      kind: "xks";
      /** e.g. https://xks.example.com/kms/xks/v1 */
      uriEndpoint: string;
      keyId: string;
      accessKeyId: string;
      secretAccessKey: string;
      region?: string;
      mtls?: { certPem: string; keyPem: string; caPem?: string };
      /** Default 250 ms. */
      timeoutMs?: number;
    };
