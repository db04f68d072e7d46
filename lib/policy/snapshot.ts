// Per-org compiled policy snapshots, cached in this process. A snapshot is dropped when the policy
// bus says the org changed (on every instance), and in any case after a short max-age, so a lost
// message costs at most a few seconds of staleness. Loading failures fail closed ("unavailable"):
// no snapshot, no decision.
import { forgetOrgRowsHere } from "../cache/shared";
import { getDb, type DbOrTx } from "../db";
import { FortressError } from "../errors";
import { logger } from "../log";
import { policyBus, publishPolicyChange, type PolicyBus } from "./bus";
import { bumpPolicyVersion } from "./change";
import { compilePolicy, type CompiledPolicy } from "./engine-bridge";
import { loadPolicySource, loadPolicyVersion } from "./store";
import type { PolicySource } from "./types";

export const SNAPSHOT_MAX_AGE_MS = 5_000;

export interface PolicySnapshot {
  orgId: string;
  version: PolicySource["version"];
  source: PolicySource;
  compiled: CompiledPolicy;
  loadedAt: number;
}

interface Entry {
  generation: number;
  snapshot?: PolicySnapshot;
  loading?: Promise<PolicySnapshot>;
}

export interface SnapshotCacheOptions {
  load: (orgId: string) => Promise<PolicySource>;
  /**
   * Cheap check used when a snapshot passes its max-age: if the stored version is unchanged, the
   * snapshot is kept (no reload, no recompile). Without it, max-age means reload.
   */
  version?: (orgId: string) => Promise<PolicySource["version"]>;
  bus: PolicyBus;
  maxAgeMs?: number;
  now?: () => number;
}

export class SnapshotCache {
  private readonly entries = new Map<string, Entry>();
  private readonly unsubscribe: () => void;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SnapshotCacheOptions) {
    this.maxAgeMs = options.maxAgeMs ?? SNAPSHOT_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
    this.unsubscribe = options.bus.subscribe((orgId) => this.invalidate(orgId));
  }

  private entry(orgId: string): Entry {
    let e = this.entries.get(orgId);
    if (!e) {
      e = { generation: 0 };
      this.entries.set(orgId, e);
    }
    return e;
  }

  /** Drops the org's snapshot; a load already under way will not be cached. */
  invalidate(orgId: string): void {
    const e = this.entry(orgId);
    e.generation++;
    e.snapshot = undefined;
    e.loading = undefined;
  }

  async get(orgId: string): Promise<PolicySnapshot> {
    const e = this.entry(orgId);
    if (e.snapshot && this.now() - e.snapshot.loadedAt < this.maxAgeMs) return e.snapshot;
    if (!e.loading) {
      const generation = e.generation;
      const loading = this.load(orgId, e.snapshot).then(
        (snapshot) => {
          // Cached only if nothing changed while we were reading; the caller gets it either way.
          if (e.generation === generation) e.snapshot = snapshot;
          if (e.loading === loading) e.loading = undefined;
          return snapshot;
        },
        (err) => {
          if (e.loading === loading) e.loading = undefined;
          throw err;
        },
      );
      e.loading = loading;
    }
    return e.loading;
  }

  private async load(orgId: string, previous?: PolicySnapshot): Promise<PolicySnapshot> {
    try {
      if (previous && this.options.version) {
        // Max-age passed without a change message: usually nothing changed, and one row says so.
        const version = await this.options.version(orgId);
        if (version === previous.version) return { ...previous, loadedAt: this.now() };
      }
      const source = await this.options.load(orgId);
      return { orgId, version: source.version, source, compiled: compilePolicy(source), loadedAt: this.now() };
    } catch (err) {
      logger().error({ err, orgId }, "policy snapshot could not be loaded; refusing (fail closed)");
      throw new FortressError("unavailable", "The policy store is temporarily unavailable", { cause: err });
    }
  }

  close(): void {
    this.unsubscribe();
    this.entries.clear();
  }
}

const g = globalThis as typeof globalThis & { __fortressPolicySnapshots?: SnapshotCache };

/** The process's snapshot cache, fed from the database and the process's policy bus. */
export function policySnapshots(): SnapshotCache {
  g.__fortressPolicySnapshots ??= new SnapshotCache({
    load: async (orgId) => loadPolicySource(await getDb(), orgId),
    version: async (orgId) => loadPolicyVersion(await getDb(), orgId),
    bus: policyBus(),
  });
  return g.__fortressPolicySnapshots;
}

export function resetPolicySnapshotsForTests(): void {
  g.__fortressPolicySnapshots?.close();
  g.__fortressPolicySnapshots = undefined;
}

export const getPolicySnapshot = (orgId: string) => policySnapshots().get(orgId);

/**
 * For other modules whose changes the policy depends on (connectors, connector actions, PAT keys):
 * call after your transaction commits. Bumps the org's policy version and tells every instance.
 * This instance's hot-path row caches (connectors, vault rows) drop the org first, before the
 * version bump's round trip: a kill switch or a crypto-shred applies here from the commit on.
 */
export async function invalidatePolicy(orgId: string, db?: DbOrTx): Promise<void> {
  forgetOrgRowsHere(orgId);
  try {
    await bumpPolicyVersion(db ?? (await getDb()), orgId);
  } finally {
    await publishPolicyChange(orgId);
  }
}

/** Calls `cb` whenever the org's policy changes on any instance (MCP: notifications/tools/list_changed). */
export function subscribePolicyChanges(orgId: string, cb: () => void): () => void {
  return policyBus().subscribe((changed) => {
    if (changed === orgId) cb();
  });
}
