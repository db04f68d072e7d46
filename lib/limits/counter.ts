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

const windowStart = (now: number, windowMs: number) => now - (now % windowMs);

const HIT_SCRIPT = `
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return n`;

export function redisCounter(redis: Redis, prefix = "fortress:ctr:"): Counter {
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
  };
}

export function memoryCounter(): Counter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const entry = (key: string, windowMs: number) => {
    const now = Date.now();
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
  };
}

let shared: Counter | undefined;

/** The process's counter: Redis-backed when REDIS_URL is set, in-process otherwise. */
export function counter(): Counter {
  if (!shared) {
    const redis = getRedis();
    shared = redis ? redisCounter(redis) : memoryCounter();
  }
  return shared;
}
