import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { rotatePatKey, ZRotatePatKey } from "@/lib/pat-keys/pat-keys";

// POST /api/v1/pat-keys/{id}/rotate – new Anthropic key; the previous one stays a fallback for 48 hours
export const POST = adminRoute("org:write", async (ctx, request, { id }) => {
  const input = await readJson(request, ZRotatePatKey);
  return json(await rotatePatKey(ctx, id, input.anthropic_key));
});
