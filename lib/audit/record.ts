// Appends audit events and change-log entries to their org's hash chain.
// Callers pass their open transaction so the entry commits atomically with the change it describes;
// when the write fails, the whole operation fails (fail closed: no unaudited change).
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { auditChainHeads, auditEvents, changeLog } from "@/db/schema";
import { executeNamed, type DbOrTx, type Tx } from "../db";
import type { Actor, RequestMeta } from "../context";
import { chainHash, GENESIS_HASH } from "./chain";

export const PLATFORM_CHAIN = "platform";
export type Stream = "events" | "changes";

export type Product = "console" | "admin_api" | "mcp" | "pat";
export type Decision = "allow" | "deny" | "info";

export interface AuditEventInput {
  orgId: string | null;
  product: Product;
  actor: Actor;
  action: string;
  resourceType?: string;
  resourceId?: string;
  decision: Decision;
  reason?: string;
  latencyMs?: number;
  meta?: Partial<RequestMeta>;
  metadata?: Record<string, unknown>;
  occurredAt?: Date;
}

export interface ChangeInput {
  orgId: string;
  actor: Actor;
  action: "create" | "update" | "delete" | string;
  entityType: string;
  entityId?: string;
  entityLabel?: string;
  before?: unknown;
  after?: unknown;
  meta?: Partial<RequestMeta>;
  occurredAt?: Date;
}

/** Locks the chain head and returns the next seq and the previous hash. Must run inside a transaction. */
async function nextLink(tx: Tx, chain: string, stream: Stream): Promise<{ seq: number; prevHash: string }> {
  await tx.insert(auditChainHeads).values({ chain, stream, seq: 0, hash: GENESIS_HASH }).onConflictDoNothing();
  const [head] = await tx
    .select()
    .from(auditChainHeads)
    .where(and(eq(auditChainHeads.chain, chain), eq(auditChainHeads.stream, stream)))
    .for("update");
  return { seq: head.seq + 1, prevHash: head.hash };
}

async function advanceHead(tx: Tx, chain: string, stream: Stream, seq: number, hash: string) {
  await tx
    .update(auditChainHeads)
    .set({ seq, hash })
    .where(and(eq(auditChainHeads.chain, chain), eq(auditChainHeads.stream, stream)));
}

function inTransaction<T>(db: DbOrTx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  // A nested transaction() on a Tx becomes a savepoint, which is what we want inside a caller's tx.
  return (db as Tx).transaction(fn);
}

/** The fields of an audit event the hash covers, in the form used by both writer and verifier. */
export function eventFields(row: typeof auditEvents.$inferSelect): Record<string, unknown> {
  const { prevHash: _p, hash: _h, ...fields } = row;
  return fields;
}

export function changeFields(row: typeof changeLog.$inferSelect): Record<string, unknown> {
  const { prevHash: _p, hash: _h, ...fields } = row;
  return fields;
}

export async function recordAuditEvent(db: DbOrTx, input: AuditEventInput): Promise<{ id: string; seq: number }> {
  return inTransaction(db, async (tx) => (await appendAuditEvents(tx, [input]))[0]);
}

export async function recordChange(db: DbOrTx, input: ChangeInput): Promise<{ id: string; seq: number }> {
  return inTransaction(db, async (tx) => {
    const chain = input.orgId;
    const { seq, prevHash } = await nextLink(tx, chain, "changes");
    const row = {
      id: randomUUID(),
      chain,
      seq,
      orgId: input.orgId,
      occurredAt: input.occurredAt ?? new Date(),
      actorType: input.actor.type,
      actorId: input.actor.id,
      actorLabel: input.actor.label,
      action: input.action,
      entityType: input.entityType,
      entityId: input.entityId ?? null,
      entityLabel: input.entityLabel ?? null,
      before: input.before ?? null,
      after: input.after ?? null,
      requestId: input.meta?.requestId ?? null,
    };
    const hash = chainHash(prevHash, row);
    await tx.insert(changeLog).values({ ...row, prevHash, hash });
    await advanceHead(tx, chain, "changes", seq, hash);
    return { id: row.id, seq };
  });
}

