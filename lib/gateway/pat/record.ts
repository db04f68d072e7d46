// What PAT Fortress writes about each request: the admission decision (spend taken from this
// instance's lease, then the audit event), denials (audit event + log row + outbox event), and the
// completed request (settled spend + log row). Traffic Feed events go out after the rows exist.
import { insertRowsAsJson } from "@/db/json-insert";
import { patRequests } from "@/db/schema";
import type { Actor, RequestMeta } from "../../context";
import { getDb } from "../../db";
import { onShutdown } from "../../shutdown";
import { lateAudit } from "../../audit/late";
import { appendAuditEventsFromKnownHeads, chainHeads, type AuditEventInput, type ChainHead } from "../../audit/record";
import type { AuditCompanion } from "../../vault";
import type { Principal } from "../../identity/principal";
import { logger } from "../../log";
import { enqueueEvent } from "../../outbox/enqueue";
import { publishTraffic } from "../../traffic";
import { queueArchiveRetry, type ArchiveResult } from "./archive";
import type { Usage } from "./pricing";
import { LeaseManager, type LeaseManagerOptions, type TakeResult, type Ticket } from "./lease";
import { claimAlert, postgresLeaseStore, settleSpend, type ReserveInput, type SettleResult } from "./spend";

export const actorOf = (p: Principal): Actor => ({ type: p.kind, id: p.id, label: p.label });

export interface RequestFacts {
  requestId: string;
  endpoint: string;
  principal: Principal;
  meta: RequestMeta;
  startedAt: Date;
  model: string | null;
  stream: boolean;
  patKey: { id: string; label: string } | null;
}

/** A lease manager on the process's database (tests run several side by side, as separate "instances"). */
export function newSpendLeases(opts: LeaseManagerOptions = {}): LeaseManager {
  return new LeaseManager(postgresLeaseStore(getDb), {
    onError: (err, what) => logger().warn({ err }, `pat: spend lease ${what} failed`),
    ...opts,
  }).start();
}

const g = globalThis as typeof globalThis & { __fortressSpendLeases?: LeaseManager };
/** This process's spend leases (one instance id per process; on globalThis like the database handle). */
export function spendLeases(): LeaseManager {
  if (!g.__fortressSpendLeases) {
    const leases = newSpendLeases();
    g.__fortressSpendLeases = leases;
    // Unused leases go back at shutdown; otherwise they wait for the sweep.
    onShutdown(() => leases.close());
  }
  return g.__fortressSpendLeases;
}

/**
 * Admission, part 1 (before the key is used): the request's maximum cost, taken from this instance's
 * lease — synchronously when the lease has enough (no promise: nothing to await on the hot path).
 * Keys without a cap reserve nothing (their spend is recorded at settlement).
 */
export function reserve(leases: LeaseManager, reservation: ReserveInput): TakeResult | Promise<TakeResult> {
  return leases.take(reservation, reservation.amountMicros);
}

/**
 * Admission, part 2, for a request that never reached the vault (its key could not be used): the
 * "allow" audit event written on its own. The gateway does not answer the client before it is
 * durable (and refuses if it cannot be written).
 */
export async function auditAdmission(facts: RequestFacts, reservedMicros: number): Promise<void> {
  await journal({ audit: [admissionEvent(facts, reservedMicros)] });
}

export function admissionEvent(facts: RequestFacts, reservedMicros: number): AuditEventInput {
  return {
    orgId: facts.principal.orgId,
    product: "pat",
    actor: actorOf(facts.principal),
    action: `pat.${facts.endpoint}`,
    resourceType: "pat_key",
    resourceId: facts.patKey?.id,
    decision: "allow",
    meta: facts.meta,
    metadata: {
      model: facts.model,
      stream: facts.stream,
      pat_key: facts.patKey?.label ?? null,
      api_key_id: facts.principal.apiKeyId,
      reserved_micros: reservedMicros,
    },
  };
}

/**
 * The admission event of a request and the promise that it is durable. It rides in the vault's commit
 * of the key's use (`companion`), written while the request travels upstream; `settle()`, called once the key was used or could not be, falls
 * back to writing it on its own when the vault never took it.
 */
export function admissionAudit(f: RequestFacts, reservedMicros: number): { audited: Promise<void>; admission: { companion: AuditCompanion; settle: () => void } } {
  const companion: AuditCompanion = {
    event: admissionEvent(f, reservedMicros),
    // A model call changes nothing in the customer's systems: it travels while the events are being
    // written; the client gets nothing before they are durable, and an open upstream body is dropped
    // if they cannot be written.
    alongside: true,
    discard: (res) => (res as { body?: { destroy?: () => void } } | null)?.body?.destroy?.(),
  };
  let link!: (p: Promise<unknown>) => void;
  const audited = new Promise<void>((resolve, reject) => {
    link = (p) => p.then(() => resolve(), reject);
  });
  audited.catch(() => {}); // observed by answer(); never an unhandled rejection
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    link(companion.committed ?? auditAdmission(f, reservedMicros));
  };
  return { audited, admission: { companion, settle } };
}

