// The organisation's own settings: name (direct) and tier (a guarded change kind, "org.tier").
import { eq } from "drizzle-orm";
import { z } from "zod";
import { organisations, TIERS } from "@/db/schema";
import { registerApprovalKind, requireApproval, type ApprovalOutcome } from "../approvals";
import { recordChange } from "../audit/record";
import { announceOrgChange } from "../cache/shared";
import { notFound } from "../errors";
import { orgSummary, type AdminContext, type OrgSummary } from "../identity/admin-auth";

export const ZOrgUpdate = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    tier: z.enum(TIERS).optional(),
  })
  .strict();
export type OrgUpdate = z.infer<typeof ZOrgUpdate>;

async function apply(ctx: AdminContext, input: OrgUpdate): Promise<OrgSummary> {
  const org = await ctx.db.transaction(async (tx) => {
    const [before] = await tx.select().from(organisations).where(eq(organisations.id, ctx.orgId)).for("update");
    if (!before) throw notFound("Organisation");
    const [after] = await tx
      .update(organisations)
      .set({ ...(input.name ? { name: input.name } : {}), ...(input.tier ? { tier: input.tier } : {}), updatedAt: new Date() })
      .where(eq(organisations.id, ctx.orgId))
      .returning();
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "update",
      entityType: "organisation",
      entityId: ctx.orgId,
      entityLabel: after.name,
      before: { name: before.name, tier: before.tier },
      after: { name: after.name, tier: after.tier },
      meta: ctx.meta,
    });
    return orgSummary(after);
  });
  // The tier decides which key may open the org's credentials, and vault uses read it through the
  // org's cached rows: every instance drops them (after decideApproval's commit when approved).
  await announceOrgChange(ctx.orgId, ctx.db);
  return org;
}

const applyTier = registerApprovalKind("org.tier", (ctx, p: { tier: OrgUpdate["tier"] }) => apply(ctx, { tier: p.tier }), {
  schema: z.object({ tier: z.enum(TIERS) }),
});

/** PATCH /api/v1/org: a name applies now; a tier change may wait for a second admin. */
export async function updateOrg(ctx: AdminContext, input: OrgUpdate): Promise<{ org: OrgSummary; pending: ApprovalOutcome<OrgSummary> | null }> {
  let org = ctx.org;
  if (input.name && input.name !== ctx.org.name) org = await apply(ctx, { name: input.name });
  let pending: ApprovalOutcome<OrgSummary> | null = null;
  if (input.tier && input.tier !== ctx.org.tier) {
    pending = await requireApproval(ctx, "org.tier", { tier: input.tier }, applyTier, { summary: `Change tier ${ctx.org.tier} → ${input.tier}` });
    if (pending.status === "applied") org = pending.result;
  }
  return { org, pending };
}
