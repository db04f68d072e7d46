// Guarded change "api_key.revoke": an owner/admin revoking SOMEONE ELSE's API key waits for a second
// admin when the org guards it. Revoking one's own key is never delayed (it is a safety action).
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { apiKeys } from "@/db/schema";
import { can } from "../accounts/permissions";
import { revokeApiKey } from "../api-keys/api-keys";
import type { AdminContext } from "../identity/admin-auth";
import { registerApprovalKind, requireApproval, type ApprovalOutcome } from "./index";

const applyRevoke = registerApprovalKind("api_key.revoke", (ctx, p: { id: string }) => revokeApiKey(ctx, p.id), {
  schema: z.object({ id: z.string() }),
});

export async function revokeApiKeyGuarded(ctx: AdminContext, id: string): Promise<ApprovalOutcome<void>> {
  const isUuid = z.uuid().safeParse(id).success;
  const [key] = isUuid ? await ctx.db.select().from(apiKeys).where(and(eq(apiKeys.id, id), eq(apiKeys.orgId, ctx.orgId))) : [];
  // Unknown keys, own keys, already revoked keys and callers without org:write: revokeApiKey decides.
  if (!key || key.userId === ctx.user.id || key.revokedAt || !can(ctx.role, "org:write")) {
    return { status: "applied", result: await revokeApiKey(ctx, id) };
  }
  return requireApproval(ctx, "api_key.revoke", { id }, applyRevoke, { summary: `Revoke API key "${key.name}" (${key.prefix}…)` });
}
