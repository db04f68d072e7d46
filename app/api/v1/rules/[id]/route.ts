import { z } from "zod";
import { json, noContent } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { changeContext } from "@/lib/policy/admin";
import { deleteRule, getRule, updateRule } from "@/lib/policy/store";

// GET /api/v1/rules/{id} – one rule
export const GET = adminRoute("org:read", async (ctx, _request, { id }) => json(await getRule(ctx.db, ctx.orgId, id)));

// PUT /api/v1/rules/{id} – replace a rule (the whole rule is given)
export const PUT = adminRoute("org:write", async (ctx, request, { id }) => {
  const input = await readJson(request, z.unknown());
  return json(await updateRule(ctx.db, ctx.orgId, id, input, changeContext(ctx)));
});

// DELETE /api/v1/rules/{id} – remove a rule
export const DELETE = adminRoute("org:write", async (ctx, _request, { id }) => {
  await deleteRule(ctx.db, ctx.orgId, id, changeContext(ctx));
  return noContent();
});
