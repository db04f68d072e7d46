// The rewrap job: moves every blob to the current service key version (and, where the org now has a
// tested customer key, to that key), in batches locked with FOR UPDATE SKIP LOCKED so several
// instances can share the work. Progress (cursor and counters) commits with each batch, so a crash
// loses at most the batch in flight and the next run resumes where the last one stopped.
import { and, asc, eq, gt, isNotNull, lt, ne, sql } from "drizzle-orm";
import { orgKeySettings, vaultRewrapRuns, vaultSecrets } from "@/db/schema";
import { recordAuditEvent } from "../audit/record";
import { announceOrgChange } from "../cache/shared";
import { SYSTEM_ACTOR } from "../context";
import type { Database, Tx } from "../db";
import { logger } from "../log";
import { openVerified, sealWith, verifyStored } from "./envelope";
import type { KeyProvider, KeyProviderKind } from "./key-provider";
import { CONFIG_PURPOSE, orgTierAndSettings, providerForKind, providerFromSettings, storePolicy, type SettingsRow } from "./org-keys";
import { localKeyProvider } from "./providers";
import { activeVersion, serviceKeyring } from "./service-keys";
import { failureMetadata, vaultAudit } from "./vault-audit";
import { asProviderError } from "./envelope";

export interface RewrapOptions {
  batchSize?: number;
  /** Stop after this many batches (the scheduler bounds one tick's work); the next call resumes. */
  maxBatches?: number;
  /** Called inside each batch's transaction before it commits (tests: throwing simulates a crash). */
  beforeCommit?: (batch: number) => void | Promise<void>;
}

export interface RewrapResult {
  runId: string | null;
  targetVersion: number;
  processed: number;
  succeeded: number;
  failed: number;
  done: boolean;
}

type Run = typeof vaultRewrapRuns.$inferSelect;

/** After a batch commits: instances drop their cached copies of the blobs it moved (lib/vault/secret-rows.ts). */
async function announceMoved(orgIds: Iterable<string>): Promise<void> {
  for (const orgId of new Set(orgIds)) await announceOrgChange(orgId);
}

async function currentRun(db: Database, target: number): Promise<Run | null> {
  const [run] = await db
    .select()
    .from(vaultRewrapRuns)
    .where(and(eq(vaultRewrapRuns.status, "running"), eq(vaultRewrapRuns.targetVersion, target)))
    .orderBy(asc(vaultRewrapRuns.startedAt))
    .limit(1);
  if (run) return run;
  const [{ pending }] = await db
    .select({ pending: sql<number>`count(*)` })
    .from(vaultSecrets)
    .where(and(lt(vaultSecrets.keyVersion, target), isNotNull(vaultSecrets.blob)));
  if (Number(pending) === 0) return null;
  const [created] = await db.insert(vaultRewrapRuns).values({ targetVersion: target }).returning();
  return created;
}

/** Per batch: each org's settings and providers are looked up once. */
class OrgProviders {
  private readonly orgs = new Map<string, Promise<{ settings: SettingsRow | null; target: KeyProvider | null }>>();
  constructor(private readonly tx: Tx) {}

  private org(orgId: string) {
    let p = this.orgs.get(orgId);
    if (!p) {
      p = (async () => {
        const { tier, settings } = await orgTierAndSettings(this.tx, orgId);
        const policy = storePolicy(tier, settings);
        const target = policy.allowed && policy.kind ? (policy.kind === "local" ? localKeyProvider() : await providerFromSettings(settings!, this.tx)) : null;
        return { settings, target };
      })();
      this.orgs.set(orgId, p);
    }
    return p;
  }

  async forOpen(orgId: string, kind: KeyProviderKind) {
    return providerForKind((await this.org(orgId)).settings, kind, this.tx);
  }

  /** The provider new blobs get: the tier's choice when it is usable, else the blob's own provider. */
  async forSeal(orgId: string, kind: KeyProviderKind) {
    return (await this.org(orgId)).target ?? (await this.forOpen(orgId, kind));
  }
}

