// Runs one connector action for a governed MCP request (the gateway calls this after identity and
// policy said yes). Order: status → argument validation → SSRF preflight of the connector's endpoint
// → vault (withSecret, Buffer zeroed after) → vendor call. Vendor failures become an isError result
// with the vendor's message (scrubbed of any credential), a `connector.error` outbox event, and a
// count towards the circuit breaker: FORTRESS_CONNECTOR_BREAKER_THRESHOLD consecutive failures turn
// the connector OFFLINE until a Test/Retry succeeds.
import { and, eq, sql } from "drizzle-orm";
import { connectorActions, connectors } from "@/db/schema";
import { recordAuditEvent } from "../audit/record";
import type { Actor } from "../context";
import { getDb } from "../db";
import { env } from "../env";
import type { Principal } from "../identity/principal";
import { logger } from "../log";
import { checkArguments } from "./arguments";
import { assertOutboundAllowed, OutboundBlockedError } from "../net/outbound";
import { enqueueEvent } from "../outbox/enqueue";
import { withSecret, type AuditCompanion } from "../vault";
import { connectorState, forgetOrgConnectors } from "./cache";
import { getConnectorType } from "./catalog";
import { notifyConnectorsChanged } from "./events";
import { ConnectorError, type ActionResult, type ConnectorRef, type ConnectorType } from "./types";

export type ConnectorRow = typeof connectors.$inferSelect;
export type ConnectorActionRow = typeof connectorActions.$inferSelect;

export interface RunConnectorActionInput {
  connector: ConnectorRow;
  action: Pick<ConnectorActionRow, "name" | "binding" | "inputSchema"> & Partial<Pick<ConnectorActionRow, "exposed">>;
  args: Record<string, unknown>;
  principal: Principal;
  requestId: string;
  clientIp?: string | null;
  signal?: AbortSignal;
  /** The gateway's own audit event, committed together with the credential use (see UseContext). */
  auditCompanion?: AuditCompanion;
}

export const errorResult = (message: string): ActionResult => ({ content: [{ type: "text", text: message }], isError: true });

export const connectorRef = (c: ConnectorRow): ConnectorRef => ({ id: c.id, orgId: c.orgId, slug: c.slug, type: c.type, config: c.config });

export const principalActor = (p: Principal): Actor => ({ type: p.kind, id: p.id, label: p.label });

/** Replaces any credential value (and its base64 forms) that a vendor echoed back. */
export function scrubCredential(message: string, credential: Buffer): string {
  let out = message;
  let values: string[] = [];
  try {
    const parsed = JSON.parse(credential.toString("utf8"));
    values = Object.values(parsed).filter((v): v is string => typeof v === "string" && v.length >= 6);
  } catch {
    values = [];
  }
  for (const v of values) {
    for (const form of [v, Buffer.from(v).toString("base64")]) out = out.split(form).join("[redacted]");
  }
  return out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [redacted]");
}

/** Whether a failure says something about the connector's health (vs. a bad request by the caller). */
export function countsAgainstHealth(err: ConnectorError): boolean {
  const { status, transient } = err.options;
  if (status === 429) return false;
  return Boolean(transient) || status === 401 || status === undefined;
}

/** SSRF preflight of the connector's configured endpoint, before any credential is touched. */
export async function preflight(type: ConnectorType, config: Record<string, unknown>): Promise<void> {
  if (!type.endpoint) return;
  try {
    await assertOutboundAllowed(type.endpoint(config));
  } catch (err) {
    if (err instanceof OutboundBlockedError) throw new ConnectorError(`${type.name}: ${err.message}`, { status: 403, transient: false });
    throw err;
  }
}

/** Runs `fn` with the connector's decrypted credential; ConnectorError messages leave scrubbed. */
export async function withConnectorCredential<T>(
  c: ConnectorRow,
  actor: Actor,
  meta: { requestId: string; clientIp: string | null },
  fn: (credential: Buffer) => Promise<T>,
  companion?: AuditCompanion,
): Promise<T> {
  if (!c.secretId) throw new ConnectorError("This connector has no stored credential; rotate it to add one", { status: 401, transient: false });
  return withSecret(
    { orgId: c.orgId, secretId: c.secretId },
    "connector",
    async (buf) => {
      try {
        return await fn(buf);
      } catch (err) {
        if (err instanceof ConnectorError) throw new ConnectorError(scrubCredential(err.message, buf), err.options);
        throw err;
      }
    },
    { actor, meta, ...(companion ? { companion } : {}) },
  );
}

