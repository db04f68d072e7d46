// The policy engine's public face for the gateways and the admin API.
// CONTRACT (seam shared by MCP Fortress and PAT Fortress): signatures here are stable; the
// implementation belongs to the policy issue. Until it lands everything is denied (deny by default).
import type { Actor, RequestMeta } from "../context";
import type { DbOrTx } from "../db";
import type { Principal } from "../identity/principal";
import type { RedactionSettings } from "../redaction";

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
export async function authorize(_principal: Principal, request: PolicyRequest, _now: Date = new Date()): Promise<Decision> {
  return denyAll(request);
}

/**
 * For listings (MCP tools/list, GET /v1/models): the subset of `resources` this principal may use
 * now, in input order. Evaluates layers 1–3 without consuming rate-limit counters.
 */
export async function allowedResources<R extends PolicyResource>(
  _principal: Principal,
  _resources: R[],
  _clientIp: string | null,
  _now: Date = new Date(),
): Promise<R[]> {
  return [];
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
export async function createRole(_db: DbOrTx, _orgId: string, _input: RoleInput, _ctx: ChangeContext): Promise<{ id: string }> {
  throw new Error("policy store not implemented yet");
}

/** Gives a user or service account a role (their API keys inherit it). Change Log entry included. */
export async function assignRole(
  _db: DbOrTx,
  _orgId: string,
  _roleId: string,
  _subject: RoleSubject,
  _ctx: ChangeContext,
): Promise<void> {
  throw new Error("policy store not implemented yet");
}

function denyAll(request: PolicyRequest): Decision {
  return {
    effect: "deny",
    layer: "role",
    reason: "No role allows this",
    redaction: { email: true, phone: true, ssn: true, creditCard: true, custom: [] },
    trace: [{ layer: "role", outcome: "deny", detail: `deny by default (${request.resource.kind})` }],
  };
}
