import { revokeApiKey } from "@/lib/api-keys/api-keys";
import { noContent } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";

// DELETE /api/v1/api-keys/{id} – revoke a key (every instance refuses it within 1 s)
export const DELETE = adminRoute(["org:write", "keys:self"], async (ctx, _request, { id }) => {
  await revokeApiKey(ctx, id);
  return noContent();
});
