import { revokeInvitation } from "@/lib/accounts/invitations";
import { noContent } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";

// DELETE /api/v1/invitations/{id} – revoke a pending invitation
export const DELETE = adminRoute("org:write", async (ctx, _request, { id }) => {
  await revokeInvitation(ctx, id);
  return noContent();
});
