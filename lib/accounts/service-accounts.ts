// Service accounts: non-human principals of an org that only hold API keys.
import { and, asc, eq, isNull } from "drizzle-orm";
import { serviceAccounts } from "@/db/schema";
import { revokeKeysOf } from "../api-keys/api-keys";
import { publishPolicyChange } from "../policy/bus";
import { forgetPolicySubject } from "../policy/subjects";
import { recordChange } from "../audit/record";
import { FortressError, notFound } from "../errors";
import type { AdminContext } from "../identity/admin-auth";

export interface ServiceAccountView {
  id: string;
  name: string;
  description: string | null;
  created_at: string;
}

const view = (r: typeof serviceAccounts.$inferSelect): ServiceAccountView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  created_at: r.createdAt.toISOString(),
});

export async function listServiceAccounts(ctx: AdminContext): Promise<ServiceAccountView[]> {
  const rows = await ctx.db
    .select()
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.orgId, ctx.orgId), isNull(serviceAccounts.deletedAt)))
    .orderBy(asc(serviceAccounts.name));
  return rows.map(view);
}

export async function createServiceAccount(ctx: AdminContext, input: { name: string; description?: string }): Promise<ServiceAccountView> {
  const [clash] = await ctx.db
    .select({ id: serviceAccounts.id })
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.orgId, ctx.orgId), eq(serviceAccounts.name, input.name), isNull(serviceAccounts.deletedAt)));
  if (clash) throw new FortressError("conflict", `A service account named "${input.name}" already exists`);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(serviceAccounts)
      .values({ orgId: ctx.orgId, name: input.name, description: input.description ?? null, createdBy: ctx.user.id })
      .returning();
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "create",
      entityType: "service_account",
      entityId: row.id,
      entityLabel: row.name,
      after: { name: row.name, description: row.description },
      meta: ctx.meta,
    });
    return view(row);
  });
}

export async function deleteServiceAccount(ctx: AdminContext, id: string): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound("Service account");
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(serviceAccounts)
      .set({ deletedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(serviceAccounts.id, id), eq(serviceAccounts.orgId, ctx.orgId), isNull(serviceAccounts.deletedAt)))
      .returning();
    if (!row) throw notFound("Service account");
    const revoked = await revokeKeysOf(tx, ctx.orgId, { serviceAccountId: id }, ctx.user.id);
    const policyRoles = await forgetPolicySubject(tx, ctx.orgId, { kind: "service_account", id });
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "delete",
      entityType: "service_account",
      entityId: row.id,
      entityLabel: row.name,
      before: { name: row.name, description: row.description, policy_roles: policyRoles },
      after: { api_keys_revoked: revoked },
      meta: ctx.meta,
    });
  });
  await publishPolicyChange(ctx.orgId);
}
