// tools/call: one governed request. `<slug>__<action>` → load (org-scoped) → policy → arguments
// checked against the input schema → audit event (durable before anything runs: fail closed) →
// connector run (vault credential, vendor call) → PII redaction of the result → Traffic Feed.
// Nothing of the arguments or the response is retained: the audit event holds metadata only.
import { recordGovernedAuditEvent } from "../../audit/gateway";
import type { AuditEventInput } from "../../audit/record";
import type { Actor, RequestMeta } from "../../context";
import type { AuditCompanion } from "../../vault";
import { ConnectorError, type ActionResult } from "../../connectors/types";
import { isFortressError } from "../../errors";
import { deadline } from "../../http/deadline";
import type { Principal } from "../../identity/principal";
import { logger } from "../../log";
import type { Decision } from "../../policy";
import type { McpDeps } from "./deps";
import { INTERNAL_ERROR, INVALID_PARAMS, isObject, RpcError } from "./protocol";
import { findTool, type ToolEntry } from "./tools";
import { checkArguments } from "../../connectors/arguments";

export interface CallContext {
  principal: Principal;
  meta: RequestMeta;
  protocolVersion: string;
  sessionId: string | null;
  startedAt: number;
  signal?: AbortSignal;
  /** Transport checks that need the tool's definition (2026-07-28 x-mcp-header parameters). */
  checkTool?: (tool: ToolEntry, args: Record<string, unknown>) => void;
}

const actorOf = (p: Principal): Actor => ({ type: p.kind, id: p.id, label: p.label });

type Outcome = "denied" | "unknown_tool" | "invalid_arguments" | "executed";

export async function callTool(deps: McpDeps, params: Record<string, unknown>, ctx: CallContext): Promise<Record<string, unknown>> {
  const name = params.name;
  if (typeof name !== "string" || name.length === 0 || name.length > 256) {
    throw new RpcError(INVALID_PARAMS, 'Invalid params: "name" must be a tool name');
  }
  const rawArgs = params.arguments;
  if (rawArgs !== undefined && !isObject(rawArgs)) throw new RpcError(INVALID_PARAMS, 'Invalid params: "arguments" must be an object');
  const args = (rawArgs ?? {}) as Record<string, unknown>;

  const tool = await findTool(ctx.principal.orgId, name);
  // PENDING connectors and held-back actions are not tools yet: the same answer as a name that never existed.
  if (!tool || tool.connector.status === "PENDING" || !tool.action.exposed) {
    await audit(deps, ctx, name, null, { effect: "deny", reason: `Unknown tool: ${name}` }, "unknown_tool");
    throw new RpcError(INVALID_PARAMS, `Unknown tool: ${name}`);
  }

  ctx.checkTool?.(tool, args);

  let decision: Decision;
  try {
    decision = await deps.authorize(ctx.principal, { product: "mcp", resource: tool.resource, clientIp: ctx.meta.clientIp });
  } catch (err) {
    // Fail closed: a policy store that cannot answer is a "no".
    logger().error({ err, requestId: ctx.meta.requestId }, "policy engine unavailable; MCP call refused");
    await audit(deps, ctx, name, tool, { effect: "deny", reason: "Policy engine unavailable" }, "denied").catch(() => {});
    throw new RpcError(INTERNAL_ERROR, "Policy engine unavailable; the call was refused");
  }

  if (decision.effect !== "allow") {
    await audit(deps, ctx, name, tool, decision, "denied");
    throw new RpcError(INVALID_PARAMS, "Policy denied", { reason: decision.reason, ...(decision.retryAfterSeconds ? { retryAfterSeconds: decision.retryAfterSeconds } : {}) });
  }

  const check = checkArguments(tool.action.inputSchema, args);
  if (!check.ok) {
    await audit(deps, ctx, name, tool, decision, "invalid_arguments");
    return { content: [{ type: "text", text: check.message }], isError: true };
  }

  const { signal, release } = deadline(deps.callTimeoutMs, ctx.signal);
  const execute = async (companion?: AuditCompanion): Promise<ActionResult> => {
    try {
      return await deps.runAction({
        connector: tool.connector,
        action: tool.action,
        args,
        principal: ctx.principal,
        requestId: ctx.meta.requestId,
        signal,
        ...(companion ? { auditCompanion: companion } : {}),
      });
    } catch (err) {
      if (err instanceof ConnectorError || (isFortressError(err) && err.status < 500)) {
        return { content: [{ type: "text", text: (err as Error).message }], isError: true };
      }
      publish(deps, ctx, name, tool, "error", isFortressError(err) ? err.message : "Connector call failed");
      if (isFortressError(err)) throw new RpcError(INTERNAL_ERROR, err.message);
      logger().error({ err, requestId: ctx.meta.requestId }, "connector call failed");
      throw new RpcError(INTERNAL_ERROR, "Connector call failed");
    } finally {
      release();
    }
  };

  let result: ActionResult;
  if (tool.action.readOnly && !tool.action.destructive && deps.recordAudit === recordGovernedAuditEvent) {
    // Read-only, default audit path: the decision event rides in the same group commit as the vault's
    // credential-use event (one durable write on the path instead of two). A read changes nothing at
    // the vendor, so the call runs while that commit is under way (`alongside`); the vault returns
    // nothing before it is durable and refuses if it cannot be written. If the run stopped before the
    // vault (connector not ACTIVE, SSRF refusal), the event is written here; either way it is durable
    // before we answer.
    const companion: AuditCompanion = { event: auditEvent(ctx, name, tool, decision, "executed"), alongside: true };
    result = await execute(companion);
    if (companion.committed) await companion.committed;
    else await audit(deps, ctx, name, tool, decision, "executed");
  } else if (tool.action.readOnly && !tool.action.destructive) {
    const audited = audit(deps, ctx, name, tool, decision, "executed");
    // A read-only action changes nothing at the vendor, so it may run while its audit event is being
    // written; nothing is released until the event is durable, and a failed write still refuses the
    // call. Actions that change something run only after the event is durable.
    const [a, r] = await Promise.allSettled([audited, execute()]);
    if (a.status === "rejected") throw a.reason;
    if (r.status === "rejected") throw r.reason;
    result = r.value;
  } else {
    await audit(deps, ctx, name, tool, decision, "executed");
    result = await execute();
  }

  const relayed = redactResult(deps, result, decision);
  publish(deps, ctx, name, tool, relayed.isError ? "error" : "allow", relayed.isError ? "Vendor error" : decision.reason);
  return relayed;
}

