// Appends audit events and change-log entries to their org's hash chain.
// Callers pass their open transaction so the entry commits atomically with the change it describes;
// when the write fails, the whole operation fails (fail closed: no unaudited change).
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { auditChainHeads, auditEvents, changeLog } from "@/db/schema";
import type { DbOrTx, Tx } from "../db";
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

/**
 * recordAuditEvents for a transaction the caller owns and discards as a whole on failure (group
 * commit): no savepoint, two round trips fewer on the hot path.
 */
export async function appendAuditEvents(tx: Tx, inputs: AuditEventInput[]): Promise<{ id: string; seq: number }[]> {
  const out: { id: string; seq: number }[] = new Array(inputs.length);
  const byChain = new Map<string, number[]>();
  inputs.forEach((input, i) => {
    const chain = input.orgId ?? PLATFORM_CHAIN;
    byChain.set(chain, [...(byChain.get(chain) ?? []), i]);
  });
  // Chains locked in a fixed order, so two batches never wait on each other in a cycle.
  for (const chain of [...byChain.keys()].sort()) {
    // The head usually exists: lock it directly, create it only when missing (one round trip less).
    const [existing] = await tx
      .select()
      .from(auditChainHeads)
      .where(and(eq(auditChainHeads.chain, chain), eq(auditChainHeads.stream, "events")))
      .for("update");
    let { seq, prevHash } = existing ? { seq: existing.seq + 1, prevHash: existing.hash } : await nextLink(tx, chain, "events");
    const rows = [];
    for (const i of byChain.get(chain)!) {
      const input = inputs[i];
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
      out[i] = { id: row.id, seq };
      prevHash = hash;
      seq++;
    }
    await tx.insert(auditEvents).values(rows);
    await advanceHead(tx, chain, "events", seq - 1, prevHash);
  }
  return out;
}
