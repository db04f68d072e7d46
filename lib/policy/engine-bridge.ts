// The one place the policy store, snapshot cache and admin API reach into the pure engine
// (lib/policy/compile.ts & co., lib/redaction). Save-time validation goes through here so a
// condition accepted by the API is exactly one the engine can compile.
// TEMPORARY: until the engine branch lands these are minimal local checks.
import { z } from "zod";
import { FortressError } from "../errors";

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const ZRuleCondition = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("time_window"),
    days: z.array(z.number().int().min(0).max(6)).min(1),
    start: z.string().regex(HHMM, "must be HH:MM"),
    end: z.string().regex(HHMM, "must be HH:MM"),
    timeZone: z.string().refine(validTimeZone, "is not an IANA time zone"),
  }),
  z.object({
    type: z.literal("rate_limit"),
    limit: z.number().int().min(1),
    windowSeconds: z.number().int().min(1),
    per: z.enum(["user", "role", "org"]),
  }),
  z.object({ type: z.literal("ip_allowlist"), cidrs: z.array(z.string()).min(1) }),
  z.object({ type: z.literal("attribute"), expression: z.string().min(1).max(1000) }),
]);

export function parseExpression(source: string): unknown {
  if (!source.trim()) throw new FortressError("invalid_request", "expression is empty");
  return source;
}

export function validateCustomPattern(pattern: string): void {
  new RegExp(pattern);
}

import type { RedactionCounts, RedactionSettings } from "../redaction";
export function redactText(text: string, settings: RedactionSettings): { value: string; counts: RedactionCounts } {
  const counts: RedactionCounts = {};
  let value = text;
  if (settings.email)
    value = value.replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, (m) => {
      counts.email = (counts.email ?? 0) + 1;
      return m.replace(/[^@.]/g, "█");
    });
  return { value, counts };
}

import type { PolicySource } from "./types";
export type CompiledPolicy = PolicySource;
export function compilePolicy(source: PolicySource): CompiledPolicy {
  return source;
}

import type { Principal } from "../identity/principal";
import type { Counter } from "../limits/counter";
import type { Decision, PolicyRequest } from "./index";
export interface PendingRateLimit {
  ruleId: string;
  key: string;
  limit: number;
  windowSeconds: number;
}
export interface Evaluation {
  decision: Decision;
  pendingRateLimits: PendingRateLimit[];
}
export function decideWithoutCounting(policy: CompiledPolicy, principal: Principal, request: PolicyRequest, _now: Date): Decision {
  const redaction = policy.redaction.org;
  const r = request.resource;
  if (!r.enabled) return { effect: "deny", layer: "toggle", reason: "disabled", redaction, trace: [{ layer: "toggle", outcome: "deny", detail: "disabled" }] };
  const mine = policy.assignments.filter((a) => a.subjectKind === principal.kind && a.subjectId === principal.id).map((a) => a.roleId);
  let allowed = false;
  for (const role of policy.roles.filter((x) => mine.includes(x.id))) {
    for (const g of role.grants) {
      const hit = r.kind === "connector_action" ? g.kind === "connector_action" && g.connectorId === r.connectorId && g.action === r.action : g.kind === "pat_key" && g.patKeyId === r.patKeyId;
      if (!hit) continue;
      if (g.effect === "deny") return { effect: "deny", layer: "role", ruleId: role.id, reason: `Role: ${role.name}, action not permitted`, redaction, trace: [] };
      allowed = true;
    }
  }
  if (!allowed) return { effect: "deny", layer: "role", reason: "No role allows this", redaction, trace: [] };
  return { effect: "allow", layer: "rule", reason: "Allowed", redaction, trace: [] };
}
export function decide(policy: CompiledPolicy, principal: Principal, request: PolicyRequest, now: Date): Evaluation {
  return { decision: decideWithoutCounting(policy, principal, request, now), pendingRateLimits: [] };
}
export async function applyRateLimits(evaluation: Evaluation, _counter: Counter, _now: Date): Promise<Decision> {
  return evaluation.decision;
}