export async function runRewrap(db: Database, opts: RewrapOptions = {}): Promise<RewrapResult> {
  const batchSize = opts.batchSize ?? 200;
  const active = await activeVersion(db);
  const target = active?.version ?? 1;
  await rewrapConfigCredentials(db, target);
  const first = await currentRun(db, target);
  if (!first) return { runId: null, targetVersion: target, processed: 0, succeeded: 0, failed: 0, done: true };
  let run: Run = first;
  let batches = 0;
  for (;;) {
    if (opts.maxBatches !== undefined && batches >= opts.maxBatches) break;
    batches++;
    const runId: string = run.id;
    let moved: string[] = [];
    const outcome: Run | null = await db.transaction(async (tx): Promise<Run | null> => {
      const [fresh] = await tx.select().from(vaultRewrapRuns).where(eq(vaultRewrapRuns.id, runId));
      const conds = [lt(vaultSecrets.keyVersion, target), isNotNull(vaultSecrets.blob)];
      if (fresh.cursor) conds.push(gt(vaultSecrets.id, fresh.cursor));
      const rows = await tx
        .select({ id: vaultSecrets.id, orgId: vaultSecrets.orgId, purpose: vaultSecrets.purpose, blob: vaultSecrets.blob, keyProvider: vaultSecrets.keyProvider })
        .from(vaultSecrets)
        .where(and(...conds))
        .orderBy(asc(vaultSecrets.id))
        .limit(batchSize)
        .for("update", { skipLocked: true });
      if (rows.length === 0) return null;
      const { ok, bad, orgIds } = await resealRows(tx, rows, target);
      moved = orgIds;
      const last = rows[rows.length - 1].id;
      const [updated]: Run[] = await tx
        .update(vaultRewrapRuns)
        .set({
          cursor: sql`CASE WHEN ${vaultRewrapRuns.cursor} IS NULL OR ${vaultRewrapRuns.cursor} < ${last}::uuid THEN ${last}::uuid ELSE ${vaultRewrapRuns.cursor} END`,
          processed: sql`${vaultRewrapRuns.processed} + ${rows.length}`,
          succeeded: sql`${vaultRewrapRuns.succeeded} + ${ok}`,
          failed: sql`${vaultRewrapRuns.failed} + ${bad}`,
          updatedAt: new Date(),
        })
        .where(eq(vaultRewrapRuns.id, runId))
        .returning();
      await opts.beforeCommit?.(batches);
      return updated;
    });
    await announceMoved(moved);
    if (!outcome) {
      const [finished]: Run[] = await db
        .update(vaultRewrapRuns)
        .set({ status: "done", finishedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(vaultRewrapRuns.id, runId), eq(vaultRewrapRuns.status, "running")))
        .returning();
      run = finished ?? run;
      await recordAuditEvent(db, {
        orgId: null,
        product: "admin_api",
        actor: SYSTEM_ACTOR,
        action: "vault.rewrap.completed",
        decision: run.failed > 0 ? "deny" : "info",
        metadata: { run_id: run.id, target_version: target, processed: run.processed, succeeded: run.succeeded, failed: run.failed },
      });
      logger().info({ runId: run.id, target, processed: run.processed, failed: run.failed }, "vault rewrap run finished");
      return { runId: run.id, targetVersion: target, processed: run.processed, succeeded: run.succeeded, failed: run.failed, done: true };
    }
    run = outcome;
  }
  return { runId: run.id, targetVersion: target, processed: run.processed, succeeded: run.succeeded, failed: run.failed, done: false };
}

type RowToMove = { id: string; orgId: string; purpose: string; blob: Buffer | null };

/** Opens each row's blob and reseals it under `target` with the org's current provider; one UPDATE. */
async function resealRows(tx: Tx, rows: RowToMove[], target: number): Promise<{ ok: number; bad: number; orgIds: string[] }> {
  const keyring = serviceKeyring();
  const providers = new OrgProviders(tx);
  let ok = 0;
  let bad = 0;
  const moved: { id: string; orgId: string; blob: Buffer; keyVersion: number; kind: KeyProviderKind }[] = [];
  for (const row of rows) {
    const binding = { orgId: row.orgId, objectId: row.id, purpose: row.purpose };
    let plaintext: Buffer | undefined;
    try {
      const parsed = await verifyStored(row.blob!, binding, keyring, tx);
      plaintext = await openVerified(parsed, binding, await providers.forOpen(row.orgId, parsed.providerKind));
      const sealed = await sealWith(await providers.forSeal(row.orgId, parsed.providerKind), keyring, binding, plaintext, { version: target, db: tx });
      moved.push({ id: row.id, orgId: row.orgId, blob: sealed.blob, keyVersion: sealed.keyVersion, kind: sealed.providerKind });
      ok++;
    } catch (err) {
      bad++;
      const pe = asProviderError(err);
      await vaultAudit(tx, {
        orgId: row.orgId,
        secretId: row.id,
        actor: SYSTEM_ACTOR,
        purpose: row.purpose,
        action: "vault.secret.rewrap_failed",
        decision: "deny",
        reason: pe.message,
        metadata: { ...failureMetadata(pe), target_version: target },
      });
    } finally {
      plaintext?.fill(0);
    }
  }
  if (moved.length) {
    // One statement per batch, not one per row.
    const values = sql.join(
      moved.map((m) => sql`(${m.id}::uuid, ${m.blob}::bytea, ${m.keyVersion}::int, ${m.kind}::text)`),
      sql`, `,
    );
    await tx.execute(
      sql`UPDATE vault_secrets AS s SET blob = v.blob, key_version = v.kv, key_provider = v.kind FROM (VALUES ${values}) AS v(id, blob, kv, kind) WHERE s.id = v.id`,
    );
  }
  return { ok, bad, orgIds: moved.map((m) => m.orgId) };
}

