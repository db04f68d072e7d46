import { z } from "zod";
import { json, noContent } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { changeContext } from "@/lib/policy/admin";
import { deleteRedactionOverride, setRedactionOverride } from "@/lib/policy/store";

// PUT /api/v1/redaction/roles/{id} – override some of the org's settings for this role
export const PUT = adminRoute("org:write", async (ctx, request, { id }) => {
  const input = await readJson(request, z.unknown());
  return json({ settings: await setRedactionOverride(ctx.db, ctx.orgId, "role", id, input, changeContext(ctx)) });
});

// DELETE /api/v1/redaction/roles/{id} – drop the override (the org's settings apply again)
export const DELETE = adminRoute("org:write", async (ctx, _request, { id }) => {
  await deleteRedactionOverride(ctx.db, ctx.orgId, "role", id, changeContext(ctx));
  return noContent();
});
