import { noContent } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { changeContext } from "@/lib/policy/admin";
import { unassignRole } from "@/lib/policy/store";

// DELETE /api/v1/roles/{id}/assignments/{subjectId} – take the role away
export const DELETE = adminRoute("org:write", async (ctx, _request, { id, subjectId }) => {
  await unassignRole(ctx.db, ctx.orgId, id, subjectId, changeContext(ctx));
  return noContent();
});
