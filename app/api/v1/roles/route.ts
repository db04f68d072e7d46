import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { changeContext } from "@/lib/policy/admin";
import { createRoleRecord, listRoles, ZCreateRole } from "@/lib/policy/store";

// GET /api/v1/roles – every role of the org with its grants and allowed/denied counters
export const GET = adminRoute("org:read", async (ctx) => json({ data: await listRoles(ctx.db, ctx.orgId) }));

// POST /api/v1/roles – create a role { name, description?, grants? }
export const POST = adminRoute("org:write", async (ctx, request) => {
  const input = await readJson(request, ZCreateRole);
  return json(await createRoleRecord(ctx.db, ctx.orgId, input, changeContext(ctx)), 201);
});
