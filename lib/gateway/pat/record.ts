// What PAT Fortress writes about each request: the admission decision (audit event, with the spend
// reservation in the same transaction), denials (audit event + log row + outbox event), and the
// completed request (settled spend + log row). Traffic Feed events go out after the rows exist.
import { patRequests } from "@/db/schema";
import type { Actor, RequestMeta } from "../../context";
import { getDb, type DbOrTx } from "../../db";
import { recordAuditEvent } from "../../audit/record";
import type { Principal } from "../../identity/principal";
import { logger } from "../../log";
import { enqueueEvent } from "../../outbox/enqueue";
import { publishTraffic } from "../../traffic";
import type { Usage } from "./pricing";
import { claimAlert, reserveSpend, settleSpend, type ReserveInput, type SpendState } from "./spend";

export const actorOf = (p: Principal): Actor => ({ type: p.kind, id: p.id, label: p.label });

export interface RequestFacts {
  requestId: string;
  endpoint: string;
  principal: Principal;
  meta: RequestMeta;
  startedAt: Date;
  model: string | null;
  stream: boolean;
  patKey: { id: string; label: string } | null;
}

/** Reserve + audit "allow" in one transaction: an admitted request always has both, or neither. */
export async function admit(facts: RequestFacts, reservation: ReserveInput | null): Promise<SpendState | null | "refused"> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    let state: SpendState | null = null;
    if (reservation) {
      state = await reserveSpend(tx, reservation);
      if (!state) return "refused";
    }
    await recordAuditEvent(tx, {
      orgId: facts.principal.orgId,
      product: "pat",
      actor: actorOf(facts.principal),
      action: `pat.${facts.endpoint}`,
      resourceType: "pat_key",
      resourceId: facts.patKey?.id,
      decision: "allow",
      meta: facts.meta,
      metadata: {
        model: facts.model,
        stream: facts.stream,
        pat_key: facts.patKey?.label ?? null,
        api_key_id: facts.principal.apiKeyId,
        reserved_micros: reservation?.amountMicros ?? 0,
      },
    });
    return state;
  });
}

export interface DenialEvent {
  type: "pat.model_blocked" | "pat.spend_cap_reached";
  dedupeKey?: string;
  payload: Record<string, unknown>;
}

/** A refusal: audit "deny", a log row, maybe an outbox event — durable before the 403 is sent. */
export async function recordDenial(facts: RequestFacts, status: number, reason: string, event?: DenialEvent): Promise<void> {
  const db = await getDb();
  const latencyMs = Math.round(Date.now() - facts.startedAt.getTime());
  await db.transaction(async (tx) => {
    await recordAuditEvent(tx, {
      orgId: facts.principal.orgId,
      product: "pat",
      actor: actorOf(facts.principal),
      action: `pat.${facts.endpoint}`,
      resourceType: facts.patKey ? "pat_key" : undefined,
      resourceId: facts.patKey?.id,
      decision: "deny",
      reason,
      latencyMs,
      meta: facts.meta,
      metadata: { model: facts.model, stream: facts.stream, pat_key: facts.patKey?.label ?? null, api_key_id: facts.principal.apiKeyId, status },
    });
    await insertRow(tx, facts, { status, decision: "deny", reason, latencyMs });
    if (event) await enqueueEvent(tx, { orgId: facts.principal.orgId, type: event.type, payload: event.payload, dedupeKey: event.dedupeKey });
  });
  publishTraffic({
    orgId: facts.principal.orgId,
    at: facts.startedAt.toISOString(),
    product: "pat",
    requestId: facts.requestId,
    target: facts.model ?? facts.endpoint,
    principal: { kind: facts.principal.kind, id: facts.principal.id, label: facts.principal.label },
    decision: "deny",
    reason,
    latencyMs,
    patKeyLabel: facts.patKey?.label,
  });
}

export interface Outcome {
  status: number;
  decision: "allow" | "error";
  reason?: string;
  latencyMs: number;
  ttftMs: number | null;
  usage: Usage;
  costMicros: number;
  reservedMicros: number;
  priceVersion: string;
  upstreamRequestId: string | null;
  archiveStatus: "none" | "pending";
}

