import { json, noContent } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { changeContext } from "@/lib/policy/admin";
import { deleteRole, getRole, updateRole, ZUpdateRole } from "@/lib/policy/store";

// GET /api/v1/roles/{id} – one role with its grants
export const GET = adminRoute("org:read", async (ctx, _request, { id }) => json(await getRole(ctx.db, ctx.orgId, id)));

// PUT /api/v1/roles/{id} – rename, describe, or replace the grant list
export const PUT = adminRoute("org:write", async (ctx, request, { id }) => {
  const input = await readJson(request, ZUpdateRole);
  return json(await updateRole(ctx.db, ctx.orgId, id, input, changeContext(ctx)));
});

// DELETE /api/v1/roles/{id} – delete a role, its grants, assignments and the rules scoped to it
export const DELETE = adminRoute("org:write", async (ctx, _request, { id }) => {
  await deleteRole(ctx.db, ctx.orgId, id, changeContext(ctx));
  return noContent();
});