export interface DenialEvent {
  type: "pat.model_blocked" | "pat.spend_cap_reached";
  dedupeKey?: string;
  payload: Record<string, unknown>;
}

/** A refusal: audit "deny", a log row, maybe an outbox event — durable before the 403 is sent. */
export async function recordDenial(facts: RequestFacts, status: number, reason: string, event?: DenialEvent): Promise<void> {
  const latencyMs = Math.round(Date.now() - facts.startedAt.getTime());
  await journal({
    audit: [
      {
        orgId: facts.principal.orgId,
        product: "pat",
        actor: actorOf(facts.principal),
        action: `pat.${facts.endpoint}`,
        resourceType: facts.patKey ? "pat_key" : undefined,
        resourceId: facts.patKey?.id,
        decision: "deny",
        reason,
        latencyMs,
        meta: facts.meta,
        metadata: { model: facts.model, stream: facts.stream, pat_key: facts.patKey?.label ?? null, api_key_id: facts.principal.apiKeyId, status },
      },
    ],
    row: rowValues(facts, { status, decision: "deny", reason, latencyMs }),
    outbox: event ? [{ orgId: facts.principal.orgId, type: event.type, payload: event.payload, dedupeKey: event.dedupeKey }] : [],
  });
  publishTraffic({
    orgId: facts.principal.orgId,
    at: facts.startedAt.toISOString(),
    product: "pat",
    requestId: facts.requestId,
    target: facts.model ?? facts.endpoint,
    principal: { kind: facts.principal.kind, id: facts.principal.id, label: facts.principal.label },
    decision: "deny",
    reason,
    latencyMs,
    patKeyLabel: facts.patKey?.label,
  });
}

export interface Outcome {
  status: number;
  decision: "allow" | "error";
  reason?: string;
  latencyMs: number;
  ttftMs: number | null;
  usage: Usage;
  costMicros: number;
  reservedMicros: number;
  priceVersion: string;
  upstreamRequestId: string | null;
  archive: ArchiveResult;
}

type RowValues = typeof patRequests.$inferInsert;

function rowValues(
  facts: RequestFacts,
  o: Partial<Omit<Outcome, "decision">> & { status: number; decision: "allow" | "deny" | "error"; latencyMs: number },
): RowValues {
  return {
    id: facts.requestId,
    orgId: facts.principal.orgId,
    createdAt: facts.startedAt,
    endpoint: facts.endpoint,
    principalKind: facts.principal.kind,
    principalId: facts.principal.id,
    principalLabel: facts.principal.label,
    apiKeyId: facts.principal.apiKeyId,
    patKeyId: facts.patKey?.id ?? null,
    patKeyLabel: facts.patKey?.label ?? null,
    model: facts.model,
    stream: facts.stream,
    clientIp: facts.meta.clientIp,
    status: o.status,
    decision: o.decision,
    reason: o.reason ?? null,
    latencyMs: o.latencyMs,
    ttftMs: o.ttftMs ?? null,
    inputTokens: o.usage?.inputTokens ?? 0,
    outputTokens: o.usage?.outputTokens ?? 0,
    cacheCreationTokens: o.usage?.cacheCreationTokens ?? 0,
    cacheReadTokens: o.usage?.cacheReadTokens ?? 0,
    costMicros: o.costMicros ?? 0,
    reservedMicros: o.reservedMicros ?? 0,
    priceVersion: o.priceVersion ?? null,
    upstreamRequestId: o.upstreamRequestId ?? null,
    archiveStatus: o.archive?.status === "unsealed" ? "failed" : (o.archive?.status ?? "none"),
    archiveKey: o.archive && "key" in o.archive ? o.archive.key : null,
    archiveSha256: o.archive && "sha256" in o.archive ? o.archive.sha256 : null,
    archiveKeyVersion: o.archive && "keyVersion" in o.archive ? o.archive.keyVersion : null,
    archiveError: o.archive?.status === "failed" ? "write failed; retrying" : o.archive?.status === "unsealed" ? "vault unavailable: the exchange could not be sealed" : null,
  };
}

export interface SpendKey {
  orgId: string;
  patKeyId: string;
  month: string;
  capMicros: number | null;
  alertThresholdPct: number;
  /** The admission's reservation (null before it is taken). */
  ticket: Ticket | null;
}

