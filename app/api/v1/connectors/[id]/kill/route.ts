import { killConnector, ZKillConnector } from "@/lib/connectors/service";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// POST /api/v1/connectors/{id}/kill – kill switch (ACTIVE → KILLED); body {"reason"} optional
export const POST = adminRoute("org:write", async (ctx, request, { id }) => {
  const declared = request.headers.get("content-length");
  const empty = declared === "0" || (!request.body && declared === null) || (declared === null && request.headers.get("content-type") === null);
  const input = empty ? {} : await readJson(request, ZKillConnector);
  return json(await killConnector(ctx, id, input));
});
