// Fixed-window counters: the building block for login throttling and policy rate limits.
// With Redis the increment and the expiry are one atomic script, so N instances share one count;
// without Redis a Map in this process does the same for a single instance.
import type Redis from "ioredis";
import { getRedis } from "../redis";

export interface WindowCount {
  count: number;
  /** Epoch ms at which this window ends and the count starts again. */
  resetAt: number;
}

export interface Counter {
  /** Adds `amount` to the window's count and returns the new total. */
  hit(key: string, windowMs: number, amount?: number): Promise<WindowCount>;
  peek(key: string, windowMs: number): Promise<WindowCount>;
  reset(key: string, windowMs: number): Promise<void>;
}

export interface ConsumeItem {
  key: string;
  windowMs: number;
  /** The call is allowed only if every item's count stays ≤ its limit after this one. */
  limit: number;
}

export interface ConsumeResult {
  /** True when every item had room; then each count was incremented. Otherwise nothing was. */
  allowed: boolean;
  /** Index of the first item without room, -1 when allowed. */
  failedIndex: number;
  /** Counts after this call (allowed) or the current counts (refused). */
  counts: number[];
  /** Per item: epoch ms at which its window ends. */
  resetAt: number[];
}

/** Counters that can also check-and-increment several limits at once (policy rate limits). */
export interface LimitCounter extends Counter {
  /**
   * All-or-nothing: increments every item only if each stays within its limit, in one atomic step
   * (one Lua script in Redis; no await in between in process). So N concurrent callers on any number
   * of instances get exactly `limit` successes per window, never limit + 1.
   */
  consume(items: ConsumeItem[], nowMs?: number): Promise<ConsumeResult>;
}

const windowStart = (now: number, windowMs: number) => now - (now % windowMs);

const HIT_SCRIPT = `
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return n`;

// KEYS[i]: window keys; ARGV[2i-1] = limit, ARGV[2i] = ttl ms. Reads all, then increments all.
const CONSUME_SCRIPT = `
local counts = {}
for i = 1, #KEYS do
  local c = tonumber(redis.call('GET', KEYS[i]) or '0')
  counts[i] = c
  if c + 1 > tonumber(ARGV[2 * i - 1]) then
    return {0, i, unpack(counts)}
  end
end
for i = 1, #KEYS do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[2 * i]) end
  counts[i] = n
end
return {1, 0, unpack(counts)}`;

export function redisCounter(redis: Redis, prefix = "fortress:ctr:"): LimitCounter {
  const keyFor = (key: string, windowMs: number, now: number) => `${prefix}${key}:${windowMs}:${windowStart(now, windowMs)}`;
  return {
    async hit(key, windowMs, amount = 1) {
      const now = Date.now();
      const count = Number(await redis.eval(HIT_SCRIPT, 1, keyFor(key, windowMs, now), amount, windowMs + 1000));
      return { count, resetAt: windowStart(now, windowMs) + windowMs };
    },
    async peek(key, windowMs) {
      const now = Date.now();
      const count = Number((await redis.get(keyFor(key, windowMs, now))) ?? 0);
      return { count, resetAt: windowStart(now, windowMs) + windowMs };
    },
    async reset(key, windowMs) {
      await redis.del(keyFor(key, windowMs, Date.now()));
    },
    async consume(items, nowMs = Date.now()) {
      if (items.length === 0) return { allowed: true, failedIndex: -1, counts: [], resetAt: [] };
      const keys = items.map((i) => keyFor(i.key, i.windowMs, nowMs));
      const args = items.flatMap((i) => [i.limit, i.windowMs + 1000]);
      const raw = (await redis.eval(CONSUME_SCRIPT, keys.length, ...keys, ...args)) as number[];
      const allowed = Number(raw[0]) === 1;
      const counts = raw.slice(2).map(Number);
      while (counts.length < items.length) counts.push(0);
      return {
        allowed,
        failedIndex: allowed ? -1 : Number(raw[1]) - 1,
        counts,
        resetAt: items.map((i) => windowStart(nowMs, i.windowMs) + i.windowMs),
      };
    },
  };
}

export function memoryCounter(): LimitCounter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const entry = (key: string, windowMs: number, now = Date.now()) => {
    const id = `${key}:${windowMs}`;
    let e = windows.get(id);
    if (!e || e.resetAt <= now) {
      e = { count: 0, resetAt: windowStart(now, windowMs) + windowMs };
      windows.set(id, e);
      if (windows.size > 100_000) sweep(now);
    }
    return e;
  };
  const sweep = (now: number) => {
    for (const [k, v] of windows) if (v.resetAt <= now) windows.delete(k);
  };
  return {
    async hit(key, windowMs, amount = 1) {
      const e = entry(key, windowMs);
      e.count += amount;
      return { ...e };
    },
    async peek(key, windowMs) {
      return { ...entry(key, windowMs) };
    },
    async reset(key, windowMs) {
      windows.delete(`${key}:${windowMs}`);
    },
    async consume(items, nowMs = Date.now()) {
      // Synchronous from the first read to the last write: atomic within this process.
      const entries = items.map((i) => entry(i.key, i.windowMs, nowMs));
      const failedIndex = entries.findIndex((e, i) => e.count + 1 > items[i].limit);
      if (failedIndex === -1) for (const e of entries) e.count += 1;
      return { allowed: failedIndex === -1, failedIndex, counts: entries.map((e) => e.count), resetAt: entries.map((e) => e.resetAt) };
    },
  };
}

let shared: LimitCounter | undefined;

/** The process's counter: Redis-backed when REDIS_URL is set, in-process otherwise. */
export function counter(): LimitCounter {
  if (!shared) {
    const redis = getRedis();
    shared = redis ? redisCounter(redis) : memoryCounter();
  }
  return shared;
}
