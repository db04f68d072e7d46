import { createWebhook, listWebhooks, ZCreateWebhook } from "@/lib/webhooks/endpoints";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

export const dynamic = "force-dynamic";

// GET /api/v1/webhooks – endpoints of the org
export const GET = adminRoute("org:read", async (ctx) => json(await listWebhooks(ctx)));

// POST /api/v1/webhooks – add an endpoint; the signing secret is in this response only
export const POST = adminRoute("org:write", async (ctx, request) => json(await createWebhook(ctx, await readJson(request, ZCreateWebhook)), 201));
