import { listDeliveries } from "@/lib/webhooks/endpoints";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";

export const dynamic = "force-dynamic";

// GET /api/v1/webhooks/{id}/deliveries – the delivery log: status, attempts, response codes
export const GET = adminRoute("org:read", async (ctx, _request, { id }) => json(await listDeliveries(ctx, id)));
