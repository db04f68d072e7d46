// Secrets: store, rotate, destroy (crypto-shred), read metadata, and use — the only way to plaintext.
// Plaintext lives only in Buffers that are zeroed in `finally`; nothing here logs, returns or audits it.
import { randomUUID } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import { vaultSecrets, type Tier } from "@/db/schema";
import { announceOrgChange } from "../cache/shared";
import { getDb, type DbOrTx } from "../db";
import { FortressError, isFortressError } from "../errors";
import { asProviderError, openVerified, sealWith, verifyStored } from "./envelope";
import { KeyProviderError, type KeyProviderFailure } from "./key-provider";
import { providerForKind, providerForStore } from "./org-keys";
import { serviceKeyring } from "./service-keys";
import { auditCommitter } from "../audit/gateway";
import type { AuditEventInput } from "../audit/record";
import { secretRecord, type SecretRecord } from "./secret-rows";
import { auditRefusal, failureMetadata, vaultAudit, vaultAuditInput, type VaultAuditInput } from "./vault-audit";
import type { SecretMetadata, SecretPurpose, SecretRef, StoreSecretInput, UseContext } from "./index";

export const PURGE_DELAY_MS = 72 * 3_600_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Row = typeof vaultSecrets.$inferSelect;

export function metadataOf(row: Row): SecretMetadata {
  return {
    id: row.id,
    orgId: row.orgId,
    purpose: row.purpose as SecretPurpose,
    type: row.type,
    label: row.label,
    lastFour: row.lastFour,
    createdAt: row.createdAt,
    rotatedAt: row.rotatedAt,
    expiresAt: row.expiresAt,
  };
}

/**
 * At most the last 4 characters, and only of secrets of 12 characters or more. Works on the bytes:
 * decoding the whole secret into a JS string would leave an un-zeroable copy of it in memory.
 */
export function lastFourOf(plaintext: Buffer): string | null {
  // UTF-8: every byte that is not a continuation byte (10xxxxxx) starts a character.
  let chars = 0;
  for (let i = 0; i < plaintext.length; i++) if ((plaintext[i] & 0xc0) !== 0x80) chars++;
  if (chars < 12) return null;
  let start = plaintext.length;
  for (let seen = 0; start > 0 && seen < 4; ) {
    start--;
    if ((plaintext[start] & 0xc0) !== 0x80) seen++;
  }
  return plaintext.subarray(start).toString("utf8");
}

function checkInput(input: { label: string; type: string }) {
  if (typeof input.label !== "string" || input.label.trim().length === 0 || input.label.length > 200) {
    throw new FortressError("invalid_request", "label: 1 to 200 characters");
  }
  if (typeof input.type !== "string" || !/^[a-z0-9_.-]{1,64}$/.test(input.type)) {
    throw new FortressError("invalid_request", "type: 1 to 64 characters a-z, 0-9, _ . -");
  }
}

const FAILURE_TEXT: Record<KeyProviderFailure, string> = {
  timeout: "the key provider did not answer in time",
  unavailable: "the key provider is unreachable",
  access_denied: "the key provider denied access (revoked grant or disabled key?)",
  wrong_key: "the key needed to open it is unknown or retired",
  integrity: "it failed its integrity check",
  misconfigured: "the key provider is misconfigured",
};

export function unavailable(err: KeyProviderError): FortressError {
  return new FortressError("unavailable", `Credential unavailable: ${FAILURE_TEXT[err.failure]}`, {
    cause: err,
    details: { failure: err.failure },
  });
}

// ——— use guards (identity and device checks of later issues plug in here) ———

export interface UseGuardInput {
  orgId: string;
  tier: Tier;
  secretId: string;
  purpose: SecretPurpose;
  ctx: UseContext;
}
/** Throws (ideally a FortressError) to refuse a use. Runs inside withSecret before anything is unwrapped. */
export type UseGuard = (input: UseGuardInput) => Promise<void> | void;
const guards = new Set<UseGuard>();

