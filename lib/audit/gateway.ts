// Fail-closed audit for governed requests (MCP and PAT gateways). A gateway awaits
//     await auditGovernedRequest({ orgId, product, actor, action, decision, … , traffic })
// before it answers; if the event cannot be made durable the call throws
// FortressError("unavailable") and the gateway must refuse the request (its own error format).
//
// Group commit: concurrent appends to one org's chain are batched into ONE durable write, so the
// durability wait is shared instead of serialised behind the chain-head lock. No timer: a batch
// starts as soon as the previous one of that chain is done, holding everything that queued meanwhile.
// A failing batch is retried row by row, so one bad event cannot refuse its neighbours.
//
// Fast path: the committer remembers the head it last wrote for each chain and appends the next
// batch with ONE statement (compare-and-set on the head, multi-row insert; its own fsync'd commit):
// one round trip instead of five (begin, lock head, insert, move head, commit). If any other writer
// moved the head meanwhile, that statement writes nothing and the batch takes the locking path,
// which re-reads the head. Batches holding a denial take the locking path too: their webhook event
// is enqueued in the same transaction.
import { PgTransaction } from "drizzle-orm/pg-core";
import { getDb, openedDb, type Database, type DbOrTx, type Tx } from "../db";
import { FortressError } from "../errors";
import { logger } from "../log";
import { enqueueEvent } from "../outbox/enqueue";
import { publishTraffic, type TrafficEvent } from "../traffic";
import { appendAtKnownHead, appendAuditEvents, chainHeads, PLATFORM_CHAIN, recordAuditEvent, type AuditEventInput, type ChainHead } from "./record";

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
  /** Batches written by the one-statement fast path. */
  fastBatches: number;
}

export class AuditGroupCommitter {
  private queues = new Map<string, Waiter[]>();
  private busy = new Set<string>();
  readonly stats: GroupCommitStats = { events: 0, batches: 0, largestBatch: 0, failures: 0, fastBatches: 0 };

  constructor(
    private readonly db: () => Promise<Database> = getDb,
    private readonly maxBatch = 500,
    /** The database without waiting a turn, when it is open: the batch's statement then leaves in
     *  the same turn as its events were appended, before the work the caller starts next. */
    private readonly dbNow: () => Database | undefined = () => undefined,
  ) {}

  append(input: AuditEventInput): Promise<{ id: string; seq: number }> {
    const chain = input.orgId ?? PLATFORM_CHAIN;
    return new Promise((resolve, reject) => {
      const q = this.queues.get(chain) ?? [];
      q.push({ input, resolve, reject });
      this.queues.set(chain, q);
      // Started on the next microtask, not now: events appended back to back in one synchronous
      // stretch (a request's decision and its credential use) land in the same commit.
      if (!this.busy.has(chain)) {
        this.busy.add(chain);
        queueMicrotask(() => void this.drain(chain));
      }
    });
  }

  private async drain(chain: string): Promise<void> {
    this.busy.add(chain);
    try {
      for (;;) {
        const q = this.queues.get(chain);
        if (!q || q.length === 0) break;
        const batch = q.splice(0, this.maxBatch);
        await this.commit(chain, batch);
      }
    } finally {
      this.busy.delete(chain);
      if (this.queues.get(chain)?.length) void this.drain(chain);
      else this.queues.delete(chain);
    }
  }

  private async commit(chain: string, batch: Waiter[]): Promise<void> {
    this.stats.batches++;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    let db: Database;
    try {
      db = this.dbNow() ?? (await this.db());
    } catch (err) {
      this.stats.failures += batch.length;
      for (const w of batch) w.reject(err);
      return;
    }
    const known = chainHeads(db);
    const head = known.get(chain);
    if (head && !batch.some((w) => isGovernedDenial(w.input))) {
      known.delete(chain); // re-learned from whichever write succeeds next
      try {
        const done = await appendAtKnownHead(db, chain, head, batch.map((w) => w.input));
        if (done) {
          known.set(chain, done.head);
          this.stats.events += batch.length;
          this.stats.fastBatches++;
          batch.forEach((w, i) => w.resolve(done.written[i]));
          return;
        }
      } catch {
        // Fall through: the locking path either writes the batch or reports the failure.
      }
    }
    const heads = new Map<string, ChainHead>();
    try {
      const ids = await db.transaction(async (tx) => {
        const written = await appendAuditEvents(tx, batch.map((w) => w.input), heads);
        await enqueueDenials(tx, batch.map((w) => w.input), written);
        return written;
      });
      const learned = heads.get(chain);
      if (learned) known.set(chain, learned);
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
        w.resolve(
          await db.transaction(async (tx) => {
            const written = await recordAuditEvent(tx, w.input);
            await enqueueDenials(tx, [w.input], [written]);
            return written;
          }),
        );
        this.stats.events++;
      } catch (err) {
        this.stats.failures++;
        w.reject(err);
      }
    }
  }
}

const isGovernedDenial = (e: AuditEventInput): boolean => e.decision === "deny" && !!e.orgId && (e.product === "mcp" || e.product === "pat");

/** A denied governed request is also a `request.denied` webhook event, in the same transaction. */
async function enqueueDenials(tx: Tx, inputs: AuditEventInput[], written: { id: string; seq: number }[]): Promise<void> {
  for (let i = 0; i < inputs.length; i++) {
    const e = inputs[i];
    if (!isGovernedDenial(e) || !e.orgId) continue;
    await enqueueEvent(tx, {
      orgId: e.orgId,
      type: "request.denied",
      payload: {
        product: e.product,
        action: e.action,
        resource: e.resourceId ? { type: e.resourceType ?? null, id: e.resourceId } : null,
        principal: { type: e.actor.type, id: e.actor.id, label: e.actor.label },
        reason: e.reason ?? null,
        request_id: e.meta?.requestId ?? null,
        audit_event_id: written[i].id,
        at: (e.occurredAt ?? new Date()).toISOString(),
      },
      dedupeKey: `request.denied:${written[i].id}`,
    });
  }
}

const g = globalThis as typeof globalThis & { __fortressAuditCommitter?: AuditGroupCommitter; __fortressAuditCommitters?: WeakMap<object, AuditGroupCommitter> };
export function auditCommitter(): AuditGroupCommitter {
  g.__fortressAuditCommitter ??= new AuditGroupCommitter(getDb, 500, openedDb);
  return g.__fortressAuditCommitter;
}

/**
 * Drop-in for `recordAuditEvent(db, input)` on a gateway's hot path (same signature): on the root
 * database handle it goes through group commit (and raises request.denied for denials); inside a
 * caller's transaction it appends there, as recordAuditEvent does. Failures throw "unavailable".
 */
export async function recordGovernedAuditEvent(db: DbOrTx, input: AuditEventInput): Promise<{ id: string; seq: number }> {
  if (db instanceof PgTransaction) {
    const written = await recordAuditEvent(db, input);
    await enqueueDenials(db as Tx, [input], [written]);
    return written;
  }
  const map = (g.__fortressAuditCommitters ??= new WeakMap());
  let committer = map.get(db);
  if (!committer) {
    const root = db as Database;
    committer = new AuditGroupCommitter(async () => root);
    map.set(db, committer);
  }
  return auditGovernedRequest({ ...input, product: input.product as "mcp" | "pat" }, committer);
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
