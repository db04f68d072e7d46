// The policy store: reads an org's whole policy as the engine's PolicySource (one round of
// queries) and runs every policy change in a transaction that also bumps the org's policy version
// and, after commit, tells every instance to drop its compiled snapshot.
// The CRUD per concept lives beside this file (roles.ts, rules.ts, redaction-settings.ts,
// subjects.ts) and is re-exported here.
import { eq } from "drizzle-orm";
import {
  organisations,
  policyRules,
  policyVersions,
  redactionSettings,
  roleAssignments,
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
    db.select().from(roleGrants).where(eq(roleGrants.orgId, orgId)),
    db.select().from(roleAssignments).where(eq(roleAssignments.orgId, orgId)),
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
  for (const g of grantRows) {
    const list = grantsByRole.get(g.roleId) ?? [];
    list.push(toGrantSource(g));
    grantsByRole.set(g.roleId, list);
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
    assignments: assignmentRows.map((a) => ({ roleId: a.roleId, subjectKind: a.subjectKind, subjectId: a.subjectId })),
    rules: ruleRows.map(toRuleSource),
    redaction: { org: orgRedaction(orgSettings), connectors: connectorRedaction },
    attributes,
  };
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