export function registerUseGuard(fn: UseGuard): () => void {
  guards.add(fn);
  return () => guards.delete(fn);
}

// ——— store / rotate / destroy ———

function checkPlaintext(p: Buffer) {
  if (!Buffer.isBuffer(p) || p.length === 0) throw new FortressError("invalid_request", "The credential is empty");
  if (p.length > 60_000) throw new FortressError("invalid_request", "The credential is too large");
}

export async function storeSecret(db: DbOrTx, input: StoreSecretInput): Promise<SecretMetadata> {
  checkPlaintext(input.plaintext);
  checkInput(input);
  const id = randomUUID();
  const base = { orgId: input.orgId, secretId: id, actor: input.actor, meta: input.meta, product: input.product, purpose: input.purpose };
  try {
    const { provider } = await providerForStore(db, input.orgId);
    const sealed = await sealWith(provider, serviceKeyring(), { orgId: input.orgId, objectId: id, purpose: input.purpose }, input.plaintext, { db });
    const [row] = await db
      .insert(vaultSecrets)
      .values({
        id,
        orgId: input.orgId,
        purpose: input.purpose,
        type: input.type,
        label: input.label,
        lastFour: lastFourOf(input.plaintext),
        blob: sealed.blob,
        keyProvider: sealed.providerKind,
        keyVersion: sealed.keyVersion,
        expiresAt: input.expiresAt ?? null,
      })
      .returning();
    await vaultAudit(db, {
      ...base,
      action: "vault.secret.stored",
      decision: "info",
      metadata: { type: input.type, purpose: input.purpose, key_provider: sealed.providerKind, key_version: sealed.keyVersion },
    });
    await announceOrgChange(input.orgId, db);
    return metadataOf(row);
  } catch (err) {
    throw await refuse(db, err, { ...base, action: "vault.secret.store_refused" });
  }
}

/** Turns any failure into a caller-safe error and audits it (tier refusals and provider faults alike). */
async function refuse(db: DbOrTx, err: unknown, base: Omit<VaultAuditInput, "decision">): Promise<unknown> {
  const known = isFortressError(err) ? err : err instanceof KeyProviderError ? unavailable(err) : null;
  if (!known && !(err instanceof Error && err.name === "BlobError")) {
    // A database error or a bug: still audited (if the database lets us), still fails closed, with
    // the details in the log only.
    await auditRefusal(db, { ...base, decision: "deny", reason: "internal error", metadata: { failure: "internal" } });
    return new FortressError("unavailable", "Credential vault unavailable", { cause: err, details: { failure: "internal" } });
  }
  const fe = known ?? unavailable(asProviderError(err));
  const cause = fe.cause;
  await auditRefusal(db, {
    ...base,
    decision: "deny",
    reason: fe.message,
    metadata: cause instanceof KeyProviderError ? failureMetadata(cause) : { failure: fe.code },
  });
  return fe;
}

async function liveRow(db: DbOrTx, ref: SecretRef, forUpdate = false): Promise<Row | undefined> {
  if (!UUID.test(ref.secretId) || !UUID.test(ref.orgId)) return undefined;
  const q = db
    .select()
    .from(vaultSecrets)
    .where(and(eq(vaultSecrets.id, ref.secretId), eq(vaultSecrets.orgId, ref.orgId), isNull(vaultSecrets.destroyedAt)));
  const [row] = forUpdate ? await q.for("update") : await q;
  return row;
}

