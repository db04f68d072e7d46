// PAT Fortress spend leases: the part of a PAT key's monthly reservation (pat_spend.reserved_micros)
// that one app instance holds and hands out to its own requests from memory (lib/gateway/pat/lease.ts).
import { sql } from "drizzle-orm";
import { bigint, check, index, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { organisations } from "./accounts";
import { ts } from "./columns";
import { patKeys } from "./pat-keys";

/**
 * One row per PAT key, UTC month and instance. `amount_micros` is counted in the month's
 * `pat_spend.reserved_micros` (acquisition adds to both in one statement, settlement and returns take
 * from both), so the cap check there still bounds every instance together. `renewed_at` is refreshed
 * by the owning instance every few seconds; a row not renewed for a minute belongs to a dead instance
 * and the sweep gives its amount back to the month (pat.spend.lease.sweep).
 */
export const patSpendLeases = pgTable(
  "pat_spend_leases",
  {
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    patKeyId: uuid("pat_key_id").notNull().references(() => patKeys.id, { onDelete: "cascade" }),
    month: text("month").notNull(),
    /** Random per process (lib/gateway/pat/lease.ts); a new one after the process lost its leases. */
    instanceId: uuid("instance_id").notNull(),
    amountMicros: bigint("amount_micros", { mode: "number" }).notNull().default(0),
    renewedAt: ts("renewed_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "pat_spend_leases_pk", columns: [t.patKeyId, t.month, t.instanceId] }),
    // Renewal touches one instance's rows. No index on renewed_at: it changes on every renewal (an
    // index would make those updates non-HOT), and the sweep's scan of this small table is cheap.
    index("pat_spend_leases_instance_idx").on(t.instanceId),
    index("pat_spend_leases_org_idx").on(t.orgId),
    check("pat_spend_leases_nonnegative", sql`${t.amountMicros} >= 0`),
  ],
);
