// What the server does once at start, before the first request: open the database and apply
// migrations. If that is impossible the process stops (fail closed, loudly) instead of serving errors.
import { databaseHandle, getDb } from "./db";
import { env } from "./env";
import { evidenceJobs } from "./evidence/jobs";
import { logger } from "./log";
import { startScheduler } from "./scheduler";
import { VAULT_JOBS } from "./vault/jobs";
import { masterKey } from "./vault/master-key";
import { serviceKeyring } from "./vault/service-keys";

export async function start(): Promise<void> {
  try {
    await databaseHandle();
  } catch (err) {
    logger().fatal({ err }, "cannot open or migrate the database; refusing to start");
    process.exit(1);
  }
  // The vault's master key file is created on first start (mode 0600); a master key that does not open
  // the stored service keys is reported now, and every vault operation refuses until it is fixed.
  try {
    masterKey();
    const keyring = serviceKeyring();
    await keyring.material(await keyring.currentVersion());
  } catch (err) {
    logger().error({ err }, "vault: the master key does not open the service keys; credentials are unavailable");
  }
  // Background jobs: on by default, off under tests (they call the job functions directly).
  const e = env();
  if ((e.FORTRESS_JOBS ?? (e.NODE_ENV === "test" ? "off" : "on")) === "on") {
    startScheduler(getDb, [...VAULT_JOBS, ...evidenceJobs()]);
  }
}
