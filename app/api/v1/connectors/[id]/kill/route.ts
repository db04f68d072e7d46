import { killConnector, ZKillConnector } from "@/lib/connectors/service";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// POST /api/v1/connectors/{id}/kill – kill switch (ACTIVE → KILLED); body {"reason"} optional
export const POST = adminRoute("org:write", async (ctx, request, { id }) => {
  const hasBody = request.headers.get("content-type") !== null || Number(request.headers.get("content-length") ?? 0) > 0;
  const input = hasBody ? await readJson(request, ZKillConnector) : {};
  return json(await killConnector(ctx, id, input));
});