/**
 * Group commit: appends several events in one go — one chain-head lock per chain, one multi-row
 * insert, one head update — inside the caller's transaction. Same rows and hashes as calling
 * recordAuditEvent once per event, in order; much less time holding the org's chain lock.
 */
export async function recordAuditEvents(db: DbOrTx, inputs: AuditEventInput[]): Promise<{ id: string; seq: number }[]> {
  if (inputs.length === 0) return [];
  return inTransaction(db, (tx) => appendAuditEvents(tx, inputs));
}

/** A chain's head: the seq and hash of its newest row. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * The heads this process last wrote, per database and chain: where its next one-statement append
 * starts. Shared by every writer of the process (the gateways' group committer, PAT bookkeeping), so
 * they do not keep invalidating each other. Only a guess: the compare-and-set checks it.
 */
const knownHeads = new WeakMap<object, Map<string, ChainHead>>();
export function chainHeads(db: object): Map<string, ChainHead> {
  let heads = knownHeads.get(db);
  if (!heads) {
    heads = new Map();
    knownHeads.set(db, heads);
  }
  return heads;
}

type AuditEventRow = typeof auditEvents.$inferInsert & { prevHash: string; hash: string };

/** The rows that append `inputs` (all of one chain) after `head`, hashed in order, and the new head. */
function linkEvents(chain: string, head: ChainHead, inputs: AuditEventInput[]): { rows: AuditEventRow[]; head: ChainHead } {
  let seq = head.seq + 1;
  let prevHash = head.hash;
  const rows: AuditEventRow[] = [];
  for (const input of inputs) {
    const row = {
      id: randomUUID(),
      chain,
      seq,
      orgId: input.orgId,
      occurredAt: input.occurredAt ?? new Date(),
      product: input.product,
      actorType: input.actor.type,
      actorId: input.actor.id,
      actorLabel: input.actor.label,
      action: input.action,
      resourceType: input.resourceType ?? null,
      resourceId: input.resourceId ?? null,
      decision: input.decision,
      reason: input.reason ?? null,
      latencyMs: input.latencyMs ?? null,
      requestId: input.meta?.requestId ?? null,
      clientIp: input.meta?.clientIp ?? null,
      metadata: input.metadata ?? {},
    };
    const hash = chainHash(prevHash, row);
    rows.push({ ...row, prevHash, hash });
    prevHash = hash;
    seq++;
  }
  return { rows, head: { seq: seq - 1, hash: prevHash } };
}

/**
 * The inputs' positions grouped by chain, chains in one fixed order: every writer locks chain heads
 * in that order, so two batches never wait on each other in a cycle.
 */
