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
import { queueArchiveRetry, type ArchiveResult } from "./archive";
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

/**
 * Admission, part 1 (before the key is used): the spend reservation, one atomic statement. Keys
 * without a cap reserve nothing (their spend is recorded at settlement).
 */
export async function reserve(reservation: ReserveInput): Promise<SpendState | "refused"> {
  if (reservation.capMicros === null) return { reservedMicros: 0, settledMicros: 0 };
  const state = await reserveSpend(await getDb(), reservation);
  return state ?? "refused";
}

/**
 * Admission, part 2: the "allow" audit event. Written while the request travels upstream; the
 * gateway does not answer the client before it is durable (and refuses if it cannot be written).
 */
export async function auditAdmission(facts: RequestFacts, reservedMicros: number): Promise<void> {
  await recordAuditEvent(await getDb(), {
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
      reserved_micros: reservedMicros,
    },
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
  archive: ArchiveResult;
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
    archiveStatus: o.archive?.status === "unsealed" ? "failed" : (o.archive?.status ?? "none"),
    archiveKey: o.archive && "key" in o.archive ? o.archive.key : null,
    archiveSha256: o.archive && "sha256" in o.archive ? o.archive.sha256 : null,
    archiveError: o.archive?.status === "failed" ? "write failed; retrying" : o.archive?.status === "unsealed" ? "vault unavailable: the exchange could not be sealed" : null,
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
    await recordAuditEvent(tx, {
      orgId: facts.principal.orgId,
      product: "pat",
      actor: actorOf(facts.principal),
      action: `pat.${facts.endpoint}.completed`,
      resourceType: "pat_request",
      resourceId: facts.requestId,
      decision: outcome.decision === "allow" ? "allow" : "info",
      reason: outcome.reason,
      latencyMs: outcome.latencyMs,
      meta: facts.meta,
      metadata: {
        status: outcome.status,
        pat_key_id: facts.patKey?.id ?? null,
        input_tokens: outcome.usage.inputTokens,
        output_tokens: outcome.usage.outputTokens,
        cache_creation_tokens: outcome.usage.cacheCreationTokens,
        cache_read_tokens: outcome.usage.cacheReadTokens,
        cost_micros: outcome.costMicros,
        upstream_request_id: outcome.upstreamRequestId,
        // The archive object's hash goes into the chain with the request it belongs to.
        archive: outcome.archive.status === "none" || outcome.archive.status === "unsealed" ? null : { object_key: outcome.archive.key, sha256: outcome.archive.sha256, stored: outcome.archive.status === "stored" },
      },
    });
    if (outcome.archive.status === "failed") await queueArchiveRetry(tx, facts.principal.orgId, facts.requestId, outcome.archive);
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
