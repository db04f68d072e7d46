import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { listAssignments } from "@/lib/policy/store";

// GET /api/v1/role-assignments – every role assignment of the org (Settings → Users & Groups)
export const GET = adminRoute("org:read", async (ctx) => json({ data: await listAssignments(ctx.db, ctx.orgId) }));
