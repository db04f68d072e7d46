import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { currentSpend, getPatKey, revokePatKey, updatePatKey, view, ZUpdatePatKey } from "@/lib/pat-keys/pat-keys";

// GET /api/v1/pat-keys/{id} – one PAT key with this month's spend
export const GET = adminRoute("org:read", async (ctx, _request, { id }) => {
  const row = await getPatKey(ctx.db, ctx.orgId, id);
  return json({ ...view(row), spend: await currentSpend(ctx.db, ctx.orgId, id) });
});

// PUT /api/v1/pat-keys/{id} – change label, models, max_tokens, monthly_cap_usd, alert_threshold_pct, enabled
export const PUT = adminRoute("org:write", async (ctx, request, { id }) => {
  const input = await readJson(request, ZUpdatePatKey);
  return json(await updatePatKey(ctx, id, input));
});

// DELETE /api/v1/pat-keys/{id} – revoke (stops serving at once; the Anthropic key is destroyed)
export const DELETE = adminRoute("org:write", async (ctx, _request, { id }) => json(await revokePatKey(ctx, id)));

// PATCH /api/v1/pat-keys/{id} – same as PUT (partial update; what the console sends)
export const PATCH = PUT;
