import { createApiKey, listApiKeys, ZCreateApiKey } from "@/lib/api-keys/api-keys";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson, validate } from "@/lib/http/body";
import { ZPageQuery } from "@/lib/http/pagination";

// GET /api/v1/api-keys – org API keys (members: their own), newest first
export const GET = adminRoute(["org:read", "keys:self"], async (ctx, request) => {
  const query = validate(ZPageQuery, Object.fromEntries(new URL(request.url).searchParams));
  return json(await listApiKeys(ctx, query));
});

// POST /api/v1/api-keys – create a key; the key itself is in this response only
export const POST = adminRoute(["org:write", "keys:self"], async (ctx, request) => {
  const input = await readJson(request, ZCreateApiKey);
  return json(await createApiKey(ctx, input), 201);
});
