import { deleteServiceAccount } from "@/lib/accounts/service-accounts";
import { noContent } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";

// DELETE /api/v1/service-accounts/{id} – delete a service account and revoke its keys
export const DELETE = adminRoute("org:write", async (ctx, _request, { id }) => {
  await deleteServiceAccount(ctx, id);
  return noContent();
});
