import { testConnector } from "@/lib/connectors/service";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";

// POST /api/v1/connectors/{id}/test – Test Connection (ACTIVE) / Retry (PENDING, OFFLINE)
export const POST = adminRoute("org:write", async (ctx, _request, { id }) => json(await testConnector(ctx, id)));
