import { z } from "zod";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { changeContext } from "@/lib/policy/admin";
import { getRedaction, setOrgRedaction } from "@/lib/policy/store";

// GET /api/v1/redaction – the org's PII redaction settings and every role / connector override
export const GET = adminRoute("org:read", async (ctx) => json(await getRedaction(ctx.db, ctx.orgId)));

// PUT /api/v1/redaction – replace the org's settings { email, phone, ssn, creditCard, custom }
export const PUT = adminRoute("org:write", async (ctx, request) => {
  const input = await readJson(request, z.unknown());
  await setOrgRedaction(ctx.db, ctx.orgId, input, changeContext(ctx));
  return json(await getRedaction(ctx.db, ctx.orgId));
});
