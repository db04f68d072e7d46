// The shared Redis connection, when REDIS_URL is set. Everything that uses Redis has an in-process
// equivalent for a single instance with no Redis (the newcomer default).
import Redis from "ioredis";
import { env } from "./env";
import { logger } from "./log";

const g = globalThis as typeof globalThis & { __fortressRedis?: Redis | null };

export function getRedis(): Redis | null {
  if (g.__fortressRedis === undefined) {
    const url = env().REDIS_URL;
    if (!url) {
      g.__fortressRedis = null;
    } else {
      const client = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
      client.on("error", (err) => logger().warn({ err }, "redis connection error"));
      g.__fortressRedis = client;
    }
  }
  return g.__fortressRedis;
}

export async function closeRedis(): Promise<void> {
  const client = g.__fortressRedis;
  g.__fortressRedis = undefined;
  if (client) await client.quit().catch(() => client.disconnect());
}
