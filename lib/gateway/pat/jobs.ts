// PAT Fortress background work, run by lib/scheduler.ts in every instance (each job is idempotent and
// safe on several instances: SKIP LOCKED / conditional updates).
import type { Job } from "../../scheduler";
import { sweepRotatedPatKeys } from "../../pat-keys/pat-keys";
import { processArchiveRetries } from "./archive";
import { sweepStaleLeases } from "./spend";

export const PAT_JOBS: Job[] = [
  // Archive objects whose write failed (bucket down…), retried with backoff from the outbox.
  { name: "pat.archive.retry", everyMs: 15_000, run: () => processArchiveRetries() },
  // ROTATED keys whose 48-hour overlap ended: revoked, their Anthropic key crypto-shredded.
  { name: "pat.rotation.sweep", everyMs: 60_000, run: (db) => sweepRotatedPatKeys(db, new Date()) },
  // Spend leases of instances that stopped renewing them (crash, kill -9) go back to their month.
  { name: "pat.spend.lease.sweep", everyMs: 15_000, run: (db) => sweepStaleLeases(db) },
];
