// The evidence background jobs, run by the shared scheduler (lib/scheduler.ts) from lib/startup.ts
// (never in tests: they call the jobs' functions directly). Every job is safe with several
// instances: webhook delivery claims rows with SKIP LOCKED and leases, checkpoints are unique per
// seq, the purge locks the chain head, anomaly alerts are deduplicated per window.
import { gte } from "drizzle-orm";
import { auditEvents } from "@/db/schema";
import { detectAnomalies } from "../anomaly/run";
import { checkpointAllHeads } from "../audit/checkpoints";
import { env } from "../env";
import type { Job } from "../scheduler";
import { WebhookWorker } from "../webhooks/worker";
import { purgeAllOrgs } from "./retention";

export function evidenceJobs(): Job[] {
  const jobs: Job[] = [
    { name: "webhooks.deliver", everyMs: 5_000, run: (db) => new WebhookWorker({ db }).runOnce() },
    { name: "audit.retention-purge", everyMs: 60 * 60_000, run: (db) => purgeAllOrgs(db) },
    {
      name: "anomaly.detect",
      everyMs: 5 * 60_000,
      run: async (db) => {
        const since = new Date(Date.now() - 15 * 60_000);
        const active = await db.selectDistinct({ chain: auditEvents.chain }).from(auditEvents).where(gte(auditEvents.occurredAt, since));
        let findings = 0;
        for (const { chain } of active) if (chain !== "platform") findings += (await detectAnomalies(db, chain)).length;
        return { orgs: active.length, findings };
      },
    },
  ];
  const every = env().FORTRESS_AUDIT_CHECKPOINT_SECONDS;
  if (every > 0) jobs.push({ name: "audit.checkpoints", everyMs: every * 1000, run: (db) => checkpointAllHeads(db) });
  return jobs;
}
