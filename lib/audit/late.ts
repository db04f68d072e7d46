// Audit events written after their request was answered — a PAT request's completion (tokens, cost,
// archive hash). Such a request can no longer be refused, so when the append fails (the database
// went away between the answer and the bookkeeping) the event is kept and appended again with
// exponential backoff instead of being dropped. What is kept is bounded (memory is the only place it
// can wait: the database is what failed); past the bound, or after the last attempt, the event is
// logged in full at error level — the log is then the only record, and says so.
import { logger } from "../log";
import { onShutdown } from "../shutdown";
import { auditCommitter } from "./gateway";
import type { AuditEventInput } from "./record";

export interface LateAuditOptions {
  /** Events waiting for a retry at most; more are logged and dropped. */
  maxPending?: number;
  /** First retry after this long; each further one waits twice as long, up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Appends tried per event, the first one included. */
  maxAttempts?: number;
}

export class LateAuditQueue {
  readonly stats = { retried: 0, recovered: 0, dropped: 0 };
  private readonly pending = new Set<{ event: AuditEventInput; timer: NodeJS.Timeout }>();
  private readonly maxPending: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly append: (event: AuditEventInput) => Promise<unknown>,
    options: LateAuditOptions = {},
  ) {
    this.maxPending = options.maxPending ?? 10_000;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 10;
  }

  get waiting(): number {
    return this.pending.size;
  }

  /** Appends `event`; resolves once it is durable or waiting for a retry. Never throws. */
  async write(event: AuditEventInput): Promise<void> {
    try {
      await this.append(event);
    } catch (err) {
      this.later(event, 1, err);
    }
  }

  /** One last attempt for everything still waiting (at shutdown); what fails then is logged. */
  async flush(): Promise<void> {
    const waiting = [...this.pending];
    this.pending.clear();
    await Promise.all(
      waiting.map(async (p) => {
        clearTimeout(p.timer);
        try {
          await this.append(p.event);
          this.stats.recovered++;
        } catch (err) {
          this.drop(p.event, err, "the process stopped before it could be written");
        }
      }),
    );
  }

  private later(event: AuditEventInput, attempts: number, err: unknown): void {
    if (attempts >= this.maxAttempts) return this.drop(event, err, `${attempts} attempts failed`);
    if (this.pending.size >= this.maxPending) return this.drop(event, err, "too many events are already waiting");
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempts - 1));
    const entry = {
      event,
      timer: setTimeout(() => {
        this.pending.delete(entry);
        this.stats.retried++;
        this.append(event).then(
          () => {
            this.stats.recovered++;
            logger().info({ requestId: event.meta?.requestId, action: event.action, attempts: attempts + 1 }, "late audit event written after a retry");
          },
          (e: unknown) => this.later(event, attempts + 1, e),
        );
      }, delay),
    };
    entry.timer.unref();
    this.pending.add(entry);
    if (attempts === 1) logger().warn({ err, requestId: event.meta?.requestId, action: event.action }, "late audit event could not be written; retrying");
  }

  private drop(event: AuditEventInput, err: unknown, why: string): void {
    this.stats.dropped++;
    // Metadata only, as in the audit trail itself (never a request or response body).
    logger().error({ err, why, event }, "late audit event lost: this log line is its only record");
  }
}

const g = globalThis as typeof globalThis & { __fortressLateAudit?: LateAuditQueue };

/** The process's queue, appending through the gateways' group committer; flushed at shutdown. */
export function lateAudit(): LateAuditQueue {
  if (!g.__fortressLateAudit) {
    const queue = new LateAuditQueue((event) => auditCommitter().append(event));
    onShutdown(() => queue.flush());
    g.__fortressLateAudit = queue;
  }
  return g.__fortressLateAudit;
}
