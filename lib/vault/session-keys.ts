// Session cache of unwrapped data keys (Zero Trust "session-scoped key lifecycle"). An unwrapped key
// lives only in this process's memory, for a bounded TTL, and its bytes are overwritten with zeros
// (buf.fill(0)) when it expires, is evicted, or the cache is cleared. Callers always get a COPY,
// which they zero themselves; the cache owns the buffer the unwrap function returned.
//
// The cache key must bind everything the unwrap depended on (provider, key id, wrapped bytes, AAD),
// otherwise a blob moved to another row could be "unwrapped" from the cache without the provider
// ever checking its context. `sessionCacheKey` builds such a key.
import { createHash } from "node:crypto";

interface Entry {
  key: Buffer;
  expiresAt: number;
  timer: NodeJS.Timeout;
}

/** Upper bound on cached keys; the oldest is evicted (and zeroed) beyond it. */
const MAX_ENTRIES = 10_000;

const entries = new Map<string, Entry>();
const pending = new Map<string, Promise<Buffer>>();
/** Bumped by clear(): an unwrap in flight when the cache was cleared is not stored. */
let generation = 0;

function drop(cacheKey: string): void {
  const entry = entries.get(cacheKey);
  if (!entry) return;
  entries.delete(cacheKey);
  clearTimeout(entry.timer);
  entry.key.fill(0);
}

/** A cache key that binds every input of an unwrap (hash only: no key material in map keys). */
export function sessionCacheKey(...parts: Array<string | Buffer>): string {
  const h = createHash("sha256");
  for (const p of parts) {
    const b = typeof p === "string" ? Buffer.from(p, "utf8") : p;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    h.update(len).update(b);
  }
  return h.digest("hex");
}

/**
 * Returns a fresh copy of the key cached under `cacheKey`, or calls `unwrap` (once, even under
 * concurrent callers), keeps its result for `ttlSeconds` and returns a copy. A TTL of 0 disables
 * caching: the unwrapped buffer is returned as is. The caller zeroes what it gets.
 */
export async function getOrUnwrap(cacheKey: string, ttlSeconds: number, unwrap: () => Promise<Buffer>): Promise<Buffer> {
  if (!(ttlSeconds > 0)) return unwrap();
  const hit = entries.get(cacheKey);
  if (hit && hit.expiresAt > Date.now()) return Buffer.from(hit.key);
  if (hit) drop(cacheKey);

  let inflight = pending.get(cacheKey);
  if (!inflight) {
    const gen = generation;
    inflight = (async () => {
      const key = await unwrap();
      if (gen !== generation) return key; // cleared meanwhile: hand it over without caching
      drop(cacheKey);
      while (entries.size >= MAX_ENTRIES) drop(entries.keys().next().value as string);
      const timer = setTimeout(() => drop(cacheKey), Math.ceil(ttlSeconds * 1000));
      timer.unref?.();
      entries.set(cacheKey, { key, expiresAt: Date.now() + ttlSeconds * 1000, timer });
      return key;
    })().finally(() => pending.delete(cacheKey));
    pending.set(cacheKey, inflight);
    const key = await inflight;
    // The creator of the entry gets a copy too, unless the key was not cached.
    return entries.get(cacheKey)?.key === key ? Buffer.from(key) : key;
  }
  const key = await inflight;
  const cached = entries.get(cacheKey);
  if (cached && cached.key === key) return Buffer.from(key);
  // Not cached (cleared in between): unwrap on our own rather than share a buffer someone may zero.
  return getOrUnwrap(cacheKey, ttlSeconds, unwrap);
}

/** Forgets (and zeroes) one cached key, e.g. when its secret is destroyed or the provider changes. */
export function evict(cacheKey: string): void {
  drop(cacheKey);
}

/** Zeroes and forgets every cached key (provider reconfigured, key revoked, shutdown, tests). */
export function clear(): void {
  generation++;
  for (const k of [...entries.keys()]) drop(k);
}

export function sessionKeyCount(): number {
  return entries.size;
}