async function recordFailure(c: ConnectorRow, err: ConnectorError, action: string, requestId: string, countIt: boolean): Promise<void> {
  const db = await getDb();
  const threshold = env().FORTRESS_CONNECTOR_BREAKER_THRESHOLD;
  let wentOffline = false;
  await db.transaction(async (tx) => {
    if (countIt) {
      const [row] = await tx
        .update(connectors)
        .set({
          consecutiveFailures: sql`${connectors.consecutiveFailures} + 1`,
          lastError: err.message.slice(0, 1000),
          status: sql`CASE WHEN ${connectors.consecutiveFailures} + 1 >= ${threshold} AND ${connectors.status} = 'ACTIVE' THEN 'OFFLINE' ELSE ${connectors.status} END`,
          updatedAt: new Date(),
        })
        .where(and(eq(connectors.id, c.id), eq(connectors.orgId, c.orgId)))
        .returning({ status: connectors.status, failures: connectors.consecutiveFailures });
      wentOffline = row?.status === "OFFLINE" && c.status === "ACTIVE" && row.failures >= threshold && row.failures - 1 < threshold;
    }
    await enqueueEvent(tx, {
      orgId: c.orgId,
      type: "connector.error",
      dedupeKey: `connector.error:${c.id}:${requestId}`,
      payload: {
        connector_id: c.id,
        connector_slug: c.slug,
        connector_type: c.type,
        action,
        message: err.message,
        status: err.options.status ?? null,
        request_id: requestId,
        ...(wentOffline ? { connector_status: "OFFLINE", consecutive_failures: threshold } : {}),
      },
    });
    if (wentOffline) {
      await recordAuditEvent(tx, {
        orgId: c.orgId,
        product: "mcp",
        actor: { type: "system", id: null, label: "circuit breaker" },
        action: "connector.offline",
        resourceType: "connector",
        resourceId: c.id,
        decision: "info",
        reason: `${threshold} consecutive failures; last: ${err.message}`.slice(0, 500),
        meta: { requestId },
      });
    }
  });
  if (wentOffline) {
    logger().warn({ connectorId: c.id, orgId: c.orgId }, "connector OFFLINE after consecutive failures");
    await notifyConnectorsChanged(c.orgId);
  } else if (countIt) {
    // The count moved: the next call on this instance reads it (the breaker itself decides in SQL).
    forgetOrgConnectors(c.orgId);
  }
}

async function recordSuccess(c: ConnectorRow): Promise<void> {
  if (c.consecutiveFailures === 0 && !c.lastError) return;
  const db = await getDb();
  await db
    .update(connectors)
    .set({ consecutiveFailures: 0, lastError: null, updatedAt: new Date() })
    .where(and(eq(connectors.id, c.id), eq(connectors.orgId, c.orgId), eq(connectors.status, "ACTIVE")));
  // Else a cached row still showing the old count would repeat this write until its max-age.
  forgetOrgConnectors(c.orgId);
}

export async function runConnectorAction(input: RunConnectorActionInput): Promise<ActionResult> {
  const c = input.connector;
  const actionName = input.action.name;
  if (c.status !== "ACTIVE") return errorResult(`Connector ${c.slug} is ${c.status}; only ACTIVE connectors serve requests`);
  if (!c.enabled) return errorResult(`Connector ${c.slug} is turned off`);
  if (input.action.exposed === false) return errorResult(`Tool ${c.slug}__${actionName} is not exposed (held back or awaiting approval)`);
  const type = getConnectorType(c.type);
  if (!type) return errorResult(`Connector type ${c.type} is not available`);
  // The gateway has checked them already (and audited the outcome); the same validator again, from its
  // cache, for every other caller and as the last word before the vault.
  const check = checkArguments(input.action.inputSchema, input.args ?? {});
  if (!check.ok) return errorResult(check.message);
  const meta = { requestId: input.requestId, clientIp: input.clientIp ?? null };
  // The caller's row may be older than this request's checks: the kill switch (and the breaker) is
  // checked again, right before the vault is asked, against the org's connectors cache. Every status
  // change drops that cache at once on the instance that made it and within a bus round trip
  // elsewhere (at worst ORG_ROWS_MAX_AGE_MS, 500 ms, if a message is lost): the bounded window that
  // API-key revocation has too, instead of a database read on every call.
  const fresh = await connectorState(c.orgId, c.id);
  if (!fresh) return errorResult(`Connector ${c.slug} no longer exists`);
  if (fresh.status !== "ACTIVE") return errorResult(`Connector ${c.slug} is ${fresh.status}; only ACTIVE connectors serve requests`);
  if (!fresh.enabled) return errorResult(`Connector ${c.slug} is turned off`);
  try {
    await preflight(type, c.config);
    const result = await withConnectorCredential(c, principalActor(input.principal), meta, (credential) =>
      type.execute({
        connector: connectorRef(c),
        action: { name: actionName, binding: input.action.binding ?? {} },
        args: input.args ?? {},
        credential,
        signal: input.signal,
        requestId: input.requestId,
      }),
      input.auditCompanion,
    );
    await recordSuccess(c);
    return result;
  } catch (err) {
    if (!(err instanceof ConnectorError)) throw err; // vault/database failures: fail closed, the gateway answers an error
    await recordFailure(c, err, actionName, input.requestId, countsAgainstHealth(err) && err.options.status !== 403);
    const retry = err.options.retryAfterSeconds !== undefined ? ` (retry after ${err.options.retryAfterSeconds} s)` : "";
    return errorResult(`${err.message}${retry}`);
  }
}
