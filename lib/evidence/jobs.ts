// The evidence background jobs, started once per process from lib/startup.ts (never in tests: they
// call the jobs' runOnce functions directly). Every job is safe with several instances running it:
// webhook delivery claims rows with SKIP LOCKED, checkpoints are unique per seq, the purge locks the
// chain head, anomaly alerts are deduplicated per window.
import { gte } from "drizzle-orm";
import { auditEvents } from "@/db/schema";
import { detectAnomalies } from "../anomaly/run";
import { checkpointAllHeads } from "../audit/checkpoints";
import { getDb } from "../db";
import { env } from "../env";
import { logger } from "../log";
import { WebhookWorker } from "../webhooks/worker";
import { purgeAllOrgs } from "./retention";

type Job = { name: string; everyMs: number; run: () => Promise<unknown> };

const g = globalThis as typeof globalThis & { __fortressEvidenceJobs?: NodeJS.Timeout[] };

export function evidenceJobs(): Job[] {
  const worker = new WebhookWorker();
  const e = env();
  const jobs: Job[] = [
    { name: "webhook delivery", everyMs: 5_000, run: () => worker.runOnce() },
    { name: "retention purge", everyMs: 3600_000, run: async () => purgeAllOrgs(await getDb()) },
    {
      name: "anomaly detection",
      everyMs: 5 * 60_000,
      run: async () => {
        const db = await getDb();
        const since = new Date(Date.now() - 15 * 60_000);
        const active = await db.selectDistinct({ chain: auditEvents.chain }).from(auditEvents).where(gte(auditEvents.occurredAt, since));
        for (const { chain } of active) if (chain !== "platform") await detectAnomalies(db, chain);
      },
    },
  ];
  if (e.FORTRESS_AUDIT_CHECKPOINT_SECONDS > 0) {
    jobs.push({ name: "audit checkpoints", everyMs: e.FORTRESS_AUDIT_CHECKPOINT_SECONDS * 1000, run: async () => checkpointAllHeads(await getDb()) });
  }
  return jobs;
}

export function startEvidenceJobs(): void {
  const e = env();
  if (e.FORTRESS_JOBS === "off" || e.NODE_ENV === "test" || g.__fortressEvidenceJobs) return;
  g.__fortressEvidenceJobs = evidenceJobs().map((job) => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return; // never overlap with ourselves
      running = true;
      job
        .run()
        .catch((err) => logger().error({ err, job: job.name }, "evidence job failed"))
        .finally(() => (running = false));
    }, job.everyMs);
    timer.unref();
    return timer;
  });
  logger().info({ jobs: evidenceJobs().map((j) => j.name) }, "evidence jobs started");
}

export function stopEvidenceJobs(): void {
  for (const t of g.__fortressEvidenceJobs ?? []) clearInterval(t);
  g.__fortressEvidenceJobs = undefined;
}
