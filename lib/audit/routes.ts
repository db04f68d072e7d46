// Handlers behind /api/v1/audit and /api/v1/changes (the route files stay one line each).
import { z } from "zod";
import { json } from "../http/admin-errors";
import { validate } from "../http/body";
import type { AdminContext } from "../identity/admin-auth";
import { exportAudit, exportFilename } from "./export";
import { listAuditEvents, listChanges, ZAuditQuery, ZChangeQuery } from "./explorer";
import { recordAuditEvent, type Stream } from "./record";
import { chainStatus } from "./status";

const params = (request: Request) => Object.fromEntries(new URL(request.url).searchParams);

export const ZExportQuery = z
  .object({
    format: z.enum(["csv", "jsonl"]).default("jsonl"),
    stream: z.enum(["events", "changes"]).default("events"),
    from: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
    to: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
  })
  .refine((v) => !v.from || !v.to || v.from < v.to, { message: "from must be before to", path: ["from"] });

export async function auditList(ctx: AdminContext, request: Request): Promise<Response> {
  return json(await listAuditEvents(ctx.db, ctx.orgId, validate(ZAuditQuery, params(request))));
}

export async function changesList(ctx: AdminContext, request: Request): Promise<Response> {
  return json(await listChanges(ctx.db, ctx.orgId, validate(ZChangeQuery, params(request))));
}

export async function auditExport(ctx: AdminContext, request: Request, forceStream?: Stream): Promise<Response> {
  const q = validate(ZExportQuery, params(request));
  const options = { orgId: ctx.orgId, stream: forceStream ?? q.stream, format: q.format, from: q.from, to: q.to };
  // The export itself is evidence: recorded before a byte leaves.
  await recordAuditEvent(ctx.db, {
    orgId: ctx.orgId,
    product: "admin_api",
    actor: ctx.actor,
    action: "audit.exported",
    resourceType: "audit_chain",
    resourceId: options.stream,
    decision: "info",
    meta: ctx.meta,
    metadata: { format: q.format, from: q.from?.toISOString() ?? null, to: q.to?.toISOString() ?? null },
  });
  const body = await exportAudit(ctx.db, options);
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": q.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFilename(options)}"`,
      "cache-control": "no-store",
    },
  });
}

export async function auditStatus(ctx: AdminContext): Promise<Response> {
  return json(await chainStatus(ctx.db, ctx.orgId));
}
