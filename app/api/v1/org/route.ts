import { updateOrg, ZOrgUpdate } from "@/lib/evidence/org";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// GET /api/v1/org – the organisation
export const GET = adminRoute(["org:read", "keys:self"], async (ctx) => json({ org: ctx.org }));

// PATCH /api/v1/org – name now; tier now, or 202 + pending approval when "org.tier" is guarded
export const PATCH = adminRoute("org:write", async (ctx, request) => {
  const { org, pending } = await updateOrg(ctx, await readJson(request, ZOrgUpdate));
  if (pending?.status === "pending") return json({ org, pending_approval: pending.approval }, 202);
  return json({ org });
});
