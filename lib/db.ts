// The process-wide database handle, opened from the settings and migrated before first use.
// Held on globalThis so Next.js dev reloads do not open a second PGlite on the same folder
// (two writers on one PGlite folder silently lose data).
import path from "node:path";
import { openDatabase, type Database, type DatabaseHandle } from "@/db/client";
import { env } from "./env";
import { logger } from "./log";

export type { Database, DbOrTx, Tx } from "@/db/client";
export { executeNamed } from "@/db/client";

interface DbState {
  handle?: Promise<DatabaseHandle>;
  /** The handle once opened and migrated (what `handle` resolved to). */
  opened?: DatabaseHandle;
  ready: boolean;
}
const g = globalThis as typeof globalThis & { __fortressDb?: DbState };
const state: DbState = (g.__fortressDb ??= { ready: false });

async function open(): Promise<DatabaseHandle> {
  const e = env();
  const dataDir = e.FORTRESS_DATA_DIR.startsWith("memory://") ? e.FORTRESS_DATA_DIR : path.join(e.FORTRESS_DATA_DIR, "pglite");
  const handle = await openDatabase({
    url: e.DATABASE_URL,
    dataDir,
    onIdleError: (err) => logger().warn({ err }, "database: an idle connection failed; the pool replaces it"),
  });
  await handle.migrate();
  state.ready = true;
  state.opened = handle;
  logger().info({ database: handle.kind }, "database ready, migrations applied");
  return handle;
}

/** Opens (once) and migrates the database. Fails closed: a caller never gets an unmigrated handle. */
export function databaseHandle(): Promise<DatabaseHandle> {
  if (!state.handle) {
    state.handle = open().catch((err) => {
      state.handle = undefined; // let the next request try again rather than caching the failure
      throw err;
    });
  }
  return state.handle;
}

export async function getDb(): Promise<Database> {
  return (await databaseHandle()).db;
}

/** The database when it is already open, without waiting a turn (hot paths); otherwise undefined. */
export function openedDb(): Database | undefined {
  return state.opened?.db;
}

export function migrationsApplied(): boolean {
  return state.ready;
}

export async function closeDatabase(): Promise<void> {
  const handle = state.handle;
  state.handle = undefined;
  state.opened = undefined;
  state.ready = false;
  if (handle) await (await handle).close();
}
