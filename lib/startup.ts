// What the server does once at start, before the first request: open the database and apply
// migrations. If that is impossible the process stops (fail closed, loudly) instead of serving errors.
import { databaseHandle } from "./db";
import { startEvidenceJobs } from "./evidence/jobs";
import { logger } from "./log";

export async function start(): Promise<void> {
  try {
    await databaseHandle();
  } catch (err) {
    logger().fatal({ err }, "cannot open or migrate the database; refusing to start");
    process.exit(1);
  }
  // Webhook delivery, signed audit checkpoints, retention purge, anomaly detection (FORTRESS_JOBS=off to disable).
  startEvidenceJobs();
}
