// PAT keys (PAT Fortress): an org's Anthropic API key held in the vault, with its governance.
// Shared seam: the policy engine grants/denies per PAT key; the PAT gateway serves requests with it.
import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organisations } from "./accounts";
import { id, lifecycleDates, ts } from "./columns";

/** Spec 000 "Adding a Claude PAT". ROTATED = replaced, still a fallback until overlap_until. */
export const PAT_KEY_STATUSES = ["ACTIVE", "ROTATED", "REVOKED"] as const;
export type PatKeyStatus = (typeof PAT_KEY_STATUSES)[number];

export const patKeys = pgTable(
  "pat_keys",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    status: text("status", { enum: PAT_KEY_STATUSES }).notNull().default("ACTIVE"),
    /** Layer 1 toggle: false = nobody may use it, whatever their role. */
    enabled: boolean("enabled").notNull().default(true),
    /** The vault secret holding the Anthropic key (lib/vault). */
    secretId: uuid("secret_id"),
    /** Allowed model ids / aliases; empty = all. */
    models: jsonb("models").$type<string[]>().notNull().default([]),
    maxTokens: integer("max_tokens"),
    /** Monthly spend cap in micro-USD (1 USD = 1,000,000); null = no cap. */
    monthlyCapMicros: bigint("monthly_cap_micros", { mode: "number" }),
    /** Alert threshold as a percentage of the cap. */
    alertThresholdPct: integer("alert_threshold_pct").notNull().default(80),
    /** Rotation: the key this one replaced, and until when the replaced key stays a fallback. */
    replacesId: uuid("replaces_id"),
    overlapUntil: ts("overlap_until"),
    lastFour: text("last_four"),
    revokedAt: ts("revoked_at"),
    ...lifecycleDates,
  },
  (t) => [
    uniqueIndex("pat_keys_org_label_unique").on(t.orgId, t.label).where(sql`${t.status} <> 'REVOKED'`),
    index("pat_keys_org_idx").on(t.orgId),
    check("pat_keys_status_check", sql`${t.status} IN ('ACTIVE','ROTATED','REVOKED')`),
  ],
);
