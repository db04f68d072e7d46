import { inviteMember } from "@/lib/accounts/invitations";
import { listMembers } from "@/lib/accounts/members";
import { ZInvite } from "@/lib/accounts/schemas";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// GET /api/v1/users – members of the organisation
export const GET = adminRoute("org:read", async (ctx) => json({ data: await listMembers(ctx), next_cursor: null }));

// POST /api/v1/users – invite a user by email; the invitation link is in this response only
export const POST = adminRoute("org:write", async (ctx, request) => {
  const input = await readJson(request, ZInvite);
  return json(await inviteMember(ctx, input), 201);
});
