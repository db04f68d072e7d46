// sealObject / openObject: envelope encryption for objects that are not credentials but must stay
// secret (the PAT archive). Same blob format, same tier rules; the caller stores the blob.
// Failures are audited (uses are not: the archive records each object's hash in the audit chain).
// The blob names its service key version: an object not resealed (resealObject) before that
// version is retired can no longer be opened.
import { SYSTEM_ACTOR } from "../context";
import { getDb } from "../db";
import { FortressError } from "../errors";
import { parseBlob } from "./blob";
import { asProviderError, openVerified, sealWith, verifyStored } from "./envelope";
import { orgTierAndSettings, providerForKind, providerForStore } from "./org-keys";
import { unavailable } from "./secrets";
import { serviceKeyring } from "./service-keys";
import { auditRefusal, failureMetadata } from "./vault-audit";

interface ObjectRef {
  orgId: string;
  purpose: "archive";
  objectId: string;
}

async function refuse(orgId: string, objectId: string, action: string, err: unknown): Promise<FortressError> {
  const pe = asProviderError(err);
  const fe = err instanceof FortressError ? err : unavailable(pe);
  try {
    await auditRefusal(await getDb(), {
      orgId,
      action,
      decision: "deny",
      resourceType: "sealed_object",
      secretId: undefined,
      actor: SYSTEM_ACTOR,
      purpose: "archive",
      reason: fe.message,
      metadata: { object_id: objectId, ...(err instanceof FortressError ? { failure: fe.code } : failureMetadata(pe)) },
    });
  } catch {
    // no database: the refusal itself stands
  }
  return fe;
}

export async function sealObject(input: ObjectRef & { plaintext: Buffer }): Promise<Buffer> {
  try {
    const db = await getDb();
    const { provider } = await providerForStore(db, input.orgId, { cached: true });
    const sealed = await sealWith(provider, serviceKeyring(), { orgId: input.orgId, objectId: input.objectId, purpose: input.purpose }, input.plaintext);
    return sealed.blob;
  } catch (err) {
    throw await refuse(input.orgId, input.objectId, "vault.object.seal_refused", err);
  }
}

export async function openObject<T>(input: ObjectRef & { blob: Buffer }, fn: (plaintext: Buffer) => Promise<T> | T): Promise<T> {
  let plaintext: Buffer;
  try {
    const db = await getDb();
    const binding = { orgId: input.orgId, objectId: input.objectId, purpose: input.purpose };
    const parsed = await verifyStored(input.blob, binding, serviceKeyring());
    const { settings } = await orgTierAndSettings(db, input.orgId);
    plaintext = await openVerified(parsed, binding, await providerForKind(settings, parsed.providerKind));
  } catch (err) {
    throw await refuse(input.orgId, input.objectId, "vault.object.open_refused", err);
  }
  try {
    return await fn(plaintext);
  } finally {
    plaintext.fill(0);
  }
}

/** The service key version a sealed object depends on (its owner records it; see registerKeyVersionHolder). */
export function sealedKeyVersion(blob: Buffer): number {
  return parseBlob(blob).keyVersion;
}

/** Re-seals an object under the current service key version (archive owners call it before retirement). */
export async function resealObject(input: ObjectRef & { blob: Buffer }): Promise<Buffer> {
  return openObject(input, (plaintext) => sealObject({ ...input, plaintext }));
}
