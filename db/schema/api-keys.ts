// Org API keys: what people and service accounts put in x-api-key at the gateways.
// Only the SHA-256 of a key is stored; `prefix` is the non-secret start shown in lists.
import { sql } from "drizzle-orm";
import { check, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organisations, serviceAccounts, users } from "./accounts";
import { id, ts } from "./columns";

export const apiKeys = pgTable(
  "api_keys",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    // Exactly one owner: the key acts as this user or service account and inherits its roles.
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    serviceAccountId: uuid("service_account_id").references(() => serviceAccounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: ts("created_at").notNull().defaultNow(),
    lastUsedAt: ts("last_used_at"),
    revokedAt: ts("revoked_at"),
    revokedBy: uuid("revoked_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    uniqueIndex("api_keys_key_hash_unique").on(t.keyHash),
    index("api_keys_org_created_idx").on(t.orgId, t.createdAt),
    check("api_keys_one_owner", sql`num_nonnulls(${t.userId}, ${t.serviceAccountId}) = 1`),
  ],
);
