// The PAT request log (every governed request: who, which key, model, tokens, cost, decision) and
// the archive viewer. Archive objects hold full prompts and answers: only owners and auditors may
// open them, each opening is itself audited, and the object is verified (recorded SHA-256, GCM)
// before anything is shown.
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { patRequests } from "@/db/schema";
import { recordAuditEvent } from "../audit/record";
import { forbidden, notFound } from "../errors";
import { readArchive, type OpenFn } from "../gateway/pat/archive";
import { decodeCursor, toPage, type Page } from "../http/pagination";
import type { AdminContext } from "../identity/admin-auth";
import * as vault from "../vault";

export const ZRequestQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
  pat_key_id: z.uuid().optional(),
  decision: z.enum(["allow", "deny", "error"]).optional(),
});

type Row = typeof patRequests.$inferSelect;

export function requestView(r: Row) {
  return {
    id: r.id,
    created_at: r.createdAt.toISOString(),
    endpoint: r.endpoint,
    principal: { type: r.principalKind, id: r.principalId, label: r.principalLabel },
    api_key_id: r.apiKeyId,
    pat_key: r.patKeyId ? { id: r.patKeyId, label: r.patKeyLabel } : null,
    model: r.model,
    stream: r.stream,
    client_ip: r.clientIp,
    status: r.status,
    decision: r.decision,
    reason: r.reason,
    latency_ms: r.latencyMs,
    ttft_ms: r.ttftMs,
    usage: { input_tokens: r.inputTokens, output_tokens: r.outputTokens, cache_creation_input_tokens: r.cacheCreationTokens, cache_read_input_tokens: r.cacheReadTokens },
    cost_usd: r.costMicros / 1_000_000,
    price_table_version: r.priceVersion,
    upstream_request_id: r.upstreamRequestId,
    archive: { status: r.archiveStatus, sha256: r.archiveSha256, error: r.archiveError },
  };
}

export async function listPatRequests(ctx: AdminContext, q: z.infer<typeof ZRequestQuery>): Promise<Page<ReturnType<typeof requestView>>> {
  const cursor = decodeCursor(q.cursor);
  const where: SQL[] = [eq(patRequests.orgId, ctx.orgId)];
  if (q.pat_key_id) where.push(eq(patRequests.patKeyId, q.pat_key_id));
  if (q.decision) where.push(eq(patRequests.decision, q.decision));
  if (cursor) where.push(sql`(${patRequests.createdAt}, ${patRequests.id}) < (${cursor.t.toISOString()}::timestamptz, ${cursor.id}::uuid)`);
  const rows = await ctx.db
    .select()
    .from(patRequests)
    .where(and(...where))
    .orderBy(desc(patRequests.createdAt), desc(patRequests.id))
    .limit(q.limit + 1);
  return toPage(rows, q.limit, requestView);
}

async function load(ctx: AdminContext, id: string): Promise<Row> {
  if (!z.uuid().safeParse(id).success) throw notFound("PAT request");
  const [row] = await ctx.db.select().from(patRequests).where(and(eq(patRequests.orgId, ctx.orgId), eq(patRequests.id, id)));
  if (!row) throw notFound("PAT request");
  return row;
}

export async function getPatRequest(ctx: AdminContext, id: string) {
  return requestView(await load(ctx, id));
}

/** Owner and auditor only. Returns the exchange decoded (bodies as text when UTF-8, else base64). */
export async function openPatArchive(ctx: AdminContext, id: string, open: OpenFn = (...a) => vault.openObject(...a)) {
  if (ctx.role !== "owner" && ctx.role !== "auditor") throw forbidden("Only owners and auditors may read the PAT archive");
  const row = await load(ctx, id);
  const record = await readArchive(row, open);
  await recordAuditEvent(ctx.db, {
    orgId: ctx.orgId,
    product: "admin_api",
    actor: ctx.actor,
    action: "pat.archive.read",
    resourceType: "pat_request",
    resourceId: id,
    decision: "info",
    meta: ctx.meta,
    metadata: { sha256: row.archiveSha256 },
  });
  const text = (b64: string) => {
    const buf = Buffer.from(b64, "base64");
    try {
      return { text: new TextDecoder("utf-8", { fatal: true }).decode(buf), base64: null as string | null };
    } catch {
      return { text: null as string | null, base64: b64 };
    }
  };
  return {
    request_id: record.request_id,
    at: record.at,
    sha256: row.archiveSha256,
    request: { method: record.request.method, path: record.request.path, headers: record.request.headers, body: text(record.request.body_b64) },
    response: { status: record.response.status, headers: record.response.headers, truncated: record.response.truncated, body: text(record.response.body_b64) },
  };
}
