import { adminRoute } from "@/lib/http/admin-route";
import { trafficStream } from "@/lib/traffic/sse";

export const dynamic = "force-dynamic";

// GET /api/v1/traffic/stream?product&decision – the org's live traffic (Server-Sent Events)
export const GET = adminRoute("org:read", async (ctx, request) => trafficStream(ctx, request));
