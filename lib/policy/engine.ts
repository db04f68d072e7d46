// The decision: layer 1 toggle → layer 2 roles (deny by default, a Deny in any role wins) → layer 3
// rules (time window, IP allowlist, attribute expression; rate limits last). `decide` is pure and
// synchronous over a CompiledPolicy; rate limits come back as `pendingRateLimits`, which
// `applyRateLimits` consumes atomically (all or none) through the shared counter, so a call refused
// by one limit never eats another limit's budget, and nothing is counted for a call already denied.
import type { RedactionSettings } from "../redaction";
import { matchesAny, parseAddressCached } from "./cidr";
import {
  actionKey,
  ANY_TARGET,
  connectorKey,
  patKeyKey,
  subjectKey,
  type CompiledPolicy,
  type CompiledRole,
  type CompiledRule,
} from "./compile";
import { evaluateExpression } from "./expression";
import type { Decision, PolicyRequest, PolicyResource, TraceStep } from "./index";
import { inTimeWindow } from "./time-window";

/** Who asks: the subject roles are assigned to (a user or a service account) and its org. */
export interface PolicySubject {
  kind: "user" | "service_account";
  id: string;
  orgId: string;
}

export interface PendingRateLimit {
  ruleId: string;
  ruleName: string;
  /** Counter key, hash-tagged by org so a multi-key script stays in one Redis Cluster slot. */
  key: string;
  limit: number;
  windowSeconds: number;
  per: "user" | "role" | "org";
  /** "Rate limit: 100 calls per hour per user" — the retry delay is appended when it triggers. */
  reasonIfExceeded: string;
}

export interface Evaluation {
  /** The decision if every pending rate limit has room (or the final deny). */
  decision: Decision;
  /** Rate limits to consume before the call may proceed; empty when the decision is a deny. */
  pendingRateLimits: PendingRateLimit[];
}

/** A Decision, plus which rate limit refused it (for the `user.overage` outbox event). */
export interface EngineDecision extends Decision {
  rateLimit?: { ruleId: string; ruleName: string; limit: number; windowSeconds: number; per: PendingRateLimit["per"]; count: number };
}

/** What applyRateLimits needs from lib/limits/counter.ts. */
export interface RateLimitCounter {
  consume(
    items: { key: string; windowMs: number; limit: number }[],
    nowMs?: number,
  ): Promise<{ allowed: boolean; failedIndex: number; counts: number[]; resetAt: number[] }>;
}

export const DEFAULT_REDACTION: RedactionSettings = { email: true, phone: true, ssn: true, creditCard: true, custom: [] };

const FLAGS = ["email", "phone", "ssn", "creditCard"] as const;

/**
 * Effective redaction: org → role overrides → connector override. When several of the subject's
 * roles override one switch, the most protective wins (redact if any says redact). Custom patterns
 * accumulate (union by name) across the three levels.
 */
export function effectiveRedaction(policy: CompiledPolicy, roles: CompiledRole[], connectorId: string | undefined): RedactionSettings {
  const org = policy.redaction?.org ?? DEFAULT_REDACTION;
  // A fresh list (never the source's array): the engine freezes what it caches.
  const custom = [...(org.custom ?? [])];
  const out: RedactionSettings = { email: org.email, phone: org.phone, ssn: org.ssn, creditCard: org.creditCard, custom };
  const addCustom = (list: RedactionSettings["custom"] | undefined) => {
    if (!list?.length) return;
    for (const p of list) if (!custom.some((c) => c.name === p.name && c.pattern === p.pattern)) custom.push(p);
  };
  for (const f of FLAGS) {
    let set = false;
    let value = false;
    for (const r of roles) {
      const v = r.redaction?.[f];
      if (typeof v === "boolean") {
        set = true;
        value ||= v;
      }
    }
    if (set) out[f] = value;
  }
  for (const r of roles) addCustom(r.redaction?.custom);
  const conn = connectorId ? policy.redaction?.connectors?.[connectorId] : undefined;
  if (conn) {
    for (const f of FLAGS) if (typeof conn[f] === "boolean") out[f] = conn[f] as boolean;
    addCustom(conn.custom);
  }
  return out;
}