/**
 * Moves blobs still sealed by the local key of orgs that now have a tested customer key (a SOHO org
 * that became Bank) to that key, so only the customer's key opens them. Bounded per call; a row that
 * fails is skipped (cursor) and audited, and retried at the next call.
 */
export async function migrateToCustomerKeys(db: Database, opts: { batchSize?: number; maxBatches?: number } = {}): Promise<{ processed: number; succeeded: number; failed: number }> {
  const batchSize = opts.batchSize ?? 200;
  const active = await activeVersion(db);
  const target = active?.version ?? 1;
  let cursor: string | null = null;
  const total = { processed: 0, succeeded: 0, failed: 0 };
  for (let batch = 0; opts.maxBatches === undefined || batch < opts.maxBatches; batch++) {
    const from: string | null = cursor;
    const result: { n: number; ok: number; bad: number; last: string; orgIds: string[] } | null = await db.transaction(async (tx) => {
      const conds = [
        isNotNull(vaultSecrets.blob),
        eq(vaultSecrets.keyProvider, "local"),
        ne(orgKeySettings.providerKind, "local"),
        eq(orgKeySettings.testOk, true),
        eq(orgKeySettings.testedConfigVersion, orgKeySettings.configVersion),
      ];
      if (from) conds.push(gt(vaultSecrets.id, from));
      const rows = await tx
        .select({ id: vaultSecrets.id, orgId: vaultSecrets.orgId, purpose: vaultSecrets.purpose, blob: vaultSecrets.blob })
        .from(vaultSecrets)
        .innerJoin(orgKeySettings, eq(orgKeySettings.orgId, vaultSecrets.orgId))
        .where(and(...conds))
        .orderBy(asc(vaultSecrets.id))
        .limit(batchSize)
        .for("update", { of: vaultSecrets, skipLocked: true });
      if (rows.length === 0) return null;
      const { ok, bad, orgIds } = await resealRows(tx, rows, target);
      return { n: rows.length, ok, bad, last: rows[rows.length - 1].id, orgIds };
    });
    if (!result) break;
    await announceMoved(result.orgIds);
    cursor = result.last;
    total.processed += result.n;
    total.succeeded += result.ok;
    total.failed += result.bad;
  }
  return total;
}

/** Org key configurations carry sealed credentials too; they move forward the same way. */
async function rewrapConfigCredentials(db: Database, target: number): Promise<void> {
  const rows = await db
    .select({ orgId: orgKeySettings.orgId })
    .from(orgKeySettings)
    .where(and(lt(orgKeySettings.credentialsKeyVersion, target), isNotNull(orgKeySettings.sealedCredentials)));
  const keyring = serviceKeyring();
  for (const { orgId } of rows) {
    try {
      let resealed = false;
      await db.transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(orgKeySettings)
          .where(and(eq(orgKeySettings.orgId, orgId), lt(orgKeySettings.credentialsKeyVersion, target)))
          .for("update", { skipLocked: true });
        if (!row?.sealedCredentials) return;
        const binding = { orgId, objectId: orgId, purpose: CONFIG_PURPOSE };
        const parsed = await verifyStored(row.sealedCredentials, binding, keyring, tx);
        const plaintext = await openVerified(parsed, binding, localKeyProvider());
        try {
          const sealed = await sealWith(localKeyProvider(), keyring, binding, plaintext, { version: target, db: tx });
          // updated_at is left alone: the configuration (and its provider cache key) did not change.
          await tx.update(orgKeySettings).set({ sealedCredentials: sealed.blob, credentialsKeyVersion: target }).where(eq(orgKeySettings.orgId, orgId));
          resealed = true;
        } finally {
          plaintext.fill(0);
        }
      });
      // The settings row is cached with the org's secrets (lib/vault/secret-rows.ts).
      if (resealed) await announceOrgChange(orgId);
    } catch (err) {
      logger().error({ err: asProviderError(err), orgId }, "vault rewrap: could not reseal a key provider configuration");
    }
  }
}
