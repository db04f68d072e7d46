import { listActions, updateActions, ZUpdateActions } from "@/lib/connectors/service";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// GET /api/v1/connectors/{id}/actions – the connector's actions (tools), pending approvals included
export const GET = adminRoute("org:read", async (ctx, _request, { id }) => json(await listActions(ctx, id)));

// PUT /api/v1/connectors/{id}/actions – choose exposed actions, approve changed upstream tools, refresh
export const PUT = adminRoute("org:write", async (ctx, request, { id }) => {
  const input = await readJson(request, ZUpdateActions);
  return json(await updateActions(ctx, id, input));
});
