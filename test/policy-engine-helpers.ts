// Builders shared by the policy-engine tests (not a test file itself).
import type { PolicyRequest } from "@/lib/policy";
import type { PolicySource, RoleSource, RuleSource } from "@/lib/policy/types";

export const ORG = "org-1";
export const USER = { kind: "user" as const, id: "u-1", orgId: ORG };

export function source(partial: Partial<PolicySource> = {}): PolicySource {
  return {
    orgId: ORG,
    tier: "team" as PolicySource["tier"],
    version: 1,
    roles: [],
    assignments: [],
    rules: [],
    redaction: { org: { email: true, phone: true, ssn: true, creditCard: true, custom: [] }, connectors: {} },
    attributes: {},
    ...partial,
  };
}

export function role(id: string, name: string, grants: [string, string, "allow" | "deny"][], extra: Partial<RoleSource> = {}): RoleSource {
  return {
    id,
    name,
    grants: grants.map(([connectorId, action, effect]) => ({ kind: "connector_action" as const, connectorId, action, effect })),
    ...extra,
  };
}

export function rule(id: string, condition: RuleSource["condition"], extra: Partial<RuleSource> = {}): RuleSource {
  return { id, name: extra.name ?? id, enabled: true, scope: {}, target: {}, condition, ...extra };
}

export function request(connectorId: string, action: string, opts: { enabled?: boolean; ip?: string | null; slug?: string } = {}): PolicyRequest {
  return {
    product: "mcp",
    resource: { kind: "connector_action", connectorId, connectorSlug: opts.slug ?? "zendesk", action, enabled: opts.enabled ?? true },
    clientIp: opts.ip === undefined ? "10.1.2.3" : opts.ip,
  };
}
