// The audit explorer and the Change Log reader: org-scoped, filtered, keyset-paginated by chain seq
// (newest first). Text search looks at action, reason, actor, resource and entity labels.
import { and, desc, eq, gte, ilike, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditEvents, changeLog } from "@/db/schema";
import type { DbOrTx } from "../db";
import { FortressError } from "../errors";

const ZTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const ZAuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(40).optional(),
  product: z.enum(["console", "admin_api", "mcp", "pat"]).optional(),
  decision: z.enum(["allow", "deny", "info"]).optional(),
  /** A user or service-account id, or (part of) an email / label. */
  actor: z.string().trim().min(1).max(200).optional(),
  /** A resource id (connector, PAT key, API key…), optionally "type:id". */
  resource: z.string().trim().min(1).max(200).optional(),
  resource_type: z.string().trim().min(1).max(60).optional(),
  action: z.string().trim().min(1).max(100).optional(),
  from: ZTime.optional(),
  to: ZTime.optional(),
  q: z.string().trim().min(1).max(200).optional(),
});
export type AuditQuery = z.infer<typeof ZAuditQuery>;

export const ZChangeQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(40).optional(),
  actor: z.string().trim().min(1).max(200).optional(),
  entity_type: z.string().trim().min(1).max(60).optional(),
  entity_id: z.string().trim().min(1).max(200).optional(),
  action: z.string().trim().min(1).max(60).optional(),
  from: ZTime.optional(),
  to: ZTime.optional(),
  q: z.string().trim().min(1).max(200).optional(),
});
export type ChangeQuery = z.infer<typeof ZChangeQuery>;

export function encodeSeqCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString("base64url");
}
export function decodeSeqCursor(raw: string | undefined): number | null {
  if (!raw) return null;
  const m = /^seq:(\d{1,15})$/.exec(Buffer.from(raw, "base64url").toString("utf8"));
  if (!m) throw new FortressError("invalid_request", "cursor: not a cursor returned by this API");
  return Number(m[1]);
}

const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

export interface AuditEventView {
  id: string;
  seq: number;
  occurred_at: string;
  product: string;
  actor: { type: string; id: string | null; label: string | null };
  action: string;
  resource: { type: string | null; id: string | null };
  decision: string;
  reason: string | null;
  latency_ms: number | null;
  request_id: string | null;
  client_ip: string | null;
  metadata: unknown;
  prev_hash: string;
  hash: string;
}

export function eventView(r: typeof auditEvents.$inferSelect): AuditEventView {
  return {
    id: r.id,
    seq: r.seq,
    occurred_at: r.occurredAt.toISOString(),
    product: r.product,
    actor: { type: r.actorType, id: r.actorId, label: r.actorLabel },
    action: r.action,
    resource: { type: r.resourceType, id: r.resourceId },
    decision: r.decision,
    reason: r.reason,
    latency_ms: r.latencyMs,
    request_id: r.requestId,
    client_ip: r.clientIp,
    metadata: r.metadata,
    prev_hash: r.prevHash,
    hash: r.hash,
  };
}

export async function listAuditEvents(db: DbOrTx, orgId: string, q: AuditQuery) {
  const t = auditEvents;
  const where: SQL[] = [eq(t.chain, orgId)];
  const cursor = decodeSeqCursor(q.cursor);
  if (cursor !== null) where.push(lt(t.seq, cursor));
  if (q.product) where.push(eq(t.product, q.product));
  if (q.decision) where.push(eq(t.decision, q.decision));
  if (q.action) where.push(eq(t.action, q.action));
  if (q.actor) where.push(isUuid(q.actor) ? eq(t.actorId, q.actor) : ilike(t.actorLabel, like(q.actor)));
  if (q.resource_type) where.push(eq(t.resourceType, q.resource_type));
  if (q.resource) {
    const i = q.resource.indexOf(":");
    if (i > 0) where.push(eq(t.resourceType, q.resource.slice(0, i)), eq(t.resourceId, q.resource.slice(i + 1)));
    else where.push(eq(t.resourceId, q.resource));
  }
  if (q.from) where.push(gte(t.occurredAt, q.from));
  if (q.to) where.push(lt(t.occurredAt, q.to));
  if (q.q) {
    const p = like(q.q);
    where.push(
      or(ilike(t.action, p), ilike(t.reason, p), ilike(t.actorLabel, p), ilike(t.resourceId, p), ilike(t.requestId, p), sql`${t.metadata}::text ilike ${p}`)!,
    );
  }
  const rows = await db.select().from(t).where(and(...where)).orderBy(desc(t.seq)).limit(q.limit + 1);
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  return { data: page.map(eventView), next_cursor: more ? encodeSeqCursor(page[page.length - 1].seq) : null };
}

export interface ChangeView {
  id: string;
  seq: number;
  occurred_at: string;
  actor: { type: string; id: string | null; label: string | null };
  action: string;
  entity: { type: string; id: string | null; label: string | null };
  before: unknown;
  after: unknown;
  request_id: string | null;
  hash: string;
}

export function changeView(r: typeof changeLog.$inferSelect): ChangeView {
  return {
    id: r.id,
    seq: r.seq,
    occurred_at: r.occurredAt.toISOString(),
    actor: { type: r.actorType, id: r.actorId, label: r.actorLabel },
    action: r.action,
    entity: { type: r.entityType, id: r.entityId, label: r.entityLabel },
    before: r.before,
    after: r.after,
    request_id: r.requestId,
    hash: r.hash,
  };
}

export async function listChanges(db: DbOrTx, orgId: string, q: ChangeQuery) {
  const t = changeLog;
  const where: SQL[] = [eq(t.chain, orgId)];
  const cursor = decodeSeqCursor(q.cursor);
  if (cursor !== null) where.push(lt(t.seq, cursor));
  if (q.actor) where.push(isUuid(q.actor) ? eq(t.actorId, q.actor) : ilike(t.actorLabel, like(q.actor)));
  if (q.entity_type) where.push(eq(t.entityType, q.entity_type));
  if (q.entity_id) where.push(eq(t.entityId, q.entity_id));
  if (q.action) where.push(eq(t.action, q.action));
  if (q.from) where.push(gte(t.occurredAt, q.from));
  if (q.to) where.push(lt(t.occurredAt, q.to));
  if (q.q) {
    const p = like(q.q);
    where.push(
      or(
        ilike(t.action, p),
        ilike(t.actorLabel, p),
        ilike(t.entityType, p),
        ilike(t.entityLabel, p),
        ilike(t.entityId, p),
        sql`${t.before}::text ilike ${p}`,
        sql`${t.after}::text ilike ${p}`,
      )!,
    );
  }
  const rows = await db.select().from(t).where(and(...where)).orderBy(desc(t.seq)).limit(q.limit + 1);
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  return { data: page.map(changeView), next_cursor: more ? encodeSeqCursor(page[page.length - 1].seq) : null };
}