async function insertRow(
  tx: DbOrTx,
  facts: RequestFacts,
  o: Partial<Omit<Outcome, "decision">> & { status: number; decision: "allow" | "deny" | "error"; latencyMs: number },
): Promise<void> {
  await tx.insert(patRequests).values({
    id: facts.requestId,
    orgId: facts.principal.orgId,
    createdAt: facts.startedAt,
    endpoint: facts.endpoint,
    principalKind: facts.principal.kind,
    principalId: facts.principal.id,
    principalLabel: facts.principal.label,
    apiKeyId: facts.principal.apiKeyId,
    patKeyId: facts.patKey?.id ?? null,
    patKeyLabel: facts.patKey?.label ?? null,
    model: facts.model,
    stream: facts.stream,
    clientIp: facts.meta.clientIp,
    status: o.status,
    decision: o.decision,
    reason: o.reason ?? null,
    latencyMs: o.latencyMs,
    ttftMs: o.ttftMs ?? null,
    inputTokens: o.usage?.inputTokens ?? 0,
    outputTokens: o.usage?.outputTokens ?? 0,
    cacheCreationTokens: o.usage?.cacheCreationTokens ?? 0,
    cacheReadTokens: o.usage?.cacheReadTokens ?? 0,
    costMicros: o.costMicros ?? 0,
    reservedMicros: o.reservedMicros ?? 0,
    priceVersion: o.priceVersion ?? null,
    upstreamRequestId: o.upstreamRequestId ?? null,
    archiveStatus: o.archiveStatus ?? "none",
  });
}

export interface SpendKey {
  orgId: string;
  patKeyId: string;
  month: string;
  capMicros: number | null;
  alertThresholdPct: number;
}

/** After the response: settle the reservation to the real cost and write the log row, together. */
export async function complete(facts: RequestFacts, outcome: Outcome, spend: SpendKey | null): Promise<void> {
  const db = await getDb();
  let crossedThreshold = false;
  let settled = 0;
  await db.transaction(async (tx) => {
    if (spend) {
      const s = await settleSpend(tx, spend, outcome.reservedMicros, outcome.costMicros);
      settled = s?.settledMicros ?? 0;
      crossedThreshold =
        !!s && spend.capMicros !== null && !s.alertedAt && s.settledMicros * 100 >= spend.capMicros * spend.alertThresholdPct;
    }
    await insertRow(tx, facts, outcome);
  });
  if (crossedThreshold && spend && (await claimAlert(db, spend, "alertedAt"))) {
    await enqueueEvent(db, {
      orgId: spend.orgId,
      type: "pat.spend_alert",
      dedupeKey: `pat.spend_alert:${spend.patKeyId}:${spend.month}`,
      payload: {
        pat_key_id: spend.patKeyId,
        pat_key_label: facts.patKey?.label,
        month: spend.month,
        settled_micros: settled,
        cap_micros: spend.capMicros,
        threshold_pct: spend.alertThresholdPct,
      },
    }).catch((err) => logger().warn({ err }, "pat: could not enqueue spend alert"));
  }
  publishTraffic({
    orgId: facts.principal.orgId,
    at: facts.startedAt.toISOString(),
    product: "pat",
    requestId: facts.requestId,
    target: facts.model ?? facts.endpoint,
    principal: { kind: facts.principal.kind, id: facts.principal.id, label: facts.principal.label },
    decision: outcome.decision,
    reason: outcome.reason,
    latencyMs: outcome.latencyMs,
    inputTokens: outcome.usage.inputTokens,
    outputTokens: outcome.usage.outputTokens,
    costMicros: outcome.costMicros,
    patKeyLabel: facts.patKey?.label,
  });
}

/** A request that never reached completion (upstream unreachable…): give its reservation back. */
export async function release(spend: SpendKey, reservedMicros: number): Promise<void> {
  const db = await getDb();
  await settleSpend(db, spend, reservedMicros, 0, false);
}
