// Who holds a role (assignments) and what the engine knows about them (attributes for attribute
// rules). A subject is a member of the org or one of its service accounts; anything else is 404.
import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import { z } from "zod";
import { memberships, roleAssignments, roles, serviceAccounts, subjectAttributes, users, type SubjectKind } from "@/db/schema";
import { recordChange } from "../audit/record";
import type { DbOrTx } from "../db";
import { notFound } from "../errors";
import { validate } from "../http/body";
import { bumpPolicyVersion, policyChange } from "./change";
import type { ChangeContext, RoleSubject } from "./index";

export const ZSubject = z.object({ kind: z.enum(["user", "service_account"]), id: z.uuid() });

export interface SubjectView {
  kind: SubjectKind;
  id: string;
  /** Email of a user, name of a service account. */
  label: string;
}

const isUuid = (id: string) => z.uuid().safeParse(id).success;

/** The subject, if it belongs to the org (members; service accounts not deleted). */
export async function findSubject(db: DbOrTx, orgId: string, subject: RoleSubject): Promise<SubjectView | null> {
  if (!isUuid(subject.id)) return null;
  if (subject.kind === "user") {
    const [row] = await db
      .select({ email: users.email })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, subject.id)));
    return row ? { kind: "user", id: subject.id, label: row.email } : null;
  }
  const [row] = await db
    .select({ name: serviceAccounts.name })
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.orgId, orgId), eq(serviceAccounts.id, subject.id), isNull(serviceAccounts.deletedAt)));
  return row ? { kind: "service_account", id: subject.id, label: row.name } : null;
}

export async function requireSubject(db: DbOrTx, orgId: string, subject: RoleSubject): Promise<SubjectView> {
  const found = await findSubject(db, orgId, subject);
  if (!found) throw notFound(subject.kind === "user" ? "User" : "Service account");
  return found;
}

/** A user of the org by email (the simulator accepts either an id or an email). */
export async function findUserByEmail(db: DbOrTx, orgId: string, email: string): Promise<SubjectView | null> {
  const [row] = await db
    .select({ id: users.id, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), eq(users.email, email.trim().toLowerCase())));
  return row ? { kind: "user", id: row.id, label: row.email } : null;
}

// ---- assignments -------------------------------------------------------------------------------

export interface AssignmentView {
  role: { id: string; name: string };
  subject: SubjectView;
  source: string;
  created_at: string;
}

/** Every assignment of the org (optionally of one role), with role names and subject labels. */
export async function listAssignments(db: DbOrTx, orgId: string, filter: { roleId?: string } = {}): Promise<AssignmentView[]> {
  const where = [eq(roleAssignments.orgId, orgId)];
  if (filter.roleId) where.push(eq(roleAssignments.roleId, filter.roleId));
  const [rows, members, accounts] = await Promise.all([
    db
      .select({ a: roleAssignments, roleName: roles.name })
      .from(roleAssignments)
      .innerJoin(roles, eq(roles.id, roleAssignments.roleId))
      .where(and(...where))
      .orderBy(asc(roles.name), asc(roleAssignments.createdAt)),
    db
      .select({ id: users.id, email: users.email })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.orgId, orgId)),
    db
      .select({ id: serviceAccounts.id, name: serviceAccounts.name })
      .from(serviceAccounts)
      .where(and(eq(serviceAccounts.orgId, orgId), isNull(serviceAccounts.deletedAt))),
  ]);
  const label = new Map<string, string>([...members.map((m) => [`user:${m.id}`, m.email] as const), ...accounts.map((s) => [`service_account:${s.id}`, s.name] as const)]);
  return rows
    .filter((r) => label.has(`${r.a.subjectKind}:${r.a.subjectId}`)) // removed members keep no visible role
    .map((r) => ({
      role: { id: r.a.roleId, name: r.roleName },
      subject: { kind: r.a.subjectKind, id: r.a.subjectId, label: label.get(`${r.a.subjectKind}:${r.a.subjectId}`)! },
      source: r.a.source,
      created_at: r.a.createdAt.toISOString(),
    }));
}

async function findRoleRow(db: DbOrTx, orgId: string, roleId: string) {
  if (!isUuid(roleId)) throw notFound("Role");
  const [row] = await db.select().from(roles).where(and(eq(roles.id, roleId), eq(roles.orgId, orgId)));
  if (!row) throw notFound("Role");
  return row;
}

/** Gives a subject a role; assigning twice is a no-op (no second Change Log entry). */
export async function assignRoleRecord(
  db: DbOrTx,
  orgId: string,
  roleId: string,
  rawSubject: RoleSubject,
  ctx: ChangeContext,
): Promise<AssignmentView> {
  const subject = validate(ZSubject, rawSubject);
  const role = await findRoleRow(db, orgId, roleId);
  const found = await requireSubject(db, orgId, subject);
  return policyChange(db, orgId, async (tx) => {
    const [row] = await tx
      .insert(roleAssignments)
      .values({ orgId, roleId, subjectKind: subject.kind, subjectId: subject.id })
      .onConflictDoNothing()
      .returning();
    if (row) {
      await recordChange(tx, {
        orgId,
        actor: ctx.actor,
        action: "assign_role",
        entityType: "role_assignment",
        entityId: row.id,
        entityLabel: `${role.name} → ${found.label}`,
        before: { role: role.name, subject: found.label, holds_role: false },
        after: { role: role.name, subject: found.label, holds_role: true },
        meta: ctx.meta,
      });
    }
    return { role: { id: role.id, name: role.name }, subject: found, source: row?.source ?? "manual", created_at: (row?.createdAt ?? new Date()).toISOString() };
  });
}

