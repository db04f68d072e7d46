import { rotateConnector, ZRotateConnector } from "@/lib/connectors/service";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// POST /api/v1/connectors/{id}/rotate – replace the credential (the old value is destroyed)
export const POST = adminRoute("org:write", async (ctx, request, { id }) => {
  const input = await readJson(request, ZRotateConnector);
  return json(await rotateConnector(ctx, id, input));
});