/** effectiveRedaction memoised per compiled policy; the result is frozen because it is shared. */
function cachedRedaction(policy: CompiledPolicy, roles: CompiledRole[], connectorId: string | undefined): RedactionSettings {
  let byConnector = policy.redactionCache.get(roles);
  if (!byConnector) policy.redactionCache.set(roles, (byConnector = new Map()));
  const k = connectorId ?? "";
  let hit = byConnector.get(k);
  if (!hit) {
    hit = effectiveRedaction(policy, roles, connectorId);
    Object.freeze(hit.custom);
    Object.freeze(hit);
    if (byConnector.size < 10_000) byConnector.set(k, hit);
  }
  return hit;
}

export function resourceLabel(r: PolicyResource): string {
  return r.kind === "connector_action" ? `${r.connectorSlug}__${r.action}` : `PAT key ${r.label}`;
}

function toggleReason(r: PolicyResource): string {
  return r.kind === "connector_action" ? `Connector ${r.connectorSlug} is disabled` : `PAT key ${r.label} is disabled`;
}

const NO_ROLES: CompiledRole[] = [];
const MAX_CACHED_RESOURCES = 100_000;

function rulesFor(policy: CompiledPolicy, r: PolicyResource): CompiledRule[] {
  const key = r.kind === "connector_action" ? actionKey(r.connectorId, r.action) : patKeyKey(r.patKeyId);
  let hit = policy.rulesForResource.get(key);
  if (!hit) {
    hit = mergeRules(policy, r);
    if (policy.rulesForResource.size < MAX_CACHED_RESOURCES) policy.rulesForResource.set(key, hit);
  }
  return hit;
}

function mergeRules(policy: CompiledPolicy, r: PolicyResource): CompiledRule[] {
  const lists: CompiledRule[][] = [];
  const push = (k: string) => {
    const l = policy.rulesByTarget.get(k);
    if (l && l.length) lists.push(l);
  };
  push(ANY_TARGET);
  if (r.kind === "connector_action") {
    push(connectorKey(r.connectorId));
    push(actionKey(r.connectorId, r.action));
  } else {
    push(patKeyKey(r.patKeyId));
  }
  if (lists.length === 0) return [];
  if (lists.length === 1) return lists[0];
  return lists.flat().sort((a, b) => a.order - b.order);
}

function applies(rule: CompiledRule, sKey: string, roles: CompiledRole[]): boolean {
  const s = rule.scope;
  if (s.kind === "org") return true;
  if (s.kind === "subject") return s.key === sKey;
  for (const r of roles) if (r.id === s.roleId) return true;
  return false;
}

const UNITS: [number, string][] = [
  [604_800, "week"],
  [86_400, "day"],
  [3_600, "hour"],
  [60, "minute"],
  [1, "second"],
];

export function formatWindow(seconds: number): string {
  for (const [size, name] of UNITS) {
    if (seconds % size === 0) {
      const n = seconds / size;
      return n === 1 ? name : `${n} ${name}s`;
    }
  }
  return `${seconds} seconds`;
}

export function formatRetry(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 7_200) return `${Math.ceil(seconds / 60)} min`;
  return `${Math.ceil(seconds / 3_600)} h`;
}

const PER_LABEL = { user: "per user", role: "per role", org: "per organisation" } as const;

function skip(trace: TraceStep[], ...layers: TraceStep["layer"][]) {
  for (const layer of layers) trace.push({ layer, outcome: "skip", detail: "not evaluated" });
}

