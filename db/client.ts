// Opens the database: real Postgres through a node-postgres pool when a URL is given, otherwise
// embedded Postgres (PGlite) in a data folder. Same schema, same migrations, same queries.
// This module sits at the bottom: it takes its settings as arguments and imports nothing above it.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { HOT_CONNECTION_NAME, HotConnection } from "./hot-connection";
import * as schema from "./schema";

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle: same query API as Database. */
export type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type DbOrTx = Database | Tx;

/**
 * `db.execute(query)` for a hot statement whose text never changes, prepared once per connection
 * under `name` (a node-postgres named statement), so Postgres skips parsing and planning it on every
 * call — for a wide INSERT … SELECT that is most of its server time. PGlite runs it as usual.
 * The text must be the same on every call: node-postgres refuses a name reused for another text.
 * (Behind PgBouncer in transaction mode this needs PgBouncer ≥ 1.21 with max_prepared_statements.)
 * On a Postgres database's root handle (not inside a transaction) it goes out on the database's hot
 * connection when that is free (hot-connection.ts): on the socket at once.
 */
export function executeNamed(db: DbOrTx, name: string, query: SQL): Promise<unknown> {
  // drizzle's session API (what db.execute itself calls), given a statement name.
  const inner = db as unknown as {
    dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } };
    session: { prepareQuery(q: { sql: string; params: unknown[] }, fields: undefined, name: string, arrayMode: boolean): { execute(): Promise<unknown> } };
  };
  const compiled = inner.dialect.sqlToQuery(query);
  const direct = hotConnections.get(db)?.tryQuery({ name, text: compiled.sql, values: compiled.params });
  return direct ?? inner.session.prepareQuery(compiled, undefined, name, false).execute();
}

const hotConnections = new WeakMap<object, HotConnection>();

export interface DatabaseHandle {
  db: Database;
  kind: "postgres" | "pglite";
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url?: string;
  /** PGlite data folder; "memory://" keeps everything in memory (tests). */
  dataDir: string;
  migrationsFolder?: string;
  poolSize?: number;
  /** An idle pooled connection failed (the server restarted or ended it); the pool replaces it. */
  onIdleError?: (err: Error) => void;
}

const defaultMigrationsFolder = () => path.join(process.cwd(), "drizzle");

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const migrationsFolder = options.migrationsFolder ?? defaultMigrationsFolder();
  if (options.url) {
    const { Client, Pool } = await import("pg");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    const url = options.url;
    const pool = new Pool({ connectionString: url, max: options.poolSize ?? 10 });
    // Without a listener, an idle connection that the server ends (a restart, pg_terminate_backend,
    // a dropped database) is an uncaught error that stops the process. The pool drops that
    // connection and opens another on the next query, so it is only worth a log line.
    pool.on("error", (err) => options.onIdleError?.(err));
    const db = drizzle({ client: pool, schema });
    const hot = new HotConnection(async () => {
      // Named, so an operator can tell it apart in pg_stat_activity.
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000, application_name: HOT_CONNECTION_NAME });
      await client.connect();
      return client;
    });
    hotConnections.set(db, hot);
    return {
      db: db as unknown as Database,
      kind: "postgres",
      migrate: () => migrate(db, { migrationsFolder }),
      close: async () => {
        await hot.close();
        // pool.end() resolves once its connections are told to end, not once they have: wait for
        // each one's "remove", so nothing of this pool is still open when close() returns.
        // (Bounded: a connection that failed while opening is never "removed".)
        let open = pool.totalCount;
        const ended = new Promise<void>((resolve) => {
          if (open === 0) return resolve();
          pool.on("remove", () => --open <= 0 && resolve());
          setTimeout(resolve, 5_000).unref();
        });
        await pool.end();
        await ended;
      },
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const dataDir = options.dataDir;
  // PGlite's own mkdir is not recursive.
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir);
  await client.waitReady;
  const db = drizzle({ client, schema });
  return {
    db: db as unknown as Database,
    kind: "pglite",
    migrate: () => migrate(db, { migrationsFolder }),
    close: () => client.close(),
  };
}
