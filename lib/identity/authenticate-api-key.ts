// Identity for the gateways: org API key (x-api-key, or Authorization: Bearer for SDKs that send it)
// → principal. Keys are looked up by SHA-256 and compared in constant time. A lookup is believed for
// at most REVOCATION_WINDOW_MS after it began, which bounds how long a revoked key keeps working on
// any instance without a database read on every call; a key in use is re-read in the background
// once half that window has passed, so steady traffic never waits for the read. last_used_at is
// written at most once a minute per key.
import { and, eq } from "drizzle-orm";
import { apiKeys, memberships, organisations, serviceAccounts, users } from "@/db/schema";
import { getDb } from "../db";
import { FortressError } from "../errors";
import { logger } from "../log";
import { apiKeyHashMatches, hashApiKey, isWellFormedApiKey } from "./api-key-format";
import type { Principal } from "./principal";

export const REVOCATION_WINDOW_MS = 500;
const TOUCH_INTERVAL_MS = 60_000;
const CACHE_LIMIT = 10_000;

interface CacheEntry {
  principal: Principal | null;
  /** When the read that produced it began: the revocation window counts from there. */
  readAt: number;
  refreshing?: boolean;
}
const cache = new Map<string, CacheEntry>();
/** Bumped by forgetCachedApiKeys: a read that began before a revocation is not cached after it. */
let generation = 0;
const lastTouched = new Map<string, number>();

export function extractApiKey(headers: Headers): string | null {
  const direct = headers.get("x-api-key");
  if (direct) return direct.trim();
  const m = /^Bearer\s+(\S+)$/i.exec(headers.get("authorization") ?? "");
  return m ? m[1] : null;
}

async function lookup(hash: string): Promise<Principal | null> {
  const db = await getDb();
  const [row] = await db
    .select({
      key: apiKeys,
      org: organisations,
      email: users.email,
      consoleRole: memberships.consoleRole,
      saName: serviceAccounts.name,
      saDeletedAt: serviceAccounts.deletedAt,
    })
    .from(apiKeys)
    .innerJoin(organisations, eq(organisations.id, apiKeys.orgId))
    .leftJoin(users, eq(users.id, apiKeys.userId))
    .leftJoin(memberships, and(eq(memberships.userId, apiKeys.userId), eq(memberships.orgId, apiKeys.orgId)))
    .leftJoin(serviceAccounts, and(eq(serviceAccounts.id, apiKeys.serviceAccountId), eq(serviceAccounts.orgId, apiKeys.orgId)))
    .where(eq(apiKeys.keyHash, hash))
    .limit(1);
  if (!row || !apiKeyHashMatches(row.key.keyHash, hash) || row.key.revokedAt) return null;
  const base = { orgId: row.org.id, tier: row.org.tier, products: row.org.products, apiKeyId: row.key.id };
  if (row.key.userId) {
    // A removed member's keys stop working: no membership in the key's org, no principal.
    if (!row.consoleRole || !row.email) return null;
    return { ...base, kind: "user", id: row.key.userId, label: row.email, consoleRole: row.consoleRole };
  }
  if (!row.key.serviceAccountId || row.saDeletedAt || !row.saName) return null;
  return { ...base, kind: "service_account", id: row.key.serviceAccountId, label: row.saName, consoleRole: null };
}

function touch(apiKeyId: string, now: number): void {
  const last = lastTouched.get(apiKeyId) ?? 0;
  if (now - last < TOUCH_INTERVAL_MS) return;
  lastTouched.set(apiKeyId, now);
  if (lastTouched.size > CACHE_LIMIT) lastTouched.clear();
  // Off the request path: a slow or failed bookkeeping write must not delay or fail the call.
  void getDb()
    .then((db) => db.update(apiKeys).set({ lastUsedAt: new Date(now) }).where(eq(apiKeys.id, apiKeyId)))
    .catch((err) => logger().warn({ err, apiKeyId }, "could not record API key use"));
}

/**
 * Resolves the caller of a gateway request. Throws FortressError("unauthenticated") for a missing,
 * malformed, unknown or revoked key, and "unavailable" when the database cannot answer (fail closed).
 */
export async function authenticateApiKey(headers: Headers): Promise<Principal> {
  const key = extractApiKey(headers);
  if (!key) throw new FortressError("unauthenticated", "Missing API key: send your org API key in the x-api-key header");
  if (!isWellFormedApiKey(key)) throw new FortressError("unauthenticated", "Invalid API key");
  const hash = hashApiKey(key);
  const now = Date.now();
  let entry = cache.get(hash);
  if (!entry || now - entry.readAt >= REVOCATION_WINDOW_MS) {
    try {
      entry = await read(hash, now);
    } catch (err) {
      throw new FortressError("unavailable", "Identity service unavailable", { cause: err });
    }
  } else if (now - entry.readAt >= REVOCATION_WINDOW_MS / 2 && !entry.refreshing) {
    // Still inside the window: answer from it, and read again for the calls that follow. A failed
    // re-read leaves the entry to expire; the next call then reads (and fails closed) itself.
    const stale = entry;
    stale.refreshing = true;
    read(hash, now).catch((err) => {
      stale.refreshing = false;
      logger().debug({ err }, "API key re-read failed");
    });
  }
  if (!entry.principal) throw new FortressError("unauthenticated", "Invalid API key");
  touch(entry.principal.apiKeyId, now);
  return entry.principal;
}

/** Reads a key and caches the answer, unless the cache was cleared while the read was under way. */
async function read(hash: string, startedAt: number): Promise<CacheEntry> {
  const started = generation;
  const entry: CacheEntry = { principal: await lookup(hash), readAt: startedAt };
  if (started === generation) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(hash, entry);
  }
  return entry;
}

/** Drops this instance's cached lookups (other instances expire theirs within REVOCATION_WINDOW_MS). */
export function forgetCachedApiKeys(): void {
  generation++;
  cache.clear();
}
