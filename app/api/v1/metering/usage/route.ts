import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { validate } from "@/lib/http/body";
import { orgUsage, ZUsageQuery } from "@/lib/pat-keys/usage";

// GET /api/v1/metering/usage?month=YYYY-MM – PAT usage of every key of the org for the month
export const GET = adminRoute("org:read", async (ctx, request) => {
  const q = validate(ZUsageQuery, Object.fromEntries(new URL(request.url).searchParams));
  return json(await orgUsage(ctx.db, ctx.orgId, q.month));
});
