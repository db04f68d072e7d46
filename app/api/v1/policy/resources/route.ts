import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { listPolicyResources } from "@/lib/policy/resources";

// GET /api/v1/policy/resources – connectors with their actions, and PAT keys (for the role and rule editors)
export const GET = adminRoute("org:read", async (ctx) => json(await listPolicyResources(ctx.db, ctx.orgId)));