/** PII redaction of text content and structuredContent; when redaction cannot run, nothing is relayed. */
function redactResult(deps: McpDeps, result: ActionResult, decision: Decision): Record<string, unknown> {
  const content = Array.isArray(result.content) ? result.content : [];
  let redacted: { content: ActionResult["content"]; structuredContent?: Record<string, unknown> };
  try {
    redacted = deps.redact(
      result.structuredContent === undefined ? { content } : { content, structuredContent: result.structuredContent },
      decision.redaction,
    ).value;
  } catch (err) {
    logger().error({ err }, "redaction failed; MCP result withheld");
    throw new RpcError(INTERNAL_ERROR, "PII redaction unavailable; the result was withheld");
  }
  const out: Record<string, unknown> = { content: redacted.content };
  if (redacted.structuredContent !== undefined) out.structuredContent = redacted.structuredContent;
  if (result.isError) out.isError = true;
  return out;
}

async function audit(
  deps: McpDeps,
  ctx: CallContext,
  name: string,
  tool: ToolEntry | null,
  decision: Pick<Decision, "effect" | "reason"> & Partial<Pick<Decision, "layer" | "ruleId">>,
  outcome: Outcome,
): Promise<void> {
  const db = await deps.db();
  try {
    await deps.recordAudit(db, auditEvent(ctx, name, tool, decision, outcome));
  } catch (err) {
    // Fail closed: no unaudited decision is acted upon.
    logger().error({ err, requestId: ctx.meta.requestId }, "audit write failed; MCP call refused");
    publish(deps, ctx, name, tool, "error", "Audit log unavailable");
    throw new RpcError(INTERNAL_ERROR, "Audit log unavailable; the call was refused");
  }
  if (outcome !== "executed") {
    publish(deps, ctx, name, tool, outcome === "invalid_arguments" ? "error" : "deny", decision.reason);
  }
}

function auditEvent(
  ctx: CallContext,
  name: string,
  tool: ToolEntry | null,
  decision: Pick<Decision, "effect" | "reason"> & Partial<Pick<Decision, "layer" | "ruleId">>,
  outcome: Outcome,
): AuditEventInput {
  return {
    orgId: ctx.principal.orgId,
    product: "mcp",
    actor: actorOf(ctx.principal),
    action: "mcp.tools.call",
    resourceType: "connector_action",
    resourceId: tool?.action.id,
    decision: decision.effect === "allow" ? "allow" : "deny",
    reason: decision.reason,
    latencyMs: Math.max(0, Math.round(performance.now() - ctx.startedAt)),
    meta: ctx.meta,
    // Metadata only (spec 002): never the arguments, never the response.
    metadata: {
      tool: name,
      connectorId: tool?.connector.id ?? null,
      connectorSlug: tool?.connector.slug ?? null,
      connectorAction: tool?.action.name ?? null,
      outcome,
      layer: decision.layer ?? null,
      ruleId: decision.ruleId ?? null,
      apiKeyId: ctx.principal.apiKeyId,
      protocolVersion: ctx.protocolVersion,
      sessionId: ctx.sessionId,
    },
  };
}

function publish(deps: McpDeps, ctx: CallContext, name: string, tool: ToolEntry | null, decision: "allow" | "deny" | "error", reason?: string): void {
  try {
    deps.publishTraffic({
      orgId: ctx.principal.orgId,
      at: new Date().toISOString(),
      product: "mcp",
      requestId: ctx.meta.requestId,
      target: name,
      principal: { kind: ctx.principal.kind, id: ctx.principal.id, label: ctx.principal.label },
      decision,
      reason,
      latencyMs: Math.max(0, Math.round(performance.now() - ctx.startedAt)),
      connectorSlug: tool?.connector.slug,
    });
  } catch {
    // The feed is best effort by contract; the audit trail is the record.
  }
}
