// Policy store (Policy Radar): roles and their grants, who holds which role, conditional rules,
// PII redaction settings and subject attributes. lib/policy/store.ts turns these rows into the
// engine's PolicySource (lib/policy/types.ts).
import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organisations } from "./accounts";
import { id, lifecycleDates, ts } from "./columns";
import { connectors } from "./connectors";
import { patKeys } from "./pat-keys";

export const SUBJECT_KINDS = ["user", "service_account"] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/** A named set of grants ("Support Agent"). Redaction overrides live in redaction_settings (scope role). */
export const roles = pgTable(
  "roles",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    ...lifecycleDates,
  },
  (t) => [uniqueIndex("roles_org_name_unique").on(t.orgId, sql`lower(${t.name})`)],
);

/** One explicit Allow or Deny of a role on a connector action or a PAT key. Absent = not allowed. */
export const roleGrants = pgTable(
  "role_grants",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    roleId: uuid("role_id").notNull().references(() => roles.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["connector_action", "pat_key"] }).notNull(),
    connectorId: uuid("connector_id").references(() => connectors.id, { onDelete: "cascade" }),
    /** Action name without the connector prefix ("list_tickets"). */
    action: text("action"),
    patKeyId: uuid("pat_key_id").references(() => patKeys.id, { onDelete: "cascade" }),
    effect: text("effect", { enum: ["allow", "deny"] }).notNull(),
    createdAt: lifecycleDates.createdAt,
  },
  (t) => [
    uniqueIndex("role_grants_role_action_unique").on(t.roleId, t.connectorId, t.action).where(sql`${t.kind} = 'connector_action'`),
    uniqueIndex("role_grants_role_pat_key_unique").on(t.roleId, t.patKeyId).where(sql`${t.kind} = 'pat_key'`),
    index("role_grants_org_idx").on(t.orgId),
    check("role_grants_effect_check", sql`${t.effect} IN ('allow','deny')`),
    check(
      "role_grants_shape_check",
      sql`(${t.kind} = 'connector_action' AND ${t.connectorId} IS NOT NULL AND ${t.action} IS NOT NULL AND ${t.patKeyId} IS NULL)
       OR (${t.kind} = 'pat_key' AND ${t.patKeyId} IS NOT NULL AND ${t.connectorId} IS NULL AND ${t.action} IS NULL)`,
    ),
  ],
);

/**
 * Who holds a role. Kept apart from users so IdP groups (SCIM) can map to roles later:
 * `source` says where the assignment came from ("manual" now; "scim:<group>" later).
 */
export const roleAssignments = pgTable(
  "role_assignments",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    roleId: uuid("role_id").notNull().references(() => roles.id, { onDelete: "cascade" }),
    subjectKind: text("subject_kind", { enum: SUBJECT_KINDS }).notNull(),
    subjectId: uuid("subject_id").notNull(),
    source: text("source").notNull().default("manual"),
    createdAt: lifecycleDates.createdAt,
  },
  (t) => [
    uniqueIndex("role_assignments_unique").on(t.roleId, t.subjectKind, t.subjectId),
    index("role_assignments_subject_idx").on(t.orgId, t.subjectKind, t.subjectId),
    check("role_assignments_kind_check", sql`${t.subjectKind} IN ('user','service_account')`),
  ],
);

/**
 * Layer 3: a conditional rule. Scope (who) and target (what) are columns so deleting a role,
 * connector or PAT key removes the rules that only made sense with it; the condition is JSON,
 * validated by the engine's ZRuleCondition at save time.
 */
export const policyRules = pgTable(
  "policy_rules",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    scopeRoleId: uuid("scope_role_id").references(() => roles.id, { onDelete: "cascade" }),
    scopeSubjectKind: text("scope_subject_kind", { enum: SUBJECT_KINDS }),
    scopeSubjectId: uuid("scope_subject_id"),
    targetConnectorId: uuid("target_connector_id").references(() => connectors.id, { onDelete: "cascade" }),
    targetAction: text("target_action"),
    targetPatKeyId: uuid("target_pat_key_id").references(() => patKeys.id, { onDelete: "cascade" }),
    condition: jsonb("condition").$type<Record<string, unknown>>().notNull(),
    ...lifecycleDates,
  },
  (t) => [index("policy_rules_org_idx").on(t.orgId, t.createdAt)],
);

/**
 * PII redaction settings: one row for the org (scope_id = org id) and optional overrides per role
 * and per connector. `settings` is a (partial, for overrides) RedactionSettings.
 */
export const redactionSettings = pgTable(
  "redaction_settings",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    scope: text("scope", { enum: ["org", "role", "connector"] }).notNull(),
    scopeId: uuid("scope_id").notNull(),
    settings: jsonb("settings").$type<Record<string, unknown>>().notNull(),
    ...lifecycleDates,
  },
  (t) => [
    uniqueIndex("redaction_settings_scope_unique").on(t.orgId, t.scope, t.scopeId),
    check("redaction_settings_scope_check", sql`${t.scope} IN ('org','role','connector')`),
  ],
);

/** Attributes of a user or service account for attribute rules (department, location…). */
export const subjectAttributes = pgTable(
  "subject_attributes",
  {
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    subjectKind: text("subject_kind", { enum: SUBJECT_KINDS }).notNull(),
    subjectId: uuid("subject_id").notNull(),
    attributes: jsonb("attributes").$type<Record<string, string | string[]>>().notNull().default({}),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.subjectKind, t.subjectId] })],
);

/**
 * The org's policy version: bumped in the same transaction as every policy change, so a compiled
 * snapshot knows whether it is stale.
 */
export const policyVersions = pgTable("policy_versions", {
  orgId: uuid("org_id")
    .primaryKey()
    .references(() => organisations.id, { onDelete: "cascade" }),
  version: bigint("version", { mode: "number" }).notNull().default(0),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});
