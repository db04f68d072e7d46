// Invitations: an admin invites an email with a console role; the link (shown once to the admin,
// valid for INVITATION_TTL_MS) lets the invitee set a password and join. Only the token's SHA-256
// is stored. Email delivery comes later; until then the admin passes the link on.
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { z } from "zod";
import { invitations, memberships, organisations, users, type ConsoleRole } from "@/db/schema";
import { recordAuditEvent, recordChange } from "../audit/record";
import type { RequestMeta } from "../context";
import { randomBase62, sha256Hex } from "../crypto/tokens";
import type { Database } from "../db";
import { publicUrl } from "../env";
import { FortressError, forbidden, notFound } from "../errors";
import { orgSummary, type AdminContext, type OrgSummary } from "../identity/admin-auth";
import { hashPassword, verifyPassword } from "../identity/passwords";
import { can } from "./permissions";
import type { ZAcceptInvitation } from "./schemas";

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface InvitationView {
  id: string;
  email: string;
  console_role: ConsoleRole;
  expires_at: string;
  created_at: string;
}

const view = (r: typeof invitations.$inferSelect): InvitationView => ({
  id: r.id,
  email: r.email,
  console_role: r.consoleRole,
  expires_at: r.expiresAt.toISOString(),
  created_at: r.createdAt.toISOString(),
});

export async function inviteMember(
  ctx: AdminContext,
  input: { email: string; console_role: ConsoleRole },
): Promise<InvitationView & { invite_url: string }> {
  if (input.console_role === "owner" && !can(ctx.role, "owner:manage")) throw forbidden("Only an owner can invite an owner");
  const [already] = await ctx.db
    .select({ id: memberships.id })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, ctx.orgId), eq(users.email, input.email)));
  if (already) throw new FortressError("conflict", `${input.email} is already a member`);
  const token = randomBase62(43);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(invitations)
      .values({
        orgId: ctx.orgId,
        email: input.email,
        consoleRole: input.console_role,
        tokenHash: sha256Hex(token),
        invitedBy: ctx.user.id,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      })
      .returning();
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "create",
      entityType: "invitation",
      entityId: row.id,
      entityLabel: row.email,
      after: { email: row.email, console_role: row.consoleRole, expires_at: row.expiresAt.toISOString() },
      meta: ctx.meta,
    });
    return { ...view(row), invite_url: `${publicUrl()}/invite/${token}` };
  });
}

export async function listInvitations(ctx: AdminContext): Promise<InvitationView[]> {
  const rows = await ctx.db
    .select()
    .from(invitations)
    .where(
      and(eq(invitations.orgId, ctx.orgId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date())),
    )
    .orderBy(desc(invitations.createdAt));
  return rows.map(view);
}

export async function revokeInvitation(ctx: AdminContext, id: string): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound("Invitation");
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(invitations)
      .set({ revokedAt: new Date() })
      .where(and(eq(invitations.id, id), eq(invitations.orgId, ctx.orgId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
      .returning();
    if (!row) throw notFound("Invitation");
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "revoke",
      entityType: "invitation",
      entityId: row.id,
      entityLabel: row.email,
      before: { email: row.email, console_role: row.consoleRole, status: "pending" },
      after: { email: row.email, console_role: row.consoleRole, status: "revoked" },
      meta: ctx.meta,
    });
  });
}

/**
 * Accepts an invitation. A new person sets their password here; someone who already has a Fortress
 * login proves it with their existing password and simply joins the organisation.
 */
export async function acceptInvitation(
  db: Database,
  input: z.infer<typeof ZAcceptInvitation>,
  meta: RequestMeta,
): Promise<{ org: OrgSummary; user: { id: string; email: string } }> {
  const tokenHash = sha256Hex(input.token);
  const [inv] = await db.select().from(invitations).where(eq(invitations.tokenHash, tokenHash));
  if (!inv || inv.acceptedAt || inv.revokedAt || inv.expiresAt <= new Date()) {
    throw new FortressError("gone", "This invitation link is no longer valid; ask your admin for a new one");
  }
  const [existing] = await db.select().from(users).where(eq(users.email, inv.email));
  if (existing?.passwordHash && !(await verifyPassword(input.password, existing.passwordHash))) {
    throw new FortressError("unauthenticated", "You already have a Fortress login: enter its password to join");
  }
  const passwordHash = existing ? null : await hashPassword(input.password);
  return db.transaction(async (tx) => {
    // Claim the invitation first: of two concurrent accepts, exactly one gets the row.
    const [claimed] = await tx
      .update(invitations)
      .set({ acceptedAt: new Date() })
      .where(and(eq(invitations.id, inv.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
      .returning();
    if (!claimed) throw new FortressError("gone", "This invitation link is no longer valid; ask your admin for a new one");
    const user =
      existing ??
      (await tx.insert(users).values({ email: inv.email, name: input.name || null, passwordHash }).returning())[0];
    await tx.insert(memberships).values({ orgId: inv.orgId, userId: user.id, consoleRole: inv.consoleRole }).onConflictDoNothing();
    const [org] = await tx.select().from(organisations).where(eq(organisations.id, inv.orgId));
    const actor = { type: "user" as const, id: user.id, label: user.email };
    await recordChange(tx, {
      orgId: inv.orgId,
      actor,
      action: "create",
      entityType: "member",
      entityId: user.id,
      entityLabel: user.email,
      after: { email: user.email, console_role: inv.consoleRole, via: "invitation" },
      meta,
    });
    await recordAuditEvent(tx, {
      orgId: inv.orgId,
      product: "console",
      actor,
      action: "invitation.accepted",
      resourceType: "invitation",
      resourceId: inv.id,
      decision: "info",
      meta,
    });
    return { org: orgSummary(org), user: { id: user.id, email: user.email } };
  });
}
