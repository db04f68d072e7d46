// Writes an event to the durable outbox, inside the caller's transaction when given one, so the
// event exists if and only if the change that caused it committed. Delivery (webhooks, retries,
// dead letters) is the worker's job, not the caller's.
import { outboxEvents } from "@/db/schema";
import type { DbOrTx } from "../db";

export type OutboxEventType =
  | "request.denied"
  | "connector.killed"
  | "connector.error"
  | "user.overage"
  | "credential.expiring"
  | "anomaly.detected"
  | "pat.spend_cap_reached"
  | "pat.model_blocked"
  | "device.noncompliant"
  // PAT Fortress: a key's settled spend passed its alert threshold this month
  | "pat.spend_alert"
  // internal job: a PAT archive object whose write failed, retried by lib/gateway/pat/archive.ts
  | "archive.retry";

export interface OutboxEventInput {
  orgId: string;
  type: OutboxEventType;
  payload: Record<string, unknown>;
  /** Same key, same org → stored once (later duplicates are ignored). */
  dedupeKey?: string;
}

export async function enqueueEvent(db: DbOrTx, event: OutboxEventInput): Promise<void> {
  await db
    .insert(outboxEvents)
    .values({ orgId: event.orgId, type: event.type, payload: event.payload, dedupeKey: event.dedupeKey ?? null })
    .onConflictDoNothing();
}
