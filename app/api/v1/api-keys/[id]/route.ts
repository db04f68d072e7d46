import { revokeApiKeyGuarded } from "@/lib/approvals/api-key-revoke";
import { json, noContent } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";

// DELETE /api/v1/api-keys/{id} – revoke a key (every instance refuses it within 1 s). When the org
// guards "api_key.revoke", revoking someone else's key answers 202 with the pending change instead.
export const DELETE = adminRoute(["org:write", "keys:self"], async (ctx, _request, { id }) => {
  const outcome = await revokeApiKeyGuarded(ctx, id);
  return outcome.status === "pending" ? json({ pending_approval: outcome.approval }, 202) : noContent();
});
