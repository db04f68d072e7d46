import { auditExport } from "@/lib/audit/routes";
import { adminRoute } from "@/lib/http/admin-route";

export const dynamic = "force-dynamic";

// GET /api/v1/changes/export?from&to&format=csv|jsonl – the Change Log, offline-verifiable
export const GET = adminRoute("org:read", (ctx, request) => auditExport(ctx, request, "changes"));
