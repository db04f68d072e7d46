// Organisations, the people and machines in them, and how people join.
import { sql } from "drizzle-orm";
import { check, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { id, lifecycleDates, ts } from "./columns";

export const TIERS = ["SOHO", "BANK", "ZERO_TRUST"] as const;
export type Tier = (typeof TIERS)[number];
export const PRODUCTS = ["MCP", "PAT"] as const;
export type Product = (typeof PRODUCTS)[number];
/** Console roles, most powerful first. auditor is read-only; member manages only their own keys. */
export const CONSOLE_ROLES = ["owner", "admin", "auditor", "member"] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

export const organisations = pgTable(
  "organisations",
  {
    id: id(),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    tier: text("tier", { enum: TIERS }).notNull().default("SOHO"),
    products: text("products", { enum: PRODUCTS }).array().notNull().default(sql`ARRAY['MCP','PAT']::text[]`),
    ...lifecycleDates,
  },
  (t) => [
    uniqueIndex("organisations_slug_unique").on(t.slug),
    check("organisations_tier_check", sql`${t.tier} IN ('SOHO','BANK','ZERO_TRUST')`),
  ],
);

/** A person. Global (one login for every organisation they belong to); tenancy lives in memberships. */
export const users = pgTable(
  "users",
  {
    id: id(),
    email: text("email").notNull(),
    name: text("name"),
    passwordHash: text("password_hash"),
    ...lifecycleDates,
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email)],
);

export const memberships = pgTable(
  "memberships",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    consoleRole: text("console_role", { enum: CONSOLE_ROLES }).notNull(),
    ...lifecycleDates,
  },
  (t) => [
    uniqueIndex("memberships_org_user_unique").on(t.orgId, t.userId),
    index("memberships_user_idx").on(t.userId),
    check("memberships_role_check", sql`${t.consoleRole} IN ('owner','admin','auditor','member')`),
  ],
);

/** A non-human principal (a CI job, a bot) that only holds API keys. */
export const serviceAccounts = pgTable(
  "service_accounts",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    deletedAt: ts("deleted_at"),
    ...lifecycleDates,
  },
  (t) => [uniqueIndex("service_accounts_org_name_unique").on(t.orgId, t.name).where(sql`${t.deletedAt} IS NULL`)],
);

/** An invitation link: only its SHA-256 is stored; the link is shown once to the inviting admin. */
export const invitations = pgTable(
  "invitations",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    consoleRole: text("console_role", { enum: CONSOLE_ROLES }).notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedBy: uuid("invited_by").references(() => users.id, { onDelete: "set null" }),
    expiresAt: ts("expires_at").notNull(),
    acceptedAt: ts("accepted_at"),
    revokedAt: ts("revoked_at"),
    createdAt: lifecycleDates.createdAt,
  },
  (t) => [uniqueIndex("invitations_token_hash_unique").on(t.tokenHash), index("invitations_org_idx").on(t.orgId)],
);
