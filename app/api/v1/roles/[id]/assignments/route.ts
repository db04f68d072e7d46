import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { changeContext } from "@/lib/policy/admin";
import { assignRoleRecord, getRole, listAssignments, ZSubject } from "@/lib/policy/store";

// GET /api/v1/roles/{id}/assignments – who holds this role
export const GET = adminRoute("org:read", async (ctx, _request, { id }) => {
  await getRole(ctx.db, ctx.orgId, id); // 404 for another org's role
  return json({ data: await listAssignments(ctx.db, ctx.orgId, { roleId: id }) });
});

// POST /api/v1/roles/{id}/assignments – give a user or service account this role { kind, id }
export const POST = adminRoute("org:write", async (ctx, request, { id }) => {
  const subject = await readJson(request, ZSubject);
  return json(await assignRoleRecord(ctx.db, ctx.orgId, id, subject, changeContext(ctx)), 201);
});
