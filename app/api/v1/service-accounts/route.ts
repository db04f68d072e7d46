import { ZCreateServiceAccount } from "@/lib/accounts/schemas";
import { createServiceAccount, listServiceAccounts } from "@/lib/accounts/service-accounts";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// GET /api/v1/service-accounts – non-human principals of the organisation
export const GET = adminRoute("org:read", async (ctx) => json({ data: await listServiceAccounts(ctx), next_cursor: null }));

// POST /api/v1/service-accounts – create a service account
export const POST = adminRoute("org:write", async (ctx, request) => {
  const input = await readJson(request, ZCreateServiceAccount);
  return json(await createServiceAccount(ctx, input), 201);
});
