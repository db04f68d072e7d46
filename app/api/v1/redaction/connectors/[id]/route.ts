import { z } from "zod";
import { json, noContent } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { changeContext } from "@/lib/policy/admin";
import { deleteRedactionOverride, setRedactionOverride } from "@/lib/policy/store";

// PUT /api/v1/redaction/connectors/{id} – override some of the org's settings for this connector
export const PUT = adminRoute("org:write", async (ctx, request, { id }) => {
  const input = await readJson(request, z.unknown());
  return json({ settings: await setRedactionOverride(ctx.db, ctx.orgId, "connector", id, input, changeContext(ctx)) });
});

// DELETE /api/v1/redaction/connectors/{id} – drop the override (the org's settings apply again)
export const DELETE = adminRoute("org:write", async (ctx, _request, { id }) => {
  await deleteRedactionOverride(ctx.db, ctx.orgId, "connector", id, changeContext(ctx));
  return noContent();
});
