import { listApprovals, ZApprovalQuery } from "@/lib/approvals";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { validate } from "@/lib/http/body";

export const dynamic = "force-dynamic";

// GET /api/v1/approvals?status=pending – guarded changes, newest first
export const GET = adminRoute("org:read", async (ctx, request) =>
  json(await listApprovals(ctx.db, ctx.orgId, validate(ZApprovalQuery, Object.fromEntries(new URL(request.url).searchParams)))),
);
