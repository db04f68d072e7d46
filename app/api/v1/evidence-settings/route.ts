import { getEvidenceSettings, updateEvidenceSettings, ZEvidenceSettings } from "@/lib/evidence/settings";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

export const dynamic = "force-dynamic";

// GET /api/v1/evidence-settings – retention, guarded change kinds, spend alert threshold
export const GET = adminRoute("org:read", async (ctx) => json(await getEvidenceSettings(ctx.db, ctx.orgId)));

// PUT /api/v1/evidence-settings – 200 applied, or 202 + pending approval (shorter retention, removed guard)
export const PUT = adminRoute("org:write", async (ctx, request) => {
  const outcome = await updateEvidenceSettings(ctx, await readJson(request, ZEvidenceSettings));
  return outcome.status === "pending" ? json({ pending_approval: outcome.approval }, 202) : json(outcome.result);
});
