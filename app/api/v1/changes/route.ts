import { changesList } from "@/lib/audit/routes";
import { adminRoute } from "@/lib/http/admin-route";

export const dynamic = "force-dynamic";

// GET /api/v1/changes – the Change Log, newest first, filtered, keyset-paginated
export const GET = adminRoute("org:read", (ctx, request) => changesList(ctx, request));
