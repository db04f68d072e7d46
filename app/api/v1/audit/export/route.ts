import { auditExport } from "@/lib/audit/routes";
import { adminRoute } from "@/lib/http/admin-route";

export const dynamic = "force-dynamic";

// GET /api/v1/audit/export?from&to&format=csv|jsonl&stream=events|changes – streamed, offline-verifiable
export const GET = adminRoute("org:read", (ctx, request) => auditExport(ctx, request));
