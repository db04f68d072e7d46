import { z } from "zod";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { simulate } from "@/lib/policy/simulate";

// POST /api/v1/policy/simulate – would this subject be allowed this tool from this IP at this time?
// Same engine, same snapshot, no counter consumed; answers the decision and each layer's trace.
export const POST = adminRoute("org:read", async (ctx, request) => {
  const input = await readJson(request, z.unknown());
  return json(await simulate(ctx.db, ctx.org, input));
});
