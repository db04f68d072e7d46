import { z } from "zod";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";
import { previewRedaction } from "@/lib/policy/store";

// POST /api/v1/redaction/preview – { text, settings? } → the text as Claude would see it, with counts
export const POST = adminRoute("org:read", async (ctx, request) => {
  const input = await readJson(request, z.unknown());
  return json(await previewRedaction(ctx.db, ctx.orgId, input));
});
