// npm run db:migrate – applies pending migrations and exits. The server also migrates at start;
// with the embedded database, run this only while the server is stopped (one process per folder).
import { closeDatabase, databaseHandle } from "../lib/db";

try {
  const handle = await databaseHandle();
  console.error(`migrations applied (${handle.kind})`);
  await closeDatabase();
} catch (err) {
  console.error(`migration failed: ${(err as Error).message}`);
  process.exit(1);
}
