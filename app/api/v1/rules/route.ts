import { z } from "zod";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { changeContext } from "@/lib/policy/admin";
import { createRule, listRules } from "@/lib/policy/store";

// GET /api/v1/rules – the org's conditional rules, oldest first (evaluation order)
export const GET = adminRoute("org:read", async (ctx) => json({ data: await listRules(ctx.db, ctx.orgId) }));

// POST /api/v1/rules – add a rule; its condition is validated by the engine (bad expression → 400)
export const POST = adminRoute("org:write", async (ctx, request) => {
  const input = await readJson(request, z.unknown());
  return json(await createRule(ctx.db, ctx.orgId, input, changeContext(ctx)), 201);
});