export async function rotateSecret(
  db: DbOrTx,
  ref: SecretRef,
  plaintext: Buffer,
  ctx: UseContext & { expiresAt?: Date | null },
): Promise<SecretMetadata> {
  checkPlaintext(plaintext);
  const base = { orgId: ref.orgId, secretId: ref.secretId, actor: ctx.actor, meta: ctx.meta, product: ctx.product };
  const current = await liveRow(db, ref);
  if (!current) throw new FortressError("not_found", "Secret not found");
  try {
    const { provider } = await providerForStore(db, ref.orgId);
    const sealed = await sealWith(provider, serviceKeyring(), { orgId: ref.orgId, objectId: ref.secretId, purpose: current.purpose }, plaintext, { db });
    const now = new Date();
    // The old blob (and its wrapped data key) is overwritten in place: the old value is gone.
    const [row] = await db
      .update(vaultSecrets)
      .set({
        blob: sealed.blob,
        keyProvider: sealed.providerKind,
        keyVersion: sealed.keyVersion,
        lastFour: lastFourOf(plaintext),
        rotatedAt: now,
        ...(ctx.expiresAt !== undefined ? { expiresAt: ctx.expiresAt } : {}),
      })
      .where(and(eq(vaultSecrets.id, ref.secretId), eq(vaultSecrets.orgId, ref.orgId), isNull(vaultSecrets.destroyedAt)))
      .returning();
    if (!row) throw new FortressError("not_found", "Secret not found");
    await vaultAudit(db, {
      ...base,
      purpose: current.purpose,
      action: "vault.secret.rotated",
      decision: "info",
      metadata: { type: current.type, purpose: current.purpose, key_provider: sealed.providerKind, key_version: sealed.keyVersion },
    });
    // Cached copies of the old blob go: at once here, after the commit elsewhere (see announceOrgChange).
    await announceOrgChange(ref.orgId, db);
    return metadataOf(row);
  } catch (err) {
    throw await refuse(db, err, { ...base, purpose: current.purpose, action: "vault.secret.rotate_refused" });
  }
}

export async function destroySecret(db: DbOrTx, ref: SecretRef, ctx: UseContext): Promise<void> {
  if (!UUID.test(ref.secretId) || !UUID.test(ref.orgId)) throw new FortressError("not_found", "Secret not found");
  const now = new Date();
  // Crypto-shred: the blob with its wrapped data key is erased at once; the row (metadata only, last
  // four cleared too) goes with the purge job after PURGE_DELAY_MS.
  const [row] = await db
    .update(vaultSecrets)
    .set({ blob: null, lastFour: null, destroyedAt: now, purgeAfter: new Date(now.getTime() + PURGE_DELAY_MS) })
    .where(and(eq(vaultSecrets.id, ref.secretId), eq(vaultSecrets.orgId, ref.orgId), isNull(vaultSecrets.destroyedAt)))
    .returning();
  if (!row) {
    const [gone] = await db
      .select({ id: vaultSecrets.id })
      .from(vaultSecrets)
      .where(and(eq(vaultSecrets.id, ref.secretId), eq(vaultSecrets.orgId, ref.orgId)));
    if (gone) return; // already destroyed: idempotent
    throw new FortressError("not_found", "Secret not found");
  }
  await vaultAudit(db, {
    orgId: ref.orgId,
    secretId: ref.secretId,
    actor: ctx.actor,
    meta: ctx.meta,
    product: ctx.product,
    purpose: row.purpose,
    action: "vault.secret.destroyed",
    decision: "info",
    metadata: { type: row.type, purpose: row.purpose, purge_after: row.purgeAfter?.toISOString() },
  });
  // A shredded secret stops decrypting at once on this instance, and on the others within the bus
  // round trip (here, or after the caller's commit when `db` is its transaction) or the 500 ms max-age.
  await announceOrgChange(ref.orgId, db);
}

export async function getSecretMetadata(db: DbOrTx, ref: SecretRef): Promise<SecretMetadata | null> {
  const row = await liveRow(db, ref);
  return row ? metadataOf(row) : null;
}

// ——— use ———

