import { z } from "zod";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { setOrgRedactionGuarded } from "@/lib/approvals/redaction-disable";
import { getRedaction } from "@/lib/policy/store";

// GET /api/v1/redaction – the org's PII redaction settings and every role / connector override
export const GET = adminRoute("org:read", async (ctx) => json(await getRedaction(ctx.db, ctx.orgId)));

// PUT /api/v1/redaction – replace the org's settings { email, phone, ssn, creditCard, custom }.
// Switching a category off answers 202 { pending_approval } when the org guards "redaction.disable".
export const PUT = adminRoute("org:write", async (ctx, request) => {
  const input = await readJson(request, z.unknown());
  const outcome = await setOrgRedactionGuarded(ctx, input);
  if (outcome.status === "pending") return json({ pending_approval: outcome.approval }, 202);
  return json(await getRedaction(ctx.db, ctx.orgId));
});