/** Layers 1–3 without counting; rate limits are returned as pending. Pure and synchronous. */
export function decide(policy: CompiledPolicy, principal: PolicySubject, request: PolicyRequest, now: Date): Evaluation {
  const resource = request.resource;
  const sKey = subjectKey(principal.kind, principal.id);
  const roles = policy.subjectRoles.get(sKey) ?? NO_ROLES;
  const redaction = cachedRedaction(policy, roles, resource.kind === "connector_action" ? resource.connectorId : undefined);
  const trace: TraceStep[] = [];
  const deny = (layer: TraceStep["layer"], reason: string, ruleId?: string): Evaluation => ({
    decision: { effect: "deny", layer, reason, ruleId, redaction, trace },
    pendingRateLimits: [],
  });

  if (principal.orgId !== policy.orgId) {
    // Never decide over another org's snapshot: fail closed.
    trace.push({ layer: "toggle", outcome: "deny", detail: "policy snapshot belongs to another organisation" });
    return deny("toggle", "Policy unavailable for this organisation");
  }

  // Layer 1: the toggle.
  if (!resource.enabled) {
    const reason = toggleReason(resource);
    trace.push({ layer: "toggle", outcome: "deny", detail: reason });
    skip(trace, "role", "rule");
    return deny("toggle", reason);
  }
  trace.push({
    layer: "toggle",
    outcome: "pass",
    detail: resource.kind === "connector_action" ? `Connector ${resource.connectorSlug} is enabled` : `PAT key ${resource.label} is enabled`,
  });

  // Layer 2: roles. Deny by default; a Deny in any role wins over every Allow.
  const key = resource.kind === "connector_action" ? actionKey(resource.connectorId, resource.action) : patKeyKey(resource.patKeyId);
  let allowedBy: CompiledRole | undefined;
  for (const role of roles) {
    const effect = role.grants.get(key);
    if (effect === "deny") {
      const reason = `Role: ${role.name}, action not permitted`;
      trace.push({ layer: "role", outcome: "deny", detail: `${reason} (${resourceLabel(resource)} is set to Deny)` });
      skip(trace, "rule");
      return deny("role", reason, role.id);
    }
    if (effect === "allow" && !allowedBy) allowedBy = role;
  }
  if (!allowedBy) {
    const reason = `No role grants ${resourceLabel(resource)}`;
    const held = roles.length === 0 ? `no role assigned to this ${principal.kind === "user" ? "user" : "service account"}` : `roles: ${roles.map((r) => r.name).join(", ")}`;
    trace.push({ layer: "role", outcome: "deny", detail: `${reason} (${held}; deny by default)` });
    skip(trace, "rule");
    return deny("role", reason);
  }
  trace.push({ layer: "role", outcome: "pass", detail: `Role: ${allowedBy.name} allows ${resourceLabel(resource)}` });

  // Layer 3: the rules that apply to this subject and resource, in the order they were written.
  const pending: PendingRateLimit[] = [];
  let parsedIp: ReturnType<typeof parseAddressCached> | undefined;
  let rulesSeen = 0;
  for (const rule of rulesFor(policy, resource)) {
    if (!applies(rule, sKey, roles)) continue;
    rulesSeen++;
    const c = rule.condition;
    switch (c.type) {
      case "time_window": {
        if (!inTimeWindow(c.window, now)) {
          const reason = `Outside time window ${c.window.label}`;
          trace.push({ layer: "rule", outcome: "deny", detail: `${rule.name}: ${reason}` });
          return deny("rule", reason, rule.id);
        }
        trace.push({ layer: "rule", outcome: "pass", detail: `${rule.name}: inside time window ${c.window.label}` });
        break;
      }
      case "ip_allowlist": {
        if (parsedIp === undefined) parsedIp = request.clientIp === null ? null : parseAddressCached(request.clientIp);
        if (!parsedIp || !matchesAny(c.cidrs, parsedIp)) {
          const list = c.cidrs.length > 4 ? `${c.cidrs.slice(0, 4).map((x) => x.source).join(", ")}, …` : c.cidrs.map((x) => x.source).join(", ");
          const reason = parsedIp
            ? `IP ${request.clientIp} is not in the allowed networks (${list})`
            : `Client address unknown; rule ${rule.name} allows only listed networks`;
          trace.push({ layer: "rule", outcome: "deny", detail: `${rule.name}: ${reason}` });
          return deny("rule", reason, rule.id);
        }
        trace.push({ layer: "rule", outcome: "pass", detail: `${rule.name}: IP ${request.clientIp} is allowed` });
        break;
      }
      case "attribute": {
        const attrs = policy.attributes[sKey];
        if (!evaluateExpression(c.expression, attrs)) {
          const reason = `Attribute rule ${rule.name} not met: ${c.expression.source}`;
          trace.push({ layer: "rule", outcome: "deny", detail: reason });
          return deny("rule", reason, rule.id);
        }
        trace.push({ layer: "rule", outcome: "pass", detail: `${rule.name}: ${c.expression.source}` });
        break;
      }
      case "rate_limit": {
        const base = `rl:{${policy.orgId}}:${rule.id}`;
        const reasonIfExceeded = `Rate limit: ${c.limit} ${c.limit === 1 ? "call" : "calls"} per ${formatWindow(c.windowSeconds)} ${PER_LABEL[c.per]}`;
        const entry = (k: string): PendingRateLimit => ({
          ruleId: rule.id,
          ruleName: rule.name,
          key: k,
          limit: c.limit,
          windowSeconds: c.windowSeconds,
          per: c.per,
          reasonIfExceeded,
        });
        if (c.per === "user") pending.push(entry(`${base}:s:${sKey}`));
        else if (c.per === "org") pending.push(entry(`${base}:org`));
        else if (rule.scope.kind === "role") pending.push(entry(`${base}:r:${rule.scope.roleId}`));
        // "Per role" on an org- or subject-scoped rule: one budget per role the subject holds.
        else for (const r of roles) pending.push(entry(`${base}:r:${r.id}`));
        trace.push({ layer: "rule", outcome: "pass", detail: `${rule.name}: ${reasonIfExceeded} (counted when the call is made)` });
        break;
      }
    }
  }
  if (rulesSeen === 0) trace.push({ layer: "rule", outcome: "pass", detail: "No conditional rule applies" });
  return {
    decision: { effect: "allow", layer: "rule", ruleId: allowedBy.id, reason: `Allowed by role ${allowedBy.name}`, redaction, trace },
    pendingRateLimits: pending,
  };
}

