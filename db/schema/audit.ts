// The audit core: append-only, hash-chained per organisation. Each row's hash covers the previous
// row's hash and the row's canonical form (lib/audit/chain.ts); the database refuses UPDATE, DELETE
// and TRUNCATE on these tables (trigger in drizzle/0001_audit_append_only.sql).
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/**
 * One chain per (organisation, stream). `chain` is the org id, or "platform" for events that belong
 * to no organisation (a failed login for an unknown email).
 */
export const auditChainHeads = pgTable(
  "audit_chain_heads",
  {
    chain: text("chain").notNull(),
    stream: text("stream", { enum: ["events", "changes"] }).notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [primaryKey({ columns: [t.chain, t.stream] })],
);

/** Every decision and security-relevant occurrence: gateway calls, logins, key use. */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: uuid("id").primaryKey(),
    chain: text("chain").notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    orgId: uuid("org_id"),
    occurredAt: ts("occurred_at").notNull(),
    product: text("product").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id"),
    actorLabel: text("actor_label"),
    action: text("action").notNull(),
    resourceType: text("resource_type"),
    resourceId: text("resource_id"),
    decision: text("decision").notNull(),
    reason: text("reason"),
    latencyMs: integer("latency_ms"),
    requestId: text("request_id"),
    clientIp: text("client_ip"),
    metadata: jsonb("metadata").notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    uniqueIndex("audit_events_chain_seq_unique").on(t.chain, t.seq),
    index("audit_events_org_time_idx").on(t.orgId, t.occurredAt),
  ],
);

/** The Change Log: every configuration change with actor and before/after values. */
export const changeLog = pgTable(
  "change_log",
  {
    id: uuid("id").primaryKey(),
    chain: text("chain").notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    orgId: uuid("org_id").notNull(),
    occurredAt: ts("occurred_at").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id"),
    actorLabel: text("actor_label"),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id"),
    entityLabel: text("entity_label"),
    before: jsonb("before"),
    after: jsonb("after"),
    requestId: text("request_id"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    uniqueIndex("change_log_chain_seq_unique").on(t.chain, t.seq),
    index("change_log_org_time_idx").on(t.orgId, t.occurredAt),
  ],
);
