// A small in-process interval scheduler for background jobs (vault rotation, rewrap, purge, expiry
// warnings). Every job must be idempotent and safe on several instances (they lock with SKIP LOCKED
// or advisory locks), so each instance simply runs its own scheduler. A run never overlaps itself;
// a failing run is logged and retried at the next tick.
import type { Database } from "./db";
import { logger } from "./log";

export interface Job {
  name: string;
  everyMs: number;
  run: (db: Database) => Promise<unknown>;
}

export interface Scheduler {
  stop(): void;
  /** Runs every job once now (tests, and the first tick after start). */
  runAll(): Promise<void>;
}

export function startScheduler(db: () => Promise<Database>, jobs: Job[], opts: { initialDelayMs?: number } = {}): Scheduler {
  const running = new Set<string>();
  const timers: NodeJS.Timeout[] = [];
  const tick = async (job: Job) => {
    if (running.has(job.name)) return;
    running.add(job.name);
    const started = performance.now();
    try {
      const result = await job.run(await db());
      logger().debug({ job: job.name, ms: Math.round(performance.now() - started), result }, "job finished");
    } catch (err) {
      logger().error({ err, job: job.name }, "job failed; retrying at the next tick");
    } finally {
      running.delete(job.name);
    }
  };
  for (const job of jobs) {
    const first = setTimeout(() => void tick(job), opts.initialDelayMs ?? 30_000);
    first.unref();
    const every = setInterval(() => void tick(job), job.everyMs);
    every.unref();
    timers.push(first, every);
  }
  return {
    stop: () => timers.forEach((t) => clearTimeout(t)),
    runAll: async () => {
      for (const job of jobs) await tick(job);
    },
  };
}
