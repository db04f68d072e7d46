// The process's org-row caches, bound to the policy bus (Redis pub/sub, Postgres LISTEN/NOTIFY or
// in-process: the same message that drops an org's compiled policy drops its cached rows), and the
// one call every writer of cached rows makes after its change commits: announceOrgChange.
import { is } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import type { DbOrTx } from "../db";
import { policyBus, publishPolicyChange, type PolicyBus } from "../policy/bus";
import { OrgRowsCache, type OrgRowsCacheOptions } from "./org-rows";

interface Shared {
  bus: PolicyBus;
  cache: OrgRowsCache<unknown>;
}

const g = globalThis as typeof globalThis & { __fortressOrgRows?: Map<string, Shared>; __fortressOrgRowsMaxAgeMs?: number };
const shared: Map<string, Shared> = (g.__fortressOrgRows ??= new Map());

/**
 * The process-wide cache called `name`. It follows the process's policy bus: when the bus is
 * replaced (tests switch it), the cache is rebuilt on the new one rather than left deaf.
 */
export function sharedOrgRowsCache<V>(name: string, options: Omit<OrgRowsCacheOptions<V>, "changes">): OrgRowsCache<V> {
  const bus = policyBus();
  let s = shared.get(name);
  if (!s || s.bus !== bus) {
    s?.cache.close();
    const maxAgeMs = g.__fortressOrgRowsMaxAgeMs ?? options.maxAgeMs;
    s = { bus, cache: new OrgRowsCache<V>({ ...options, ...(maxAgeMs !== undefined ? { maxAgeMs } : {}), changes: bus }) as OrgRowsCache<unknown> };
    shared.set(name, s);
  }
  return s.cache as OrgRowsCache<V>;
}

/** Drops the org from every cache of this process, now (no message: other instances are not told). */
export function forgetOrgRowsHere(orgId: string): void {
  for (const s of shared.values()) s.cache.invalidate(orgId);
}

export const isTransaction = (db: DbOrTx): boolean => is(db, PgTransaction);

/**
 * After a change to an org's cached rows: this instance forgets them at once and, unless `db` is a
 * transaction still open, every instance is told (the message also drops the org's compiled policy).
 * Inside a caller's transaction a message would go out before the commit, and another instance
 * could re-read and keep the old rows; so there the caller announces after its commit
 * (notifyConnectorsChanged, invalidatePolicy or announceOrgChange without `db`). Never throws: a
 * lost message costs at most the caches' max-age.
 */
export async function announceOrgChange(orgId: string, db?: DbOrTx): Promise<void> {
  forgetOrgRowsHere(orgId);
  if (db && isTransaction(db)) return;
  await publishPolicyChange(orgId).catch(() => {});
}

export function resetOrgRowsCachesForTests(): void {
  for (const s of shared.values()) s.cache.close();
  shared.clear();
}

/**
 * Tests: a max-age so long that only a change message can refresh an entry (proving that the
 * message, not the age, did it); undefined restores the default. Existing caches are rebuilt.
 */
export function setOrgRowsMaxAgeForTests(ms: number | undefined): void {
  g.__fortressOrgRowsMaxAgeMs = ms;
  resetOrgRowsCachesForTests();
}
