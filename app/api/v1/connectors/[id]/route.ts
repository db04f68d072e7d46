import { deleteConnectorGuarded } from "@/lib/connectors/guarded";
import { getConnector, updateConnector, ZUpdateConnector } from "@/lib/connectors/service";
import { json, noContent } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// GET /api/v1/connectors/{id}
export const GET = adminRoute("org:read", async (ctx, _request, { id }) => json(await getConnector(ctx, id)));

// PUT /api/v1/connectors/{id} – edit name, configuration, enabled toggle (ACTIVE / OFFLINE only)
export const PUT = adminRoute("org:write", async (ctx, request, { id }) => {
  const input = await readJson(request, ZUpdateConnector);
  return json(await updateConnector(ctx, id, input));
});

// DELETE /api/v1/connectors/{id} – delete; the credential is crypto-shredded at once. When the org
// guards "connector.delete", the answer is 202 with the pending change a second admin must approve.
export const DELETE = adminRoute("org:write", async (ctx, _request, { id }) => {
  const outcome = await deleteConnectorGuarded(ctx, id);
  return outcome.status === "pending" ? json({ pending_approval: outcome.approval }, 202) : noContent();
});