/** For listings (tools/list, /v1/models): layers 1–3 with rate limits ignored. */
export function decideWithoutCounting(policy: CompiledPolicy, principal: PolicySubject, request: PolicyRequest, now: Date): Decision {
  return decide(policy, principal, request, now).decision;
}

/**
 * Consumes the evaluation's rate limits: all of them or none, atomically across instances (Redis
 * script) or within this process. Refuses with retryAfterSeconds when one is exhausted.
 */
export async function applyRateLimits(evaluation: Evaluation, counter: RateLimitCounter, now: Date = new Date()): Promise<EngineDecision> {
  const { decision, pendingRateLimits } = evaluation;
  if (decision.effect === "deny" || pendingRateLimits.length === 0) return decision;
  const nowMs = now.getTime();
  const result = await counter.consume(
    pendingRateLimits.map((p) => ({ key: p.key, windowMs: p.windowSeconds * 1000, limit: p.limit })),
    nowMs,
  );
  if (result.allowed) {
    const trace = [...decision.trace];
    pendingRateLimits.forEach((p, i) => trace.push({ layer: "rule", outcome: "pass", detail: `${p.ruleName}: call ${result.counts[i]} of ${p.limit}` }));
    return { ...decision, trace };
  }
  const p = pendingRateLimits[result.failedIndex];
  const retryAfterSeconds = Math.max(1, Math.ceil((result.resetAt[result.failedIndex] - nowMs) / 1000));
  const reason = `${p.reasonIfExceeded}; retry in ${formatRetry(retryAfterSeconds)}`;
  return {
    effect: "deny",
    layer: "rule",
    ruleId: p.ruleId,
    reason,
    retryAfterSeconds,
    redaction: decision.redaction,
    trace: [...decision.trace, { layer: "rule", outcome: "deny", detail: `${p.ruleName}: ${reason}` }],
    rateLimit: { ruleId: p.ruleId, ruleName: p.ruleName, limit: p.limit, windowSeconds: p.windowSeconds, per: p.per, count: result.counts[result.failedIndex] },
  };
}
