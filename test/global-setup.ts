// Runs once before all test files. With DATABASE_URL (CI: a fresh Postgres database) the schema is
// migrated here, once, so parallel workers never race to migrate. Without it every worker uses its
// own in-memory PGlite (test/setup.ts).
import { openDatabase } from "../db/client";

export default async function setup() {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const handle = await openDatabase({ url, dataDir: "memory://" });
  await handle.migrate();
  await handle.close();
}
