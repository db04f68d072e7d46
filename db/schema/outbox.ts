// The durable outbox: events that must leave the building (webhooks, alerts) are written here in
// the same transaction as the change that caused them, then delivered by a background worker
// (FOR UPDATE SKIP LOCKED), so nothing is lost on a crash and several instances can share the work.
import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organisations } from "./accounts";
import { ts } from "./columns";

export const outboxEvents = pgTable(
  "outbox_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    /** Event type from the webhook catalogue: request.denied, user.overage, credential.expiring… */
    type: text("type").notNull(),
    payload: jsonb("payload").notNull(),
    /** Optional: the same key twice is one event (e.g. one expiry warning per credential and day). */
    dedupeKey: text("dedupe_key"),
    status: text("status", { enum: ["pending", "processing", "done", "dead"] }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    availableAt: ts("available_at").notNull().defaultNow(),
    lastError: text("last_error"),
    createdAt: ts("created_at").notNull().defaultNow(),
    processedAt: ts("processed_at"),
  },
  (t) => [
    index("outbox_events_pending_idx").on(t.availableAt).where(sql`${t.status} = 'pending'`),
    index("outbox_events_org_created_idx").on(t.orgId, t.createdAt),
    uniqueIndex("outbox_events_org_dedupe_unique").on(t.orgId, t.dedupeKey),
  ],
);
