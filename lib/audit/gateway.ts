// Fail-closed audit for governed requests (MCP and PAT gateways). A gateway awaits
//     await auditGovernedRequest({ orgId, product, actor, action, decision, … , traffic })
// before it answers; if the event cannot be made durable the call throws
// FortressError("unavailable") and the gateway must refuse the request (its own error format).
//
// Group commit: concurrent appends to one org's chain are batched into ONE transaction (head locked
// once, one multi-row insert, one commit), so the durability wait is shared instead of serialised
// behind the chain-head lock. No timer: a batch starts as soon as the previous one of that chain is
// done, holding everything that queued meanwhile. A failing batch is retried row by row, so one bad
// event cannot refuse its neighbours.
import { getDb, type Database } from "../db";
import { FortressError } from "../errors";
import { logger } from "../log";
import { publishTraffic, type TrafficEvent } from "../traffic";
import { PLATFORM_CHAIN, recordAuditEvent, recordAuditEvents, type AuditEventInput } from "./record";

export interface GovernedAuditInput extends AuditEventInput {
  product: "mcp" | "pat";
  /** Published to the live Traffic Feed once the event is durable. */
  traffic?: TrafficEvent;
}

interface Waiter {
  input: AuditEventInput;
  resolve: (v: { id: string; seq: number }) => void;
  reject: (e: unknown) => void;
}

export interface GroupCommitStats {
  events: number;
  batches: number;
  largestBatch: number;
  failures: number;
}

export class AuditGroupCommitter {
  private queues = new Map<string, Waiter[]>();
  private busy = new Set<string>();
  readonly stats: GroupCommitStats = { events: 0, batches: 0, largestBatch: 0, failures: 0 };

  constructor(
    private readonly db: () => Promise<Database> = getDb,
    private readonly maxBatch = 500,
  ) {}

  append(input: AuditEventInput): Promise<{ id: string; seq: number }> {
    const chain = input.orgId ?? PLATFORM_CHAIN;
    return new Promise((resolve, reject) => {
      const q = this.queues.get(chain) ?? [];
      q.push({ input, resolve, reject });
      this.queues.set(chain, q);
      if (!this.busy.has(chain)) void this.drain(chain);
    });
  }

  private async drain(chain: string): Promise<void> {
    this.busy.add(chain);
    try {
      for (;;) {
        const q = this.queues.get(chain);
        if (!q || q.length === 0) break;
        const batch = q.splice(0, this.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.busy.delete(chain);
      if (this.queues.get(chain)?.length) void this.drain(chain);
      else this.queues.delete(chain);
    }
  }

  private async commit(batch: Waiter[]): Promise<void> {
    this.stats.batches++;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    let db: Database;
    try {
      db = await this.db();
    } catch (err) {
      this.stats.failures += batch.length;
      for (const w of batch) w.reject(err);
      return;
    }
    try {
      const ids = await recordAuditEvents(db, batch.map((w) => w.input));
      this.stats.events += batch.length;
      batch.forEach((w, i) => w.resolve(ids[i]));
      return;
    } catch (err) {
      if (batch.length === 1) {
        this.stats.failures++;
        batch[0].reject(err);
        return;
      }
    }
    for (const w of batch) {
      try {
        w.resolve(await recordAuditEvent(db, w.input));
        this.stats.events++;
      } catch (err) {
        this.stats.failures++;
        w.reject(err);
      }
    }
  }
}

const g = globalThis as typeof globalThis & { __fortressAuditCommitter?: AuditGroupCommitter };
export function auditCommitter(): AuditGroupCommitter {
  g.__fortressAuditCommitter ??= new AuditGroupCommitter();
  return g.__fortressAuditCommitter;
}

/**
 * Makes a governed request's audit event durable (group commit), then publishes it to the Traffic
 * Feed. Throws FortressError("unavailable") when the audit log cannot take it: refuse the request.
 */
export async function auditGovernedRequest(input: GovernedAuditInput, committer: AuditGroupCommitter = auditCommitter()): Promise<{ id: string; seq: number }> {
  const { traffic, ...event } = input;
  let written: { id: string; seq: number };
  try {
    written = await committer.append(event);
  } catch (err) {
    logger().error({ err, orgId: input.orgId, action: input.action, requestId: input.meta?.requestId }, "audit write failed: refusing the request");
    throw new FortressError("unavailable", "The audit log is unavailable, so this request was refused. Try again shortly.", { cause: err });
  }
  if (traffic) publishTraffic(traffic);
  return written;
}
