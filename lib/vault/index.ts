// The vault's public face: the only way any code stores or uses a secret.
// CONTRACT (seam shared by MCP Fortress, PAT Fortress, webhooks, posture): signatures here are stable;
// the implementation behind them belongs to the vault issue. Until it lands every call fails closed.
import type { Actor, RequestMeta } from "../context";
import type { DbOrTx } from "../db";
import { FortressError } from "../errors";

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
}

export interface UseContext {
  actor: Actor;
  meta?: Partial<RequestMeta>;
}

const notReady = () => new FortressError("unavailable", "Credential vault unavailable");

/** Encrypts and stores a secret (inside the caller's transaction when given one). Audited. */
export async function storeSecret(_db: DbOrTx, _input: StoreSecretInput): Promise<SecretMetadata> {
  throw notReady();
}

/** Replaces a secret's value; the old value is destroyed. Audited. */
export async function rotateSecret(
  _db: DbOrTx,
  _ref: SecretRef,
  _plaintext: Buffer,
  _ctx: UseContext,
): Promise<SecretMetadata> {
  throw notReady();
}

/** Crypto-shreds a secret at once (its data key destroyed); rows are purged later. Audited. */
export async function destroySecret(_db: DbOrTx, _ref: SecretRef, _ctx: UseContext): Promise<void> {
  throw notReady();
}

export async function getSecretMetadata(_db: DbOrTx, _ref: SecretRef): Promise<SecretMetadata | null> {
  throw notReady();
}

/**
 * Decrypts into a Buffer, calls `fn`, zeroes the Buffer in `finally`. The only way to get plaintext.
 * Call it only after every policy check passed. Fails closed with FortressError("unavailable") when
 * the key provider, the HMAC, the AAD or the tier rules say no; every use and failure is audited.
 */
export async function withSecret<T>(
  _ref: SecretRef,
  _purpose: SecretPurpose,
  _fn: (plaintext: Buffer) => Promise<T> | T,
  _ctx: UseContext,
): Promise<T> {
  throw notReady();
}

/**
 * Envelope-encrypts an object that is not a credential but must be kept secret (the PAT archive):
 * a fresh data key per object, wrapped by the org's key provider; AAD binds org, purpose and objectId.
 * Returns the self-describing blob to store wherever the caller likes.
 */
export async function sealObject(_input: {
  orgId: string;
  purpose: "archive";
  objectId: string;
  plaintext: Buffer;
}): Promise<Buffer> {
  throw notReady();
}

/** Opens a sealObject blob; a modified blob, or one moved to another org/purpose/objectId, fails. */
export async function openObject<T>(
  _input: { orgId: string; purpose: "archive"; objectId: string; blob: Buffer },
  _fn: (plaintext: Buffer) => Promise<T> | T,
): Promise<T> {
  throw notReady();
}
