import { auditList } from "@/lib/audit/routes";
import { adminRoute } from "@/lib/http/admin-route";

export const dynamic = "force-dynamic";

// GET /api/v1/audit – audit events of the org, newest first, filtered, keyset-paginated
export const GET = adminRoute("org:read", (ctx, request) => auditList(ctx, request));
