// Bank tier, second option: the customer's HashiCorp Vault Transit engine wraps our data keys.
// POST {address}/v1/{mount}/encrypt|decrypt/{key} with X-Vault-Token (and X-Vault-Namespace),
// base64 plaintext, and the WrapContext bound as `associated_data` (AEAD key types: aes256-gcm96,
// aes128-gcm96, chacha20-poly1305), so a wrapped key replayed under another org/object/purpose fails
// authentication inside Vault. The address is customer-supplied: every call goes through safeFetch.
// No /rewrap: Transit's rewrap endpoint takes no associated_data, so it cannot rewrap AAD-bound
// ciphertexts; rotation re-wraps with unwrap + wrap, which re-checks the context anyway.
import { randomUUID } from "node:crypto";
import { logger } from "../../log";
import { OutboundBlockedError, safeFetch } from "../../net/outbound";
import type { KeyProvider, KeyProviderDescription, KeyProviderHealth, WrapContext, WrappedKey } from "../key-provider";
import { KeyProviderError } from "../key-provider";
import { roundTripHealth } from "./aws-kms";
import { assertContext, b64, contextAad, elapsedMs, fromB64, isTimeout, providerError } from "./common";

export interface VaultTransitProviderConfig {
  address: string;
  mount: string;
  keyName: string;
  token: string;
  namespace?: string;
  /** Per call. Default 2000 ms. */
  timeoutMs?: number;
}

export const VAULT_TRANSIT_DEFAULT_TIMEOUT_MS = 2_000;
const SERVICE = "Vault Transit";
const CIPHERTEXT = /^vault:v(\d+):[A-Za-z0-9+/=]+$/;

/** Maps a Vault error answer. Vault's messages are matched, never repeated (they may echo input). */
function mapVaultError(status: number, errors: string[]): KeyProviderError {
  const text = errors.join(" ").toLowerCase();
  const code = `HTTP ${status}`;
  if (status === 401 || status === 403) return providerError("access_denied", SERVICE, { code });
  if (status === 404 || /encryption key not found|key not found|no existing key/.test(text)) return providerError("wrong_key", SERVICE, { code });
  if (/message authentication failed|invalid ciphertext|unable to decrypt|ciphertext (is )?(invalid|too short)|invalid key version/.test(text))
    return providerError("integrity", SERVICE, { code });
  if (/disabled|not allowed|permission denied/.test(text)) return providerError("access_denied", SERVICE, { code });
  if (status === 429 || status === 412 || status >= 500) return providerError("unavailable", SERVICE, { code });
  return providerError("misconfigured", SERVICE, { code });
}

export class VaultTransitKeyProvider implements KeyProvider {
  readonly kind = "vault_transit" as const;
  private readonly timeoutMs: number;
  private readonly base: string;

  constructor(private readonly config: VaultTransitProviderConfig) {
    this.timeoutMs = config.timeoutMs ?? VAULT_TRANSIT_DEFAULT_TIMEOUT_MS;
    const mount = config.mount.replace(/^\/+|\/+$/g, "");
    this.base = `${config.address.replace(/\/+$/, "")}/v1/${mount.split("/").map(encodeURIComponent).join("/")}`;
  }

  private async post(op: "encrypt" | "decrypt", body: Record<string, unknown>, context: WrapContext): Promise<Record<string, unknown>> {
    const url = `${this.base}/${op}/${encodeURIComponent(this.config.keyName)}`;
    const requestId = randomUUID();
    const start = process.hrtime.bigint();
    const fail = (err: KeyProviderError) => {
      logger().warn(
        { provider: "vault_transit", op, requestId, keyName: this.config.keyName, orgId: context.orgId, failure: err.failure, ms: elapsedMs(start) },
        "vault transit call failed",
      );
      return new KeyProviderError(err.failure, err.message, { cause: err.cause, requestId });
    };
    let response;
    try {
      response = await safeFetch(
        url,
        () => ({
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-vault-token": this.config.token,
            "x-vault-request": "true",
            ...(this.config.namespace ? { "x-vault-namespace": this.config.namespace } : {}),
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        }),
        { maxRedirects: 0 },
      );
    } catch (e) {
      if (e instanceof OutboundBlockedError) throw fail(providerError("misconfigured", SERVICE, { code: "address blocked", cause: e }));
      throw fail(providerError(isTimeout(e) ? "timeout" : "unavailable", SERVICE, { cause: e }));
    }
    let json: { data?: Record<string, unknown>; errors?: unknown } | undefined;
    try {
      json = (await response.json()) as typeof json;
    } catch (e) {
      if (isTimeout(e)) throw fail(providerError("timeout", SERVICE, { cause: e }));
      json = undefined;
    }
    if (!response.ok) {
      const errors = Array.isArray(json?.errors) ? json!.errors.filter((x): x is string => typeof x === "string") : [];
      throw fail(mapVaultError(response.status, errors));
    }
    if (!json?.data || typeof json.data !== "object") throw fail(providerError("unavailable", SERVICE, { code: "malformed response" }));
    logger().debug({ provider: "vault_transit", op, requestId, keyName: this.config.keyName, orgId: context.orgId, ms: elapsedMs(start) }, "vault transit call");
    return json.data;
  }

  private wrappedFrom(ciphertext: unknown): WrappedKey {
    const m = typeof ciphertext === "string" ? CIPHERTEXT.exec(ciphertext) : null;
    if (!m) throw providerError("unavailable", SERVICE, { code: "malformed ciphertext" });
    return { wrapped: Buffer.from(ciphertext as string, "utf8"), keyId: `${this.config.mount}/${this.config.keyName}:v${m[1]}` };
  }

  async wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey> {
    assertContext(context);
    const data = await this.post("encrypt", { plaintext: b64(dataKey), associated_data: b64(contextAad(context)) }, context);
    return this.wrappedFrom(data.ciphertext);
  }

  async unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer> {
    assertContext(context);
    const ciphertext = wrapped.wrapped.toString("utf8");
    if (!CIPHERTEXT.test(ciphertext)) throw providerError("integrity", SERVICE, { code: "not a Vault ciphertext" });
    const data = await this.post("decrypt", { ciphertext, associated_data: b64(contextAad(context)) }, context);
    const key = fromB64(data.plaintext);
    if (!key) throw providerError("integrity", SERVICE, { code: "malformed plaintext" });
    return key;
  }

  describe(): KeyProviderDescription {
    let host = this.config.address;
    try {
      host = new URL(this.config.address).host;
    } catch {
      /* shown as configured */
    }
    return {
      kind: "vault_transit",
      display: `Vault Transit ${host}${this.config.namespace ? ` (${this.config.namespace})` : ""} ${this.config.mount}/${this.config.keyName}`,
      keyId: `${this.config.mount}/${this.config.keyName}`,
    };
  }

  async health(): Promise<KeyProviderHealth> {
    return roundTripHealth(this);
  }
}
