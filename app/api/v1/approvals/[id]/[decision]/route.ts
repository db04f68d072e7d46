import { decideApproval, ZDecision } from "@/lib/approvals";
import "@/lib/approvals/handlers";
import { FortressError } from "@/lib/errors";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";
import { readJson } from "@/lib/http/body";

// POST /api/v1/approvals/{id}/approve | /reject – by an owner/admin other than the requester
export const POST = adminRoute("org:write", async (ctx, request, { id, decision }) => {
  if (decision !== "approve" && decision !== "reject") throw new FortressError("not_found", "No such endpoint");
  const body = request.headers.get("content-type") ? await readJson(request, ZDecision) : {};
  return json(await decideApproval(ctx, id, decision, body.note));
});
