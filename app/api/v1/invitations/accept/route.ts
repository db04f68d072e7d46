import { acceptInvitation } from "@/lib/accounts/invitations";
import { ZAcceptInvitation } from "@/lib/accounts/schemas";
import { json } from "@/lib/http/admin-errors";
import { publicRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// POST /api/v1/invitations/accept – join an organisation through an invitation link
export const POST = publicRoute(async ({ db, meta }, request) => {
  const input = await readJson(request, ZAcceptInvitation);
  return json(await acceptInvitation(db, input, meta), 201);
});
