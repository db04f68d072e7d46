// The vault's public face: the only way any code stores or uses a secret.
// CONTRACT (seam shared by MCP Fortress, PAT Fortress, webhooks, posture): signatures here are stable.
// Implementation: secrets.ts (store/rotate/destroy/use), objects.ts (sealObject/openObject),
// envelope.ts + blob.ts (format), org-keys.ts (tier rules), service-keys.ts (key hierarchy).
import type { AuditEventInput, Product } from "../audit/record";
import type { Actor, RequestMeta } from "../context";

/** What a secret is for. Part of the AAD: a blob stored for one purpose cannot be opened for another. */
export type SecretPurpose = "connector" | "pat" | "webhook" | "mdm" | "idp" | "archive";

export interface SecretRef {
  orgId: string;
  secretId: string;
}

/** Metadata only: never the secret. This is all an admin API may return about a credential. */
export interface SecretMetadata {
  id: string;
  orgId: string;
  purpose: SecretPurpose;
  /** Credential type as the catalog names it: "api_token", "oauth_token", "github_app", "anthropic_key"… */
  type: string;
  label: string;
  /** At most the last 4 characters, or null when the secret is shorter than 12 characters. */
  lastFour: string | null;
  createdAt: Date;
  rotatedAt: Date | null;
  expiresAt: Date | null;
}

export interface StoreSecretInput {
  orgId: string;
  purpose: SecretPurpose;
  type: string;
  label: string;
  /** Caller zeroes its own copy after the call; the vault never keeps it. */
  plaintext: Buffer;
  expiresAt?: Date | null;
  actor: Actor;
  meta?: Partial<RequestMeta>;
  /** Which product the audit event belongs to; default from the purpose (pat → pat, connector → mcp). */
  product?: Product;
}

export interface UseContext {
  actor: Actor;
  meta?: Partial<RequestMeta>;
  /** Which product the audit event belongs to; default from the purpose (pat → pat, connector → mcp). */
  product?: Product;
  /**
   * A governed request's own audit event, to be made durable in the same group commit as this use
   * (one durable write on the request's path instead of two). The vault sets `committed` once it has
   * taken the event; a caller whose event was not taken (the use never got that far) writes it itself.
   */
  companion?: AuditCompanion;
}

export interface AuditCompanion {
  event: AuditEventInput;
  committed?: Promise<unknown>;
  /**
   * The caller's call changes nothing (a read-only connector action, a model call): the credential
   * is used while the use and companion events are being made durable, instead of after. withSecret
   * still returns nothing before they are durable, and if they cannot be written it discards the
   * result and refuses ("unavailable"). Never set for an action that changes anything.
   */
  alongside?: boolean;
  /** With `alongside`: releases a result discarded because the audit write failed (an open body). */
  discard?: (result: unknown) => void;
}

/*
 * storeSecret(db, input): encrypts and stores a secret (inside the caller's transaction when given
 *   one). Tier rules: Bank / Zero Trust refuse (409) until a customer key provider passed its test.
 * rotateSecret(db, ref, plaintext, ctx): replaces a secret's value; the old blob is overwritten.
 * destroySecret(db, ref, ctx): crypto-shreds at once (blob and wrapped data key erased); the row is
 *   purged by the purge job 72 h later.
 * getSecretMetadata(db, ref): metadata only, null when unknown or destroyed.
 * withSecret(ref, purpose, fn, ctx): decrypts into a Buffer, calls `fn`, zeroes the Buffer in
 *   `finally`. The only way to get plaintext; call it only after every policy check passed. Fails
 *   closed with FortressError("unavailable") when the key provider, the HMAC, the AAD or the tier
 *   rules say no; every use and failure is audited. Use guards (registerUseGuard) run first.
 * sealObject / openObject: envelope encryption for the PAT archive; a modified blob, or one moved
 *   to another org/purpose/objectId, fails.
 * Every failure reaches the caller as a FortressError whose message is safe to show.
 */
export { storeSecret, rotateSecret, destroySecret, getSecretMetadata, withSecret, registerUseGuard } from "./secrets";
export type { UseGuard, UseGuardInput } from "./secrets";
export { sealObject, openObject, resealObject, sealedKeyVersion } from "./objects";
export { registerKeyVersionHolder } from "./service-keys";
