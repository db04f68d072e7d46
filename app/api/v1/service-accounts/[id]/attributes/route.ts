import { z } from "zod";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { changeContext } from "@/lib/policy/admin";
import { getAttributes, setAttributes } from "@/lib/policy/store";

// GET /api/v1/service-accounts/{id}/attributes – attributes that attribute rules match against
export const GET = adminRoute("org:read", async (ctx, _request, { id }) =>
  json(await getAttributes(ctx.db, ctx.orgId, { kind: "service_account", id })),
);

// PUT /api/v1/service-accounts/{id}/attributes – replace them { attributes: { department: "Engineering", … } }
export const PUT = adminRoute("org:write", async (ctx, request, { id }) => {
  const { attributes } = await readJson(request, z.object({ attributes: z.unknown() }));
  return json(await setAttributes(ctx.db, ctx.orgId, { kind: "service_account", id }, attributes, changeContext(ctx)));
});
