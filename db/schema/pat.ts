// PAT Fortress: the monthly spend ledger (reservations and settled cost per PAT key and UTC month)
// and the per-request log with its archive pointer.
import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { organisations } from "./accounts";
import { ts } from "./columns";
import { patKeys } from "./pat-keys";

/**
 * One row per PAT key and UTC month ("2026-11"). Admission adds the request's maximum cost to
 * `reserved_micros` in one conditional upsert (refused when reserved + settled + amount > cap);
 * completion moves the request from reserved to settled at its real cost.
 */
export const patSpend = pgTable(
  "pat_spend",
  {
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    patKeyId: uuid("pat_key_id").notNull().references(() => patKeys.id, { onDelete: "cascade" }),
    month: text("month").notNull(),
    reservedMicros: bigint("reserved_micros", { mode: "number" }).notNull().default(0),
    settledMicros: bigint("settled_micros", { mode: "number" }).notNull().default(0),
    requests: integer("requests").notNull().default(0),
    /** When the alert threshold / the cap was first reached this month (one alert each). */
    alertedAt: ts("alerted_at"),
    capReachedAt: ts("cap_reached_at"),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "pat_spend_pk", columns: [t.patKeyId, t.month] }),
    index("pat_spend_org_month_idx").on(t.orgId, t.month),
    check("pat_spend_nonnegative", sql`${t.reservedMicros} >= 0 AND ${t.settledMicros} >= 0`),
  ],
);

export const PAT_ARCHIVE_STATUSES = ["none", "pending", "stored", "failed"] as const;
export type PatArchiveStatus = (typeof PAT_ARCHIVE_STATUSES)[number];

/** One row per governed PAT request (allowed, denied or failed). `id` is the x-fortress-request-id. */
export const patRequests = pgTable(
  "pat_requests",
  {
    id: uuid("id").primaryKey(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    createdAt: ts("created_at").notNull().defaultNow(),
    endpoint: text("endpoint").notNull(),
    principalKind: text("principal_kind", { enum: ["user", "service_account"] }).notNull(),
    principalId: uuid("principal_id").notNull(),
    principalLabel: text("principal_label").notNull(),
    apiKeyId: uuid("api_key_id").notNull(),
    patKeyId: uuid("pat_key_id"),
    patKeyLabel: text("pat_key_label"),
    model: text("model"),
    stream: boolean("stream").notNull().default(false),
    clientIp: text("client_ip"),
    status: integer("status").notNull(),
    decision: text("decision", { enum: ["allow", "deny", "error"] }).notNull(),
    reason: text("reason"),
    latencyMs: integer("latency_ms"),
    ttftMs: integer("ttft_ms"),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    cacheCreationTokens: integer("cache_creation_tokens").notNull().default(0),
    cacheReadTokens: integer("cache_read_tokens").notNull().default(0),
    costMicros: bigint("cost_micros", { mode: "number" }).notNull().default(0),
    reservedMicros: bigint("reserved_micros", { mode: "number" }).notNull().default(0),
    priceVersion: text("price_version"),
    upstreamRequestId: text("upstream_request_id"),
    archiveStatus: text("archive_status", { enum: PAT_ARCHIVE_STATUSES }).notNull().default("none"),
    archiveKey: text("archive_key"),
    archiveSha256: text("archive_sha256"),
    /** Service key version the sealed object depends on: keeps that version from retiring. */
    archiveKeyVersion: integer("archive_key_version"),
    archiveError: text("archive_error"),
  },
  (t) => [
    index("pat_requests_org_created_idx").on(t.orgId, t.createdAt, t.id),
    index("pat_requests_org_key_created_idx").on(t.orgId, t.patKeyId, t.createdAt),
  ],
);
