import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { validate } from "@/lib/http/body";
import { listPatRequests, ZRequestQuery } from "@/lib/pat-keys/pat-requests";

// GET /api/v1/pat-requests – the PAT request log, newest first (?pat_key_id=, ?decision=)
export const GET = adminRoute("org:read", async (ctx, request) => {
  const q = validate(ZRequestQuery, Object.fromEntries(new URL(request.url).searchParams));
  return json(await listPatRequests(ctx, q));
});
