import { z } from "zod";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { changeContext } from "@/lib/policy/admin";
import { getAttributes, setAttributes } from "@/lib/policy/store";

// GET /api/v1/users/{userId}/attributes – attributes that attribute rules match against
export const GET = adminRoute("org:read", async (ctx, _request, { userId }) =>
  json(await getAttributes(ctx.db, ctx.orgId, { kind: "user", id: userId })),
);

// PUT /api/v1/users/{userId}/attributes – replace them { attributes: { department: "Engineering", … } }
export const PUT = adminRoute("org:write", async (ctx, request, { userId }) => {
  const { attributes } = await readJson(request, z.object({ attributes: z.unknown() }));
  return json(await setAttributes(ctx.db, ctx.orgId, { kind: "user", id: userId }, attributes, changeContext(ctx)));
});
