import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { getPatRequest } from "@/lib/pat-keys/pat-requests";

// GET /api/v1/pat-requests/{id} – one logged PAT request (no bodies: see /archive)
export const GET = adminRoute("org:read", async (ctx, _request, { id }) => json(await getPatRequest(ctx, id)));
