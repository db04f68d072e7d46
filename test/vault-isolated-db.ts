// Tests that change process-wide vault state (rotate and retire service keys, swap the master key)
// get a database of their own when the suite runs on a shared Postgres (CI); on PGlite every test
// file already has its own in-memory database.
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { closeDatabase } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { serviceKeyring } from "@/lib/vault/service-keys";

export function isolateDatabase(tag: string): void {
  const shared = process.env.DATABASE_URL;
  if (!shared) return;
  const name = `fortress_${tag}_${process.pid}_${Date.now()}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: shared });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(shared);
    url.pathname = `/${name}`;
    await closeDatabase();
    process.env.DATABASE_URL = url.toString();
    resetEnvForTests();
    serviceKeyring().invalidate();
  });
  afterAll(async () => {
    // The shared URL first: anything that opens the database while this one is being closed (a
    // background write) opens the shared one, not a pool on the database about to be dropped.
    process.env.DATABASE_URL = shared;
    resetEnvForTests();
    await closeDatabase();
    serviceKeyring().invalidate();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}
