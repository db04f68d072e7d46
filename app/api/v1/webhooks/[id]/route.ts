import { deleteWebhook, updateWebhook, ZUpdateWebhook } from "@/lib/webhooks/endpoints";
import { json, noContent } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// PATCH /api/v1/webhooks/{id} – url, description, events, enabled
export const PATCH = adminRoute("org:write", async (ctx, request, { id }) => json(await updateWebhook(ctx, id, await readJson(request, ZUpdateWebhook))));

// DELETE /api/v1/webhooks/{id} – 204, or 202 + pending approval when "webhook.delete" is guarded
export const DELETE = adminRoute("org:write", async (ctx, _request, { id }) => {
  const outcome = await deleteWebhook(ctx, id);
  return outcome.status === "pending" ? json({ pending_approval: outcome.approval }, 202) : noContent();
});
