// Members of an organisation: list, change console role, remove (which revokes their API keys).
import { and, asc, eq, sql } from "drizzle-orm";
import { memberships, users, type ConsoleRole } from "@/db/schema";
import { revokeKeysOf } from "../api-keys/api-keys";
import { publishPolicyChange } from "../policy/bus";
import { forgetPolicySubject } from "../policy/subjects";
import { recordChange } from "../audit/record";
import { FortressError, forbidden, notFound } from "../errors";
import type { AdminContext } from "../identity/admin-auth";
import { can } from "./permissions";

export interface MemberView {
  id: string;
  email: string;
  name: string | null;
  console_role: ConsoleRole;
  joined_at: string;
}

export async function listMembers(ctx: AdminContext): Promise<MemberView[]> {
  const rows = await ctx.db
    .select({ user: users, role: memberships.consoleRole, joinedAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, ctx.orgId))
    .orderBy(asc(memberships.createdAt));
  return rows.map((r) => ({
    id: r.user.id,
    email: r.user.email,
    name: r.user.name,
    console_role: r.role,
    joined_at: r.joinedAt.toISOString(),
  }));
}

async function findMember(ctx: AdminContext, userId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(userId)) throw notFound("Member");
  const [row] = await ctx.db
    .select({ membership: memberships, email: users.email, name: users.name })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, ctx.orgId), eq(memberships.userId, userId)));
  if (!row) throw notFound("Member");
  return row;
}

async function ownerCount(ctx: AdminContext): Promise<number> {
  const [{ n }] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(memberships)
    .where(and(eq(memberships.orgId, ctx.orgId), eq(memberships.consoleRole, "owner")));
  return n;
}

export async function changeMemberRole(ctx: AdminContext, userId: string, role: ConsoleRole): Promise<MemberView> {
  const found = await findMember(ctx, userId);
  const from = found.membership.consoleRole;
  if ((from === "owner" || role === "owner") && !can(ctx.role, "owner:manage")) {
    throw forbidden("Only an owner can grant or remove the owner role");
  }
  if (from === "owner" && role !== "owner" && (await ownerCount(ctx)) <= 1) {
    throw new FortressError("conflict", "An organisation needs at least one owner");
  }
  if (from !== role) {
    await ctx.db.transaction(async (tx) => {
      await tx
        .update(memberships)
        .set({ consoleRole: role, updatedAt: new Date() })
        .where(and(eq(memberships.orgId, ctx.orgId), eq(memberships.userId, userId)));
      await recordChange(tx, {
        orgId: ctx.orgId,
        actor: ctx.actor,
        action: "update",
        entityType: "member",
        entityId: userId,
        entityLabel: found.email,
        before: { console_role: from },
        after: { console_role: role },
        meta: ctx.meta,
      });
    });
  }
  return {
    id: userId,
    email: found.email,
    name: found.name,
    console_role: role,
    joined_at: found.membership.createdAt.toISOString(),
  };
}

export async function removeMember(ctx: AdminContext, userId: string): Promise<void> {
  const found = await findMember(ctx, userId);
  if (found.membership.consoleRole === "owner") {
    if (!can(ctx.role, "owner:manage")) throw forbidden("Only an owner can remove an owner");
    if ((await ownerCount(ctx)) <= 1) throw new FortressError("conflict", "An organisation needs at least one owner");
  }
  await ctx.db.transaction(async (tx) => {
    await tx.delete(memberships).where(and(eq(memberships.orgId, ctx.orgId), eq(memberships.userId, userId)));
    const revoked = await revokeKeysOf(tx, ctx.orgId, { userId }, ctx.user.id);
    const policyRoles = await forgetPolicySubject(tx, ctx.orgId, { kind: "user", id: userId });
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "delete",
      entityType: "member",
      entityId: userId,
      entityLabel: found.email,
      before: { email: found.email, console_role: found.membership.consoleRole, policy_roles: policyRoles },
      after: { api_keys_revoked: revoked },
      meta: ctx.meta,
    });
  });
  await publishPolicyChange(ctx.orgId);
}
