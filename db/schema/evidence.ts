// Evidence and visibility: signed checkpoints of the audit chains, per-org evidence settings
// (retention, guarded changes), pending changes awaiting a second admin, webhook endpoints and their
// delivery log, and the networks each principal was seen from (anomaly detection).
import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organisations, users } from "./accounts";
import { id, lifecycleDates, ts } from "./columns";
import { outboxEvents } from "./outbox";

/** Public halves of the Ed25519 keys that signed checkpoints (so old exports stay verifiable). */
export const auditSigningKeys = pgTable("audit_signing_keys", {
  keyId: text("key_id").primaryKey(),
  publicKeyPem: text("public_key_pem").notNull(),
  createdAt: ts("created_at").notNull().defaultNow(),
});

/**
 * A signed statement "the chain (chain, stream) had hash `hash` at seq `seq`". Periodic ones pin the
 * head; `export` ones pin the ends of an export; `retention` ones anchor what remains after a purge.
 */
export const auditCheckpoints = pgTable(
  "audit_checkpoints",
  {
    id: id(),
    chain: text("chain").notNull(),
    orgId: uuid("org_id"),
    stream: text("stream", { enum: ["events", "changes"] }).notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    hash: text("hash").notNull(),
    kind: text("kind", { enum: ["periodic", "export", "retention"] }).notNull(),
    signedAt: ts("signed_at").notNull(),
    keyId: text("key_id").notNull(),
    signature: text("signature").notNull(),
  },
  (t) => [
    uniqueIndex("audit_checkpoints_chain_stream_seq_unique").on(t.chain, t.stream, t.seq),
    index("audit_checkpoints_org_idx").on(t.orgId, t.signedAt),
  ],
);

/** Evidence settings of one organisation. Absent row = tier defaults. */
export const orgEvidenceSettings = pgTable("org_evidence_settings", {
  orgId: uuid("org_id")
    .primaryKey()
    .references(() => organisations.id, { onDelete: "cascade" }),
  /** null → the tier's default retention. */
  retentionDays: integer("retention_days"),
  /** Change kinds that need a second admin's approval ("org.tier", "api_key.revoke", …). */
  guardedChanges: text("guarded_changes").array().notNull().default(sql`ARRAY[]::text[]`),
  ...lifecycleDates,
});

export const APPROVAL_STATUSES = ["pending", "applied", "rejected", "failed"] as const;

/** A guarded change waiting for (or decided by) a second admin. */
export const pendingChanges = pgTable(
  "pending_changes",
  {
    id: id(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organisations.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    summary: text("summary").notNull(),
    payload: jsonb("payload").notNull(),
    status: text("status", { enum: APPROVAL_STATUSES }).notNull().default("pending"),
    requestedBy: uuid("requested_by").references(() => users.id, { onDelete: "set null" }),
    requestedByLabel: text("requested_by_label"),
    decidedBy: uuid("decided_by").references(() => users.id, { onDelete: "set null" }),
    decidedByLabel: text("decided_by_label"),
    decidedAt: ts("decided_at"),
    note: text("note"),
    result: jsonb("result"),
    ...lifecycleDates,
  },
  (t) => [index("pending_changes_org_status_idx").on(t.orgId, t.status, t.createdAt)],
);

export const WEBHOOK_EVENTS = [
  "request.denied",
  "connector.killed",
  "connector.error",
  "user.overage",
  "credential.expiring",
  "anomaly.detected",
  "pat.spend_cap_reached",
  "pat.model_blocked",
  "pat.spend_alert",
  "device.noncompliant",
  "webhook.test",
] as const;

export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: id(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organisations.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    events: text("events").array().notNull(),
    /** The signing secret lives in the vault (purpose "webhook"); this is its id. */
    secretId: text("secret_id").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    deletedAt: ts("deleted_at"),
    ...lifecycleDates,
  },
  (t) => [index("webhook_endpoints_org_idx").on(t.orgId)],
);

export const DELIVERY_STATUSES = ["pending", "succeeded", "dead"] as const;

/** One event to one endpoint: retried with backoff until it succeeds or is dead-lettered. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: id(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organisations.id, { onDelete: "cascade" }),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventId: uuid("event_id").references(() => outboxEvents.id, { onDelete: "set null" }),
    eventType: text("event_type").notNull(),
    /** Stable across retries: receivers deduplicate on it. */
    idempotencyKey: text("idempotency_key").notNull(),
    /** The exact JSON body sent (minus nothing: it holds no secret). */
    body: text("body").notNull(),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    lockedUntil: ts("locked_until"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    deliveredAt: ts("delivered_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_idempotency_unique").on(t.endpointId, t.idempotencyKey),
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index("webhook_deliveries_org_created_idx").on(t.orgId, t.createdAt),
  ],
);

/** The delivery log: every attempt with its response code (or error) and duration. */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: id(),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    orgId: uuid("org_id").notNull(),
    attempt: integer("attempt").notNull(),
    at: ts("at").notNull(),
    statusCode: integer("status_code"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId, t.attempt)],
);

/** Networks (/24 IPv4, /48 IPv6) each principal was seen calling from: "first use from a new network". */
export const principalNetworks = pgTable(
  "principal_networks",
  {
    orgId: uuid("org_id")
      .notNull()
      .references(() => organisations.id, { onDelete: "cascade" }),
    principalId: text("principal_id").notNull(),
    network: text("network").notNull(),
    firstSeenAt: ts("first_seen_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.principalId, t.network] })],
);