/** After the response: settle the reservation to the real cost and write the log row, together. */
export async function complete(facts: RequestFacts, outcome: Outcome, spend: SpendKey | null): Promise<void> {
  const plan = spend?.ticket?.planSettlement(outcome.costMicros) ?? { instanceId: null, releaseMicros: 0 };
  const completion: AuditEventInput = {
    orgId: facts.principal.orgId,
    product: "pat",
    actor: actorOf(facts.principal),
    action: `pat.${facts.endpoint}.completed`,
    resourceType: "pat_request",
    resourceId: facts.requestId,
    decision: outcome.decision === "allow" ? "allow" : "info",
    reason: outcome.reason,
    latencyMs: outcome.latencyMs,
    meta: facts.meta,
    metadata: {
      status: outcome.status,
      pat_key_id: facts.patKey?.id ?? null,
      input_tokens: outcome.usage.inputTokens,
      output_tokens: outcome.usage.outputTokens,
      cache_creation_tokens: outcome.usage.cacheCreationTokens,
      cache_read_tokens: outcome.usage.cacheReadTokens,
      cost_micros: outcome.costMicros,
      upstream_request_id: outcome.upstreamRequestId,
      // The archive object's hash goes into the chain with the request it belongs to.
      archive:
        outcome.archive.status === "none" || outcome.archive.status === "unsealed"
          ? null
          : { object_key: outcome.archive.key, sha256: outcome.archive.sha256, stored: outcome.archive.status === "stored" },
    },
  };
  const settledRows = await journal({
    settle: spend ? [{ ...spend, instanceId: plan.instanceId, releaseMicros: plan.releaseMicros, realMicros: outcome.costMicros }] : [],
    row: rowValues(facts, outcome),
    archiveRetry: outcome.archive.status === "failed" ? { orgId: facts.principal.orgId, requestId: facts.requestId, result: outcome.archive } : undefined,
  });
  const s = spend ? settledRows.get(settleKey({ ...spend, instanceId: plan.instanceId })) : undefined;
  spend?.ticket?.settled(plan, s?.leaseFound ?? false);
  // The completion event goes through the gateways' group committer, not the bookkeeping
  // transaction: the next request's admission event goes to the same org chain, and one writer per
  // chain keeps both on the one-statement path (a transaction holding the chain head would make the
  // next admission wait for its commit and then retry on the locking path). The admission event is
  // already durable; should this append fail, it is retried with backoff (lib/audit/late.ts).
  await lateAudit().write(completion);
  const settled = s?.settledMicros ?? 0;
  const db = await getDb();
  const crossedThreshold = !!s && !!spend && spend.capMicros !== null && !s.alertedAt && s.settledMicros * 100 >= spend.capMicros * spend.alertThresholdPct;
  if (crossedThreshold && spend && (await claimAlert(db, spend, "alertedAt"))) {
    await enqueueEvent(db, {
      orgId: spend.orgId,
      type: "pat.spend_alert",
      dedupeKey: `pat.spend_alert:${spend.patKeyId}:${spend.month}`,
      payload: {
        pat_key_id: spend.patKeyId,
        pat_key_label: facts.patKey?.label,
        month: spend.month,
        settled_micros: settled,
        cap_micros: spend.capMicros,
        threshold_pct: spend.alertThresholdPct,
      },
    }).catch((err) => logger().warn({ err }, "pat: could not enqueue spend alert"));
  }
  publishTraffic({
    orgId: facts.principal.orgId,
    at: facts.startedAt.toISOString(),
    product: "pat",
    requestId: facts.requestId,
    target: facts.model ?? facts.endpoint,
    principal: { kind: facts.principal.kind, id: facts.principal.id, label: facts.principal.label },
    decision: outcome.decision,
    reason: outcome.reason,
    latencyMs: outcome.latencyMs,
    inputTokens: outcome.usage.inputTokens,
    outputTokens: outcome.usage.outputTokens,
    costMicros: outcome.costMicros,
    patKeyLabel: facts.patKey?.label,
  });
}

/**
 * A request that never reached completion (upstream unreachable, audit failed…): its reservation goes
 * back to the lease — in memory, no write — or, near the cap, straight back to Postgres.
 */
export async function release(spend: SpendKey): Promise<void> {
  const plan = spend.ticket?.release();
  if (!plan) return;
  const s = await settleSpend(await getDb(), { ...spend, instanceId: plan.instanceId }, plan.releaseMicros, 0, false);
  spend.ticket!.settled(plan, s?.leaseFound ?? false);
}

