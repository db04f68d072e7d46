import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { createPatKey, listPatKeys, ZCreatePatKey } from "@/lib/pat-keys/pat-keys";

// GET /api/v1/pat-keys – the org's PAT keys (ACTIVE and ROTATED; ?include_revoked=true for all), oldest first
export const GET = adminRoute("org:read", async (ctx, request) => {
  const includeRevoked = new URL(request.url).searchParams.get("include_revoked") === "true";
  return json({ data: await listPatKeys(ctx, { includeRevoked }) });
});

// POST /api/v1/pat-keys – add a PAT key; the Anthropic key goes into the vault and is never returned
export const POST = adminRoute("org:write", async (ctx, request) => {
  const input = await readJson(request, ZCreatePatKey);
  return json(await createPatKey(ctx, input), 201);
});
