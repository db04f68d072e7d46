import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { validate } from "@/lib/http/body";
import { keyUsage, ZUsageQuery } from "@/lib/pat-keys/usage";

// GET /api/v1/pat-keys/{id}/usage?month=YYYY-MM – requests (total, per model), spend per day, distance to cap
export const GET = adminRoute("org:read", async (ctx, request, { id }) => {
  const q = validate(ZUsageQuery, Object.fromEntries(new URL(request.url).searchParams));
  return json(await keyUsage(ctx.db, ctx.orgId, id, q.month));
});
