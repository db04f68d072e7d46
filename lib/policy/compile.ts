// Compiles an org's PolicySource (plain data from the store) into lookup structures the engine
// decides over in microseconds: subject → roles, (role, resource) → effect, rules indexed by target,
// and every condition pre-parsed (time windows, CIDRs, attribute expressions). Compilation throws on
// a condition that does not parse; the store validates with ZRuleCondition at save time, so that
// means corrupted data, and the caller fails closed.
import type { RedactionSettings } from "../redaction";
import { parseCidr, type ParsedCidr } from "./cidr";
import { parseExpression, type Attributes, type ParsedExpression } from "./expression";
import { parseTimeWindow, type ParsedTimeWindow } from "./time-window";
import type { Effect, PolicySource, RoleSource, RuleSource } from "./types";

/** Resource keys: `c:<connectorId>:<action>` for a connector action, `p:<patKeyId>` for a PAT key. */
export const actionKey = (connectorId: string, action: string) => `c:${connectorId}:${action}`;
export const connectorKey = (connectorId: string) => `c:${connectorId}`;
export const patKeyKey = (patKeyId: string) => `p:${patKeyId}`;
/** Rules with an empty target apply to every resource. */
export const ANY_TARGET = "*";
export const subjectKey = (kind: string, id: string) => `${kind}:${id}`;

export interface CompiledRole {
  id: string;
  name: string;
  /** Resource key → effect. When a role lists both for one resource, deny wins. */
  grants: Map<string, Effect>;
  redaction?: Partial<RedactionSettings>;
}

export type CompiledCondition =
  | { type: "time_window"; window: ParsedTimeWindow }
  | { type: "rate_limit"; limit: number; windowSeconds: number; per: "user" | "role" | "org" }
  | { type: "ip_allowlist"; cidrs: ParsedCidr[] }
  | { type: "attribute"; expression: ParsedExpression };

export interface CompiledRule {
  id: string;
  name: string;
  /** Position in the source, so rules are evaluated in a stable order whatever index found them. */
  order: number;
  scope: { kind: "org" } | { kind: "role"; roleId: string } | { kind: "subject"; key: string };
  condition: CompiledCondition;
  source: RuleSource;
}

export interface CompiledPolicy {
  orgId: string;
  tier: PolicySource["tier"];
  version: PolicySource["version"];
  roles: Map<string, CompiledRole>;
  /** `${kind}:${id}` → the subject's roles (source order, no duplicates, unknown role ids dropped). */
  subjectRoles: Map<string, CompiledRole[]>;
  /** Target key (ANY_TARGET, connectorKey, actionKey, patKeyKey) → enabled rules, in source order. */
  rulesByTarget: Map<string, CompiledRule[]>;
  redaction: PolicySource["redaction"];
  attributes: Record<string, Attributes>;
  ruleCount: number;
  /** Lazily filled by the engine: merged, ordered rule lists per resource key (bounded by the resources seen). */
  rulesForResource: Map<string, CompiledRule[]>;
  /** Lazily filled by the engine: effective redaction per subject role set and connector. */
  redactionCache: WeakMap<CompiledRole[], Map<string, RedactionSettings>>;
}

export function compileRole(role: RoleSource): CompiledRole {
  const grants = new Map<string, Effect>();
  for (const g of role.grants) {
    const key = g.kind === "connector_action" ? actionKey(g.connectorId, g.action) : patKeyKey(g.patKeyId);
    if (grants.get(key) !== "deny") grants.set(key, g.effect === "allow" ? "allow" : "deny");
  }
  return { id: role.id, name: role.name, grants, redaction: role.redaction };
}

export function compileCondition(c: RuleSource["condition"]): CompiledCondition {
  switch (c.type) {
    case "time_window":
      return { type: "time_window", window: parseTimeWindow(c) };
    case "rate_limit":
      if (!Number.isInteger(c.limit) || c.limit < 1) throw new Error(`rate limit ${c.limit} must be an integer ≥ 1`);
      if (!Number.isInteger(c.windowSeconds) || c.windowSeconds < 1) throw new Error(`rate window ${c.windowSeconds}s must be an integer ≥ 1`);
      return { type: "rate_limit", limit: c.limit, windowSeconds: c.windowSeconds, per: c.per };
    case "ip_allowlist":
      return { type: "ip_allowlist", cidrs: c.cidrs.map(parseCidr) };
    case "attribute":
      return { type: "attribute", expression: parseExpression(c.expression) };
    default:
      throw new Error(`unknown rule condition ${(c as { type: string }).type}`);
  }
}

export function ruleTargetKey(target: RuleSource["target"]): string {
  if (target.patKeyId) return patKeyKey(target.patKeyId);
  if (target.connectorId) return target.action ? actionKey(target.connectorId, target.action) : connectorKey(target.connectorId);
  return ANY_TARGET;
}

export function compilePolicy(source: PolicySource): CompiledPolicy {
  const roles = new Map<string, CompiledRole>();
  for (const r of source.roles) roles.set(r.id, compileRole(r));

  const subjectRoles = new Map<string, CompiledRole[]>();
  for (const a of source.assignments) {
    const role = roles.get(a.roleId);
    if (!role) continue;
    const key = subjectKey(a.subjectKind, a.subjectId);
    let list = subjectRoles.get(key);
    if (!list) subjectRoles.set(key, (list = []));
    if (!list.includes(role)) list.push(role);
  }

  const rulesByTarget = new Map<string, CompiledRule[]>();
  let ruleCount = 0;
  source.rules.forEach((r, order) => {
    if (!r.enabled) return;
    const scope: CompiledRule["scope"] = r.scope.subject
      ? { kind: "subject", key: subjectKey(r.scope.subject.kind, r.scope.subject.id) }
      : r.scope.roleId
        ? { kind: "role", roleId: r.scope.roleId }
        : { kind: "org" };
    let condition: CompiledCondition;
    try {
      condition = compileCondition(r.condition);
    } catch (err) {
      throw new Error(`rule ${r.id} (${r.name}): ${(err as Error).message}`);
    }
    const key = ruleTargetKey(r.target);
    let list = rulesByTarget.get(key);
    if (!list) rulesByTarget.set(key, (list = []));
    list.push({ id: r.id, name: r.name, order, scope, condition, source: r });
    ruleCount++;
  });

  return {
    orgId: source.orgId,
    tier: source.tier,
    version: source.version,
    roles,
    subjectRoles,
    rulesByTarget,
    redaction: source.redaction,
    attributes: source.attributes,
    ruleCount,
    rulesForResource: new Map(),
    redactionCache: new WeakMap(),
  };
}
