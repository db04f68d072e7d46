// The vault's background work, as plain functions a scheduler calls (lib/scheduler.ts in-process;
// any cron could call them too). Each is idempotent and safe on several instances at once.
import { and, gt, isNotNull, isNull, lte } from "drizzle-orm";
import { vaultSecrets } from "@/db/schema";
import type { Database } from "../db";
import { enqueueEvent } from "../outbox/enqueue";
import { migrateToCustomerKeys, runRewrap, type RewrapResult } from "./rewrap";
import { retireDrainedVersions, rotateServiceKeyIfDue } from "./service-keys";

const DAY_MS = 86_400_000;
export const EXPIRY_WARNING_DAYS = 7;

/** Starts a new service key version when the active one is due. */
export async function rotateServiceKeyJob(db: Database, now = new Date()) {
  return rotateServiceKeyIfDue(db, now);
}

/**
 * A bounded slice of rewrap work, then retirement of every version nothing needs any more, then
 * local blobs of orgs that now have a tested customer key moved to that key.
 */
export async function rewrapJob(db: Database, now = new Date()): Promise<RewrapResult & { retired: number[]; migrated: number }> {
  const result = await runRewrap(db, { batchSize: 200, maxBatches: 25 });
  const retired = result.done ? await retireDrainedVersions(db, now) : [];
  const migrated = (await migrateToCustomerKeys(db, { batchSize: 200, maxBatches: 10 })).succeeded;
  return { ...result, retired, migrated };
}

/** Deletes the rows of crypto-shredded secrets once their purge time has come. */
export async function purgeDestroyedSecretsJob(db: Database, now = new Date()): Promise<number> {
  const rows = await db
    .delete(vaultSecrets)
    .where(and(isNotNull(vaultSecrets.destroyedAt), isNotNull(vaultSecrets.purgeAfter), lte(vaultSecrets.purgeAfter, now)))
    .returning({ id: vaultSecrets.id });
  return rows.length;
}

/**
 * One `credential.expiring` outbox event per secret and expiry date, from 7 days before it expires
 * (the dedupe key makes every later run a no-op; a rotation with a new expiry warns again).
 */
export async function credentialExpiryJob(db: Database, now = new Date()): Promise<number> {
  const rows = await db
    .select({
      id: vaultSecrets.id,
      orgId: vaultSecrets.orgId,
      type: vaultSecrets.type,
      label: vaultSecrets.label,
      purpose: vaultSecrets.purpose,
      expiresAt: vaultSecrets.expiresAt,
    })
    .from(vaultSecrets)
    .where(
      and(
        isNull(vaultSecrets.destroyedAt),
        isNotNull(vaultSecrets.expiresAt),
        lte(vaultSecrets.expiresAt, new Date(now.getTime() + EXPIRY_WARNING_DAYS * DAY_MS)),
        gt(vaultSecrets.expiresAt, new Date(now.getTime() - DAY_MS)),
      ),
    );
  for (const r of rows) {
    const expiresAt = r.expiresAt!;
    await enqueueEvent(db, {
      orgId: r.orgId,
      type: "credential.expiring",
      payload: {
        secret_id: r.id,
        type: r.type,
        label: r.label,
        purpose: r.purpose,
        expires_at: expiresAt.toISOString(),
        days_left: Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS)),
      },
      dedupeKey: `credential.expiring:${r.id}:${expiresAt.toISOString()}`,
    });
  }
  return rows.length;
}

export interface ScheduledJob {
  name: string;
  everyMs: number;
  run: (db: Database) => Promise<unknown>;
}

export const VAULT_JOBS: ScheduledJob[] = [
  { name: "vault.rotate-service-key", everyMs: 60 * 60_000, run: (db) => rotateServiceKeyJob(db) },
  { name: "vault.rewrap", everyMs: 5 * 60_000, run: (db) => rewrapJob(db) },
  { name: "vault.purge-destroyed", everyMs: 60 * 60_000, run: (db) => purgeDestroyedSecretsJob(db) },
  { name: "vault.credential-expiry", everyMs: 60 * 60_000, run: (db) => credentialExpiryJob(db) },
];
