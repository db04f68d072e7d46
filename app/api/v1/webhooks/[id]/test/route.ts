import { sendTestEvent } from "@/lib/webhooks/test-event";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";

// POST /api/v1/webhooks/{id}/test – send a signed webhook.test event now; returns the response code
export const POST = adminRoute("org:write", async (ctx, _request, { id }) => json(await sendTestEvent(ctx, id)));
