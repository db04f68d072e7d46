// Where a gateway benchmark's state lives, chosen before any product module reads the environment.
//   DATABASE_URL / REDIS_URL set → used as given (DATABASE_URL should name a fresh database: the vault
//     keys the run stores are wrapped by this process's master key).
//   unset → this machine's own Postgres (postgres@127.0.0.1:5432, a scratch database dropped at the end)
//     and Redis (127.0.0.1:6379) when they answer: production runs on those, so the figures that count
//     are measured on them (bench audit has always done the same);
//   not reachable, or BENCH_EMBEDDED=1 → PGlite in memory and the in-process fallbacks.
// Every benchmark prints `label`, so a figure always says what it was measured on.
import { Socket } from "node:net";

export interface BenchServices {
  /** "Postgres (scratch database …) + Redis 127.0.0.1:6379", "PGlite (in memory), no Redis", … */
  label: string;
  postgres: boolean;
  /** Drops the scratch database (call after closeDatabase()). */
  cleanup(): Promise<void>;
}

const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432";
const LOCAL_REDIS = { host: "127.0.0.1", port: 6379 };
const DEV_MASTER_KEY = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

function listening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("error", () => done(false));
    s.connect(port, host, () => done(true));
  });
}

export async function benchServices(): Promise<BenchServices> {
  process.env.FORTRESS_LOG_LEVEL ??= "silent";
  const embedded = process.env.BENCH_EMBEDDED === "1";
  let cleanup = async () => {};
  let database: string;
  if (process.env.DATABASE_URL) {
    database = "Postgres (DATABASE_URL)";
  } else if (!embedded && (await listening("127.0.0.1", 5432))) {
    const { Client } = await import("pg");
    const name = `fortress_bench_${process.pid}`;
    const admin = new Client({ connectionString: `${LOCAL_POSTGRES}/postgres`, connectionTimeoutMillis: 2000 });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    process.env.DATABASE_URL = `${LOCAL_POSTGRES}/${name}`;
    database = `Postgres 127.0.0.1:5432 (scratch database ${name}, dropped at the end)`;
    cleanup = async () => {
      const c = new Client({ connectionString: `${LOCAL_POSTGRES}/postgres` });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  } else {
    database = "PGlite (in memory; production figures need Postgres: set DATABASE_URL)";
  }
  const postgres = !!process.env.DATABASE_URL;
  if (postgres) process.env.FORTRESS_MASTER_KEY ??= DEV_MASTER_KEY;
  process.env.FORTRESS_DATA_DIR = postgres ? (process.env.FORTRESS_DATA_DIR ?? "memory://") : "memory://";

  if (!process.env.REDIS_URL && !embedded && (await listening(LOCAL_REDIS.host, LOCAL_REDIS.port))) {
    process.env.REDIS_URL = `redis://${LOCAL_REDIS.host}:${LOCAL_REDIS.port}`;
  }
  const redis = process.env.REDIS_URL ? `Redis ${new URL(process.env.REDIS_URL).host}` : "no Redis (in-process fallbacks)";
  return { label: `${database} + ${redis}`, postgres, cleanup };
}