// ——— group commit ———
// PAT bookkeeping (denials, completions' log rows and settlements, and the admission event of a
// request that never reached the vault) goes through one queue per process. While a transaction is
// being written, new work queues up; the next transaction takes it all: one append per chain for the
// audit events (from the known head when it can), one multi-row insert for the log rows, one upsert
// per key, month and lease for the spend — or, in the steady state (completions of one key and
// nothing else), a single statement. At concurrency 1 a write goes out at once. (Admission,
// key-use and completion events go through the gateways' group committer instead.)

interface SettleOp extends SpendKey {
  instanceId: string | null;
  releaseMicros: number;
  realMicros: number;
}

/** Settlements are summed per key, month and lease; code-point order = Postgres's order of the lease key. */
const settleKey = (op: { patKeyId: string; month: string; instanceId: string | null }) => `${op.patKeyId}|${op.month}|${op.instanceId ?? ""}`;

interface Work {
  audit?: AuditEventInput[];
  row?: RowValues;
  outbox?: Parameters<typeof enqueueEvent>[1][];
  settle?: SettleOp[];
  archiveRetry?: { orgId: string; requestId: string; result: { key: string; sha256: string; blob: Buffer } };
}

interface Pending {
  work: Work;
  resolve: (settled: Map<string, SettleResult>) => void;
  reject: (err: unknown) => void;
}

const MAX_BATCH = 200;
let queue: Pending[] = [];
let flushing = false;

function journal(work: Work): Promise<Map<string, SettleResult>> {
  return new Promise((resolve, reject) => {
    queue.push({ work, resolve, reject });
    if (!flushing) {
      flushing = true;
      queueMicrotask(() => void drain());
    }
  });
}

async function drain(): Promise<void> {
  try {
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      try {
        const settled = await write(batch.map((p) => p.work));
        for (const p of batch) p.resolve(settled);
      } catch (err) {
        if (batch.length === 1) {
          batch[0].reject(err);
          continue;
        }
        // One bad entry must not sink the others: write them one by one.
        for (const p of batch) {
          try {
            p.resolve(await write([p.work]));
          } catch (e) {
            p.reject(e);
          }
        }
      }
    }
  } finally {
    flushing = false;
    if (queue.length > 0) {
      flushing = true;
      queueMicrotask(() => void drain());
    }
  }
}

async function write(works: Work[]): Promise<Map<string, SettleResult>> {
  const db = await getDb();
  // Spend aggregated per key, month and lease, in a fixed order (the order lease renewals lock the
  // rows in too: no deadlocks).
  const sums = new Map<string, SettleOp & { count: number }>();
  for (const w of works) {
    for (const op of w.settle ?? []) {
      const k = settleKey(op);
      const cur = sums.get(k);
      if (cur) {
        cur.releaseMicros += op.releaseMicros;
        cur.realMicros += op.realMicros;
        cur.count++;
      } else sums.set(k, { ...op, count: 1 });
    }
  }
  const ordered = [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const rows = works.flatMap((w) => (w.row ? [w.row] : []));
  const settled = new Map<string, SettleResult>();

  // The steady state — completions of one key (settlement and log rows), nothing else — is one
  // statement: the log rows' INSERT rides as a CTE of the settlement, atomic without BEGIN/COMMIT.
  if (ordered.length <= 1 && works.every((w) => !w.audit?.length && !w.outbox?.length && !w.archiveRetry)) {
    const logRows = rows.length ? insertRowsAsJson(patRequests, rows) : undefined;
    if (ordered.length === 1) {
      const [k, op] = ordered[0];
      const r = await settleSpend(db, op, op.releaseMicros, op.realMicros, op.count, logRows);
      if (r) settled.set(k, r);
    } else if (rows.length) await db.execute(insertRowsAsJson(patRequests, rows));
    return settled;
  }

  const known = chainHeads(db);
  const learned = new Map<string, ChainHead>();
  const result = await db.transaction(async (tx) => {
    for (const [k, op] of ordered) {
      const r = await settleSpend(tx, op, op.releaseMicros, op.realMicros, op.count);
      if (r) settled.set(k, r);
    }
    if (rows.length) await tx.execute(insertRowsAsJson(patRequests, rows));
    for (const w of works) {
      for (const e of w.outbox ?? []) await enqueueEvent(tx, e);
      if (w.archiveRetry) await queueArchiveRetry(tx, w.archiveRetry.orgId, w.archiveRetry.requestId, w.archiveRetry.result);
    }
    // From the heads this process knows (one statement per chain), like the gateways' group commit:
    // the two writers share what they know, so neither keeps sending the other down the locking path.
    await appendAuditEventsFromKnownHeads(tx, works.flatMap((w) => w.audit ?? []), known, learned);
    return settled;
  });
  for (const [chain, head] of learned) known.set(chain, head);
  return result;
}
