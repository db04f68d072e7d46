// The policy engine's public face for the gateways and the admin API.
// CONTRACT (seam shared by MCP Fortress and PAT Fortress): signatures here are stable.
// authorize = cached per-org snapshot → pure engine decision → rate-limit counters (the only I/O);
// a rate-limit denial also enqueues `user.overage` (once per subject, rule and window).
import type { Actor, RequestMeta } from "../context";
import { getDb, type DbOrTx } from "../db";
import type { Principal } from "../identity/principal";
import { counter } from "../limits/counter";
import { logger } from "../log";
import { enqueueEvent } from "../outbox/enqueue";
import type { RedactionSettings } from "../redaction";
import { applyRateLimits, decide, decideWithoutCounting, type EngineDecision } from "./engine-bridge";
import { getPolicySnapshot } from "./snapshot";
import { assignRoleRecord, createRoleRecord } from "./store";

export { invalidatePolicy, subscribePolicyChanges } from "./snapshot";

/** What a governed request wants to use. The gateway loads it and passes its layer-1 toggle state. */
export type PolicyResource =
  | {
      kind: "connector_action";
      connectorId: string;
      connectorSlug: string;
      action: string;
      /** Layer 1: connector enabled and not KILLED. */
      enabled: boolean;
      destructive?: boolean;
    }
  | {
      kind: "pat_key";
      patKeyId: string;
      label: string;
      /** Layer 1: key enabled and usable (not REVOKED). */
      enabled: boolean;
    };

export interface PolicyRequest {
  product: "mcp" | "pat";
  resource: PolicyResource;
  /** Client address as resolved by lib/http/client-ip (trusted-proxy aware). */
  clientIp: string | null;
}

export type PolicyLayer = "toggle" | "role" | "rule";

export interface TraceStep {
  layer: PolicyLayer;
  outcome: "pass" | "deny" | "skip";
  detail: string;
}

export interface Decision {
  effect: "allow" | "deny";
  /** The layer that decided (for an allow: the last layer passed, "rule"). */
  layer: PolicyLayer;
  /** Id of the role or rule that decided, when one did. */
  ruleId?: string;
  /** A sentence a person reads: "Role: Support Agent, action not permitted". */
  reason: string;
  /** Rate limits: when a retry may succeed. */
  retryAfterSeconds?: number;
  /** Effective PII redaction for this principal and connector (org → role → connector overrides). */
  redaction: RedactionSettings;
  trace: TraceStep[];
}

/**
 * Decides one governed request: layer 1 toggles → layer 2 roles (deny by default, deny wins) →
 * layer 3 rules (time window, rate limit — consumes a counter —, IP CIDR, attributes). Uses the
 * org's cached snapshot; fails closed (throws FortressError("unavailable")) when the policy store
 * cannot answer.
 */
export async function authorize(principal: Principal, request: PolicyRequest, now: Date = new Date()): Promise<Decision> {
  const snapshot = await getPolicySnapshot(principal.orgId);
  const evaluation = decide(snapshot.compiled, principal, request, now);
  const decision = await applyRateLimits(evaluation, counter(), now);
  if (decision.rateLimit) await reportOverage(principal, request, decision, now);
  const { rateLimit: _internal, ...plain } = decision;
  return plain;
}

// Dedupe keys this process already wrote: a runaway client hammering a closed window costs one
// outbox insert per window, not one per refused call (the outbox's unique key dedupes across instances).
const reported = new Map<string, number>();

/** `user.overage` to the outbox when a rate limit refused; deduplicated per subject, rule and window. */
async function reportOverage(principal: Principal, request: PolicyRequest, decision: EngineDecision, now: Date) {
  const limit = decision.rateLimit!;
  const windowMs = limit.windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const dedupeKey = `user.overage:${limit.ruleId}:${principal.kind}:${principal.id}:${windowStart.toISOString()}`;
  const nowMs = now.getTime();
  if ((reported.get(dedupeKey) ?? 0) > nowMs) return;
  const r = request.resource;
  try {
    await enqueueEvent(await getDb(), {
      orgId: principal.orgId,
      type: "user.overage",
      dedupeKey,
      payload: {
        rule: { id: limit.ruleId, name: limit.ruleName, limit: limit.limit, window_seconds: limit.windowSeconds, per: limit.per },
        subject: { kind: principal.kind, id: principal.id, label: principal.label },
        product: request.product,
        resource:
          r.kind === "connector_action"
            ? { kind: r.kind, connector_id: r.connectorId, tool: `${r.connectorSlug}__${r.action}` }
            : { kind: r.kind, pat_key_id: r.patKeyId, label: r.label },
        window_start: windowStart.toISOString(),
        retry_after_seconds: decision.retryAfterSeconds ?? null,
        occurred_at: now.toISOString(),
      },
    });
    if (reported.size >= 10_000) for (const [k, until] of reported) if (until <= nowMs || reported.size >= 10_000) reported.delete(k);
    reported.set(dedupeKey, windowStart.getTime() + windowMs);
  } catch (err) {
    // The request is refused either way; a lost webhook must not become an error for the caller.
    logger().warn({ err, orgId: principal.orgId }, "could not enqueue user.overage");
  }
}

/**
 * For listings (MCP tools/list, GET /v1/models): the subset of `resources` this principal may use
 * now, in input order. Evaluates layers 1–3 without consuming rate-limit counters.
 */
export async function allowedResources<R extends PolicyResource>(
  principal: Principal,
  resources: R[],
  clientIp: string | null,
  now: Date = new Date(),
): Promise<R[]> {
  const snapshot = await getPolicySnapshot(principal.orgId);
  return resources.filter(
    (resource) =>
      decideWithoutCounting(snapshot.compiled, principal, { product: resource.kind === "pat_key" ? "pat" : "mcp", resource, clientIp }, now)
        .effect === "allow",
  );
}

export type Grant =
  | { resource: { kind: "connector_action"; connectorId: string; action: string }; effect: "allow" | "deny" }
  | { resource: { kind: "pat_key"; patKeyId: string }; effect: "allow" | "deny" };

export interface RoleInput {
  name: string;
  description?: string;
  grants: Grant[];
}

export interface RoleSubject {
  kind: "user" | "service_account";
  id: string;
}

export interface ChangeContext {
  actor: Actor;
  meta?: Partial<RequestMeta>;
}

/** Creates a role (Change Log entry included). Returns its id. */
export async function createRole(db: DbOrTx, orgId: string, input: RoleInput, ctx: ChangeContext): Promise<{ id: string }> {
  const role = await createRoleRecord(
    db,
    orgId,
    {
      name: input.name,
      description: input.description,
      grants: input.grants.map((g) =>
        g.resource.kind === "connector_action"
          ? { kind: "connector_action" as const, connector_id: g.resource.connectorId, action: g.resource.action, effect: g.effect }
          : { kind: "pat_key" as const, pat_key_id: g.resource.patKeyId, effect: g.effect },
      ),
    },
    ctx,
  );
  return { id: role.id };
}

/** Gives a user or service account a role (their API keys inherit it). Change Log entry included. */
export async function assignRole(db: DbOrTx, orgId: string, roleId: string, subject: RoleSubject, ctx: ChangeContext): Promise<void> {
  await assignRoleRecord(db, orgId, roleId, subject, ctx);
}