export async function withSecret<T>(
  ref: SecretRef,
  purpose: SecretPurpose,
  fn: (plaintext: Buffer) => Promise<T> | T,
  ctx: UseContext,
): Promise<T> {
  const started = performance.now();
  let db: Awaited<ReturnType<typeof getDb>>;
  try {
    db = await getDb();
  } catch (err) {
    throw new FortressError("unavailable", "Credential vault unavailable", { cause: err });
  }
  const base = { orgId: ref.orgId, secretId: ref.secretId, actor: ctx.actor, meta: ctx.meta, product: ctx.product, purpose };
  // The encrypted row, tier and key settings: from the per-org cache (lib/vault/secret-rows.ts, at
  // most 500 ms old, dropped on every change to the org's secrets or keys). Everything below still
  // runs on every use.
  let found: SecretRecord | null = null;
  try {
    if (UUID.test(ref.secretId) && UUID.test(ref.orgId)) found = await secretRecord(ref);
  } catch (err) {
    throw new FortressError("unavailable", "Credential vault unavailable", { cause: err });
  }
  if (!found || !found.secret.blob) {
    if (UUID.test(ref.orgId)) await auditRefusal(db, { ...base, secretId: UUID.test(ref.secretId) ? ref.secretId : undefined, action: "vault.secret.use_refused", decision: "deny", reason: "Secret not found", metadata: { failure: "not_found" } });
    throw new FortressError("not_found", "Secret not found");
  }
  const { secret, tier, settings } = found;
  let plaintext: Buffer | undefined;
  let durable: Promise<void>;
  try {
    if (secret.purpose !== purpose) throw new KeyProviderError("integrity", "The credential was stored for another purpose");
    for (const guard of guards) await guard({ orgId: ref.orgId, tier, secretId: ref.secretId, purpose, ctx });
    if (tier === "ZERO_TRUST" && secret.keyProvider !== "xks") {
      throw new KeyProviderError("misconfigured", "Zero Trust credentials must be protected by the external key service");
    }
    const binding = { orgId: ref.orgId, objectId: ref.secretId, purpose };
    // HMAC first: a tampered or moved blob is refused before any provider is asked to unwrap.
    const parsed = await verifyStored(secret.blob!, binding, serviceKeyring(), db);
    if (parsed.keyVersion !== secret.keyVersion || parsed.providerKind !== secret.keyProvider) {
      throw new KeyProviderError("integrity", "Stored credential does not match its record");
    }
    const provider = await providerForKind(settings, parsed.providerKind);
    plaintext = await openVerified(parsed, binding, provider);
    // The use is durable in the audit log before the plaintext is handed out. Group commit: concurrent
    // uses (and the governed request's own event, when the caller hands it over) share one commit.
    durable = recordUse(
      vaultAuditInput({
        ...base,
        action: "vault.secret.used",
        decision: "allow",
        latencyMs: Math.round(performance.now() - started),
        metadata: { type: secret.type, key_provider: secret.keyProvider, key_version: secret.keyVersion },
      }),
      ctx,
    );
    if (!ctx.companion?.alongside) await durable;
  } catch (err) {
    plaintext?.fill(0);
    throw await refuse(db, err, { ...base, action: "vault.secret.use_refused" });
  }
  if (!ctx.companion?.alongside) {
    try {
      return await fn(plaintext);
    } finally {
      plaintext.fill(0);
    }
  }
  // A call that changes nothing runs while its audit events are being written (the commit costs as
  // much as the call itself): nothing of it is returned before they are durable, and a failed write
  // discards the result and refuses, so the caller never gets anything out of an unrecorded use.
  const key = plaintext;
  const [work, audit] = await Promise.allSettled([Promise.resolve().then(() => fn(key)), durable]);
  key.fill(0);
  if (audit.status === "rejected") {
    if (work.status === "fulfilled") ctx.companion.discard?.(work.value);
    throw await refuse(db, audit.reason, { ...base, action: "vault.secret.use_refused" });
  }
  if (work.status === "rejected") throw work.reason;
  return work.value;
}

/** Appends the use event (and the caller's companion event) to the org's chain through group commit. */
async function recordUse(event: AuditEventInput, ctx: UseContext): Promise<void> {
  const committer = auditCommitter();
  const companion = ctx.companion;
  if (companion && !companion.committed) {
    // Enqueued back to back, so both land in the same batch: one durable write for the request.
    const use = committer.append(event);
    companion.committed = committer.append(companion.event);
    await Promise.all([use, companion.committed]);
    return;
  }
  await committer.append(event);
}
