import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { openPatArchive } from "@/lib/pat-keys/pat-requests";

// GET /api/v1/pat-requests/{id}/archive – the archived request and response, verified and decrypted (owner, auditor)
export const GET = adminRoute("org:read", async (ctx, _request, { id }) => json(await openPatArchive(ctx, id)));