function chainsInLockOrder(inputs: AuditEventInput[]): [string, number[]][] {
  const byChain = new Map<string, number[]>();
  inputs.forEach((input, i) => {
    const chain = input.orgId ?? PLATFORM_CHAIN;
    const list = byChain.get(chain);
    if (list) list.push(i);
    else byChain.set(chain, [i]);
  });
  return [...byChain.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * recordAuditEvents for a transaction the caller owns and discards as a whole on failure (group
 * commit): no savepoint, two round trips fewer on the hot path. `heads`, when given, learns each
 * chain's new head (the group committer's fast path starts from it).
 */
export async function appendAuditEvents(tx: Tx, inputs: AuditEventInput[], heads?: Map<string, ChainHead>): Promise<{ id: string; seq: number }[]> {
  const out: { id: string; seq: number }[] = new Array(inputs.length);
  for (const [chain, indexes] of chainsInLockOrder(inputs)) {
    // The head usually exists: lock it directly, create it only when missing (one round trip less).
    const [existing] = await tx
      .select()
      .from(auditChainHeads)
      .where(and(eq(auditChainHeads.chain, chain), eq(auditChainHeads.stream, "events")))
      .for("update");
    const { seq, prevHash } = existing ? { seq: existing.seq + 1, prevHash: existing.hash } : await nextLink(tx, chain, "events");
    const linked = linkEvents(chain, { seq: seq - 1, hash: prevHash }, indexes.map((i) => inputs[i]));
    linked.rows.forEach((row, k) => (out[indexes[k]] = { id: row.id, seq: row.seq }));
    await tx.insert(auditEvents).values(linked.rows);
    await advanceHead(tx, chain, "events", linked.head.seq, linked.head.hash);
    heads?.set(chain, linked.head);
  }
  return out;
}

/**
 * The group committer's fast path: appends `inputs` (all of `chain`) after the head this process
 * last wrote, in ONE statement — one round trip, its own durable commit. The head moves only if it
 * is still where we left it (compare-and-set on seq and hash); if another writer moved it, nothing
 * is written and null is returned: the caller falls back to the locking path, which reads the head.
 */
export async function appendAtKnownHead(
  db: DbOrTx,
  chain: string,
  head: ChainHead,
  inputs: AuditEventInput[],
): Promise<{ written: { id: string; seq: number }[]; head: ChainHead } | null> {
  const linked = linkEvents(chain, head, inputs);
  const records = linked.rows.map((r) => ({
    id: r.id,
    chain: r.chain,
    seq: r.seq,
    org_id: r.orgId,
    occurred_at: (r.occurredAt as Date).toISOString(),
    product: r.product,
    actor_type: r.actorType,
    actor_id: r.actorId,
    actor_label: r.actorLabel,
    action: r.action,
    resource_type: r.resourceType,
    resource_id: r.resourceId,
    decision: r.decision,
    reason: r.reason,
    latency_ms: r.latencyMs,
    request_id: r.requestId,
    client_ip: r.clientIp,
    metadata: r.metadata,
    prev_hash: r.prevHash,
    hash: r.hash,
  }));
  const result = (await executeNamed(db, "fortress_audit_append_at_head", sql`
    WITH head AS (
      UPDATE audit_chain_heads SET seq = ${linked.head.seq}, hash = ${linked.head.hash}
      WHERE chain = ${chain} AND stream = 'events' AND seq = ${head.seq} AND hash = ${head.hash}
      RETURNING 1
    )
    INSERT INTO audit_events (id, chain, seq, org_id, occurred_at, product, actor_type, actor_id, actor_label, action,
      resource_type, resource_id, decision, reason, latency_ms, request_id, client_ip, metadata, prev_hash, hash)
    SELECT r.* FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS r(id uuid, chain text, seq bigint, org_id uuid,
      occurred_at timestamptz, product text, actor_type text, actor_id text, actor_label text, action text,
      resource_type text, resource_id text, decision text, reason text, latency_ms integer, request_id text,
      client_ip text, metadata jsonb, prev_hash text, hash text)
    WHERE EXISTS (SELECT 1 FROM head)
    RETURNING id`)) as unknown as { rows: unknown[] };
  if (result.rows.length !== linked.rows.length) return null;
  return { written: linked.rows.map((r) => ({ id: r.id, seq: r.seq })), head: linked.head };
}

/**
 * appendAuditEvents inside the caller's transaction, trying each chain's known head first (one
 * statement per chain) and locking only the chains whose head moved. The heads written are put in
 * `learned`; the caller records them in `chainHeads` once its transaction has committed.
 */
export async function appendAuditEventsFromKnownHeads(
  tx: Tx,
  inputs: AuditEventInput[],
  known: Map<string, ChainHead>,
  learned: Map<string, ChainHead>,
): Promise<{ id: string; seq: number }[]> {
  const out: { id: string; seq: number }[] = new Array(inputs.length);
  for (const [chain, indexes] of chainsInLockOrder(inputs)) {
    const mine = indexes.map((i) => inputs[i]);
    const head = known.get(chain);
    const done = head ? await appendAtKnownHead(tx, chain, head, mine) : null;
    const written = done ? done.written : await appendAuditEvents(tx, mine, learned);
    if (done) learned.set(chain, done.head);
    written.forEach((w, k) => (out[indexes[k]] = w));
  }
  return out;
}
