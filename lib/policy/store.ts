// The policy store: reads an org's whole policy as the engine's PolicySource (one round of
// queries) and runs every policy change in a transaction that also bumps the org's policy version
// and, after commit, tells every instance to drop its compiled snapshot.
// The CRUD per concept lives beside this file (roles.ts, rules.ts, redaction-settings.ts,
// subjects.ts) and is re-exported here.
import { eq, sql, type SQL } from "drizzle-orm";
import {
  organisations,
  policyRules,
  policyVersions,
  redactionSettings,
  roleGrants,
  roles,
  subjectAttributes,
} from "@/db/schema";
import type { DbOrTx } from "../db";
import { notFound } from "../errors";
import type { RedactionSettings } from "../redaction";
import { orgRedaction } from "./redaction-settings";
import type { GrantSource, PolicySource, RoleSource, RuleCondition, RuleSource } from "./types";

export * from "./change";
export * from "./roles";
export * from "./rules";
export * from "./redaction-settings";
export * from "./subjects";

/** Loads everything the engine needs for one org. Throws when the org does not exist. */
export async function loadPolicySource(db: DbOrTx, orgId: string): Promise<PolicySource> {
  const [orgRows, versionRows, roleRows, grantRows, assignmentRows, ruleRows, redactionRows, attributeRows] = await Promise.all([
    db.select({ tier: organisations.tier }).from(organisations).where(eq(organisations.id, orgId)),
    db.select({ version: policyVersions.version }).from(policyVersions).where(eq(policyVersions.orgId, orgId)),
    db.select({ id: roles.id, name: roles.name }).from(roles).where(eq(roles.orgId, orgId)),
    // The two big tables come back as one JSON text each: decoding thousands of rows one by one
    // costs far more (5× on PGlite) than parsing one string, and an org's first call waits for it.
    jsonRows<[string, "connector_action" | "pat_key", string | null, string | null, string | null, "allow" | "deny"]>(
      db,
      sql`SELECT coalesce(json_agg(json_build_array(role_id, kind, connector_id, action, pat_key_id, effect)), '[]')::text AS j
          FROM role_grants WHERE org_id = ${orgId}`,
    ),
    jsonRows<[string, "user" | "service_account", string]>(
      db,
      sql`SELECT coalesce(json_agg(json_build_array(role_id, subject_kind, subject_id)), '[]')::text AS j
          FROM role_assignments WHERE org_id = ${orgId}`,
    ),
    db.select().from(policyRules).where(eq(policyRules.orgId, orgId)),
    db.select().from(redactionSettings).where(eq(redactionSettings.orgId, orgId)),
    db.select().from(subjectAttributes).where(eq(subjectAttributes.orgId, orgId)),
  ]);
  const org = orgRows[0];
  if (!org) throw notFound("Organisation");

  const roleRedaction = new Map<string, Partial<RedactionSettings>>();
  const connectorRedaction: Record<string, Partial<RedactionSettings>> = {};
  let orgSettings: Record<string, unknown> | undefined;
  for (const r of redactionRows) {
    if (r.scope === "org") orgSettings = r.settings;
    else if (r.scope === "role") roleRedaction.set(r.scopeId, r.settings as Partial<RedactionSettings>);
    else connectorRedaction[r.scopeId] = r.settings as Partial<RedactionSettings>;
  }

  const grantsByRole = new Map<string, GrantSource[]>();
  for (const [roleId, kind, connectorId, action, patKeyId, effect] of grantRows) {
    let list = grantsByRole.get(roleId);
    if (!list) grantsByRole.set(roleId, (list = []));
    list.push(kind === "pat_key" ? { kind, patKeyId: patKeyId!, effect } : { kind, connectorId: connectorId!, action: action!, effect });
  }
  const roleSources: RoleSource[] = roleRows.map((r) => {
    const source: RoleSource = { id: r.id, name: r.name, grants: grantsByRole.get(r.id) ?? [] };
    const red = roleRedaction.get(r.id);
    if (red) source.redaction = red;
    return source;
  });

  const attributes: PolicySource["attributes"] = {};
  for (const a of attributeRows) attributes[`${a.subjectKind}:${a.subjectId}`] = a.attributes;

  return {
    orgId,
    tier: org.tier,
    version: versionRows[0]?.version ?? 0,
    roles: roleSources,
    assignments: assignmentRows.map(([roleId, subjectKind, subjectId]) => ({ roleId, subjectKind, subjectId })),
    rules: ruleRows.map(toRuleSource),
    redaction: { org: orgRedaction(orgSettings), connectors: connectorRedaction },
    attributes,
  };
}

async function jsonRows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: { j: string }[] };
  return JSON.parse(result.rows[0]?.j ?? "[]") as T[];
}

/** The org's policy version (cheap: one row), to tell whether a cached snapshot is still current. */
export async function loadPolicyVersion(db: DbOrTx, orgId: string): Promise<PolicySource["version"]> {
  const [row] = await db.select({ version: policyVersions.version }).from(policyVersions).where(eq(policyVersions.orgId, orgId));
  return row?.version ?? 0;
}

export function toGrantSource(g: typeof roleGrants.$inferSelect): GrantSource {
  return g.kind === "pat_key"
    ? { kind: "pat_key", patKeyId: g.patKeyId!, effect: g.effect }
    : { kind: "connector_action", connectorId: g.connectorId!, action: g.action!, effect: g.effect };
}

export function toRuleSource(r: typeof policyRules.$inferSelect): RuleSource {
  const scope: RuleSource["scope"] = {};
  if (r.scopeRoleId) scope.roleId = r.scopeRoleId;
  if (r.scopeSubjectKind && r.scopeSubjectId) scope.subject = { kind: r.scopeSubjectKind, id: r.scopeSubjectId };
  const target: RuleSource["target"] = {};
  if (r.targetConnectorId) target.connectorId = r.targetConnectorId;
  if (r.targetAction) target.action = r.targetAction;
  if (r.targetPatKeyId) target.patKeyId = r.targetPatKeyId;
  return { id: r.id, name: r.name, enabled: r.enabled, scope, target, condition: r.condition as unknown as RuleCondition };
}

