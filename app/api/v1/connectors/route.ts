import { createConnector, listConnectors, ZConnectorListQuery, ZCreateConnector } from "@/lib/connectors/service";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson, validate } from "@/lib/http/body";

// GET /api/v1/connectors – the org's connectors (status, tools, credential metadata), newest first
export const GET = adminRoute("org:read", async (ctx, request) => {
  const query = validate(ZConnectorListQuery, Object.fromEntries(new URL(request.url).searchParams));
  return json(await listConnectors(ctx, query));
});

// POST /api/v1/connectors – create (PENDING); secret credential fields go to the vault
export const POST = adminRoute("org:write", async (ctx, request) => {
  const input = await readJson(request, ZCreateConnector, 2 * 1024 * 1024);
  return json(await createConnector(ctx, input), 201);
});
