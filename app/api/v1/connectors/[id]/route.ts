import { deleteConnector, getConnector, updateConnector, ZUpdateConnector } from "@/lib/connectors/service";
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

// DELETE /api/v1/connectors/{id} – delete; the credential is crypto-shredded at once
export const DELETE = adminRoute("org:write", async (ctx, _request, { id }) => {
  await deleteConnector(ctx, id);
  return noContent();
});