/** Takes a role away; a subject that does not hold it is 404. */
export async function unassignRole(db: DbOrTx, orgId: string, roleId: string, subjectId: string, ctx: ChangeContext): Promise<void> {
  const role = await findRoleRow(db, orgId, roleId);
  if (!isUuid(subjectId)) throw notFound("Assignment");
  const [existing] = await db
    .select()
    .from(roleAssignments)
    .where(and(eq(roleAssignments.orgId, orgId), eq(roleAssignments.roleId, roleId), eq(roleAssignments.subjectId, subjectId)));
  if (!existing) throw notFound("Assignment");
  const found = await findSubject(db, orgId, { kind: existing.subjectKind, id: subjectId });
  const label = found?.label ?? subjectId;
  await policyChange(db, orgId, async (tx) => {
    await tx.delete(roleAssignments).where(and(eq(roleAssignments.orgId, orgId), eq(roleAssignments.id, existing.id)));
    await recordChange(tx, {
      orgId,
      actor: ctx.actor,
      action: "unassign_role",
      entityType: "role_assignment",
      entityId: existing.id,
      entityLabel: `${role.name} → ${label}`,
      before: { role: role.name, subject: label, holds_role: true },
      after: { role: role.name, subject: label, holds_role: false },
      meta: ctx.meta,
    });
  });
}

// ---- attributes --------------------------------------------------------------------------------

const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
export const ZAttributes = z
  .record(
    z.string().regex(ATTRIBUTE_NAME, "attribute names are letters, digits, _ . - (start with a letter or _)"),
    z.union([z.string().max(500), z.array(z.string().max(500)).max(100)]),
  )
  .refine((r) => Object.keys(r).length <= 100, "at most 100 attributes");
export type Attributes = z.infer<typeof ZAttributes>;

export async function getAttributes(db: DbOrTx, orgId: string, subject: RoleSubject): Promise<{ subject: SubjectView; attributes: Attributes }> {
  const found = await requireSubject(db, orgId, subject);
  const [row] = await db
    .select()
    .from(subjectAttributes)
    .where(and(eq(subjectAttributes.orgId, orgId), eq(subjectAttributes.subjectKind, subject.kind), eq(subjectAttributes.subjectId, subject.id)));
  return { subject: found, attributes: row?.attributes ?? {} };
}

/** Replaces a subject's attributes (the whole set). */
export async function setAttributes(
  db: DbOrTx,
  orgId: string,
  subject: RoleSubject,
  raw: unknown,
  ctx: ChangeContext,
): Promise<{ subject: SubjectView; attributes: Attributes }> {
  const attributes = validate(ZAttributes, raw);
  const before = await getAttributes(db, orgId, subject);
  if (JSON.stringify(before.attributes) === JSON.stringify(attributes)) return before;
  return policyChange(db, orgId, async (tx) => {
    await tx
      .insert(subjectAttributes)
      .values({ orgId, subjectKind: subject.kind, subjectId: subject.id, attributes })
      .onConflictDoUpdate({
        target: [subjectAttributes.orgId, subjectAttributes.subjectKind, subjectAttributes.subjectId],
        set: { attributes, updatedAt: new Date() },
      });
    await recordChange(tx, {
      orgId,
      actor: ctx.actor,
      action: "update",
      entityType: "subject_attributes",
      entityId: subject.id,
      entityLabel: before.subject.label,
      before: before.attributes,
      after: attributes,
      meta: ctx.meta,
    });
    return { subject: before.subject, attributes };
  });
}

/**
 * A member leaves the org or a service account is deleted: their role assignments and attributes go
 * too (inside the caller's transaction), so a later re-invitation starts with no permissions.
 * Returns the names of the roles taken away, for the caller's Change Log entry. Call
 * `publishPolicyChange(orgId)` after the transaction commits.
 */
export async function forgetPolicySubject(tx: DbOrTx, orgId: string, subject: RoleSubject): Promise<string[]> {
  const removed = await tx
    .delete(roleAssignments)
    .where(and(eq(roleAssignments.orgId, orgId), eq(roleAssignments.subjectKind, subject.kind), eq(roleAssignments.subjectId, subject.id)))
    .returning({ roleId: roleAssignments.roleId });
  await tx
    .delete(subjectAttributes)
    .where(and(eq(subjectAttributes.orgId, orgId), eq(subjectAttributes.subjectKind, subject.kind), eq(subjectAttributes.subjectId, subject.id)));
  await bumpPolicyVersion(tx, orgId);
  if (removed.length === 0) return [];
  const names = await tx
    .select({ name: roles.name })
    .from(roles)
    .where(and(eq(roles.orgId, orgId), inArray(roles.id, removed.map((r) => r.roleId))));
  return names.map((n) => n.name).sort();
}
