import { enableConnector } from "@/lib/connectors/service";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";

// POST /api/v1/connectors/{id}/enable – re-enable a KILLED connector (PENDING, then tested)
export const POST = adminRoute("org:write", async (ctx, _request, { id }) => json(await enableConnector(ctx, id)));
