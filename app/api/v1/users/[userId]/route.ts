import { changeMemberRole, removeMember } from "@/lib/accounts/members";
import { ZChangeRole } from "@/lib/accounts/schemas";
import { json, noContent } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// PATCH /api/v1/users/{userId} – change a member's console role
export const PATCH = adminRoute("org:write", async (ctx, request, { userId }) => {
  const { console_role } = await readJson(request, ZChangeRole);
  return json(await changeMemberRole(ctx, userId, console_role));
});

// DELETE /api/v1/users/{userId} – remove a member; their API keys stop working
export const DELETE = adminRoute("org:write", async (ctx, _request, { userId }) => {
  await removeMember(ctx, userId);
  return noContent();
});
