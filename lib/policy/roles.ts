// Roles and their grants (layer 2). A grant is an explicit Allow or Deny on one connector action or
// one PAT key; anything without an Allow is denied, and a Deny in any role wins.
// Every change: one transaction with its Change Log entry (before/after in words a person reads).
import { and, asc, count, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { connectorActions, connectors, patKeys, policyRules, redactionSettings, roleAssignments, roleGrants, roles } from "@/db/schema";
import { recordChange } from "../audit/record";
import type { DbOrTx, Tx } from "../db";
import { FortressError, notFound } from "../errors";
import { validate } from "../http/body";
import { policyChange } from "./change";
import type { ChangeContext } from "./index";

const ZEffect = z.enum(["allow", "deny"]);
export const ZGrantInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("connector_action"), connector_id: z.uuid(), action: z.string().trim().min(1).max(200), effect: ZEffect }),
  z.object({ kind: z.literal("pat_key"), pat_key_id: z.uuid(), effect: ZEffect }),
]);
export type GrantInput = z.infer<typeof ZGrantInput>;

export const ZCreateRole = z.object({
  name: z.string().trim().min(1, "is required").max(100),
  description: z.string().trim().max(500).optional(),
  grants: z.array(ZGrantInput).max(20_000).default([]),
});
export const ZUpdateRole = z.object({
  name: z.string().trim().min(1, "is required").max(100).optional(),
  description: z.string().trim().max(500).optional(),
  /** Replaces the whole grant list when given. */
  grants: z.array(ZGrantInput).max(20_000).optional(),
});
export type CreateRoleInput = z.input<typeof ZCreateRole>;
export type UpdateRoleInput = z.infer<typeof ZUpdateRole>;

export interface RoleView {
  id: string;
  name: string;
  description: string;
  grants: GrantInput[];
  counts: { allowed: number; denied: number; assignments: number };
  created_at: string;
  updated_at: string;
}

type RoleRow = typeof roles.$inferSelect;
type GrantRow = typeof roleGrants.$inferSelect;

const grantView = (g: GrantRow): GrantInput =>
  g.kind === "pat_key"
    ? { kind: "pat_key", pat_key_id: g.patKeyId!, effect: g.effect }
    : { kind: "connector_action", connector_id: g.connectorId!, action: g.action!, effect: g.effect };

function roleView(r: RoleRow, grants: GrantRow[], assignments: number): RoleView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    grants: grants.map(grantView),
    counts: {
      allowed: grants.filter((g) => g.effect === "allow").length,
      denied: grants.filter((g) => g.effect === "deny").length,
      assignments,
    },
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

const isUuid = (id: string) => z.uuid().safeParse(id).success;

async function grantsOf(db: DbOrTx, orgId: string, roleIds: string[]): Promise<Map<string, GrantRow[]>> {
  const out = new Map<string, GrantRow[]>();
  if (roleIds.length === 0) return out;
  const rows = await db
    .select()
    .from(roleGrants)
    .where(and(eq(roleGrants.orgId, orgId), inArray(roleGrants.roleId, roleIds)));
  for (const g of rows) out.set(g.roleId, [...(out.get(g.roleId) ?? []), g]);
  return out;
}

async function assignmentCounts(db: DbOrTx, orgId: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ roleId: roleAssignments.roleId, n: count() })
    .from(roleAssignments)
    .where(eq(roleAssignments.orgId, orgId))
    .groupBy(roleAssignments.roleId);
  return new Map(rows.map((r) => [r.roleId, Number(r.n)]));
}

export async function listRoles(db: DbOrTx, orgId: string): Promise<RoleView[]> {
  const rows = await db.select().from(roles).where(eq(roles.orgId, orgId)).orderBy(asc(roles.name));
  const [grants, counts] = await Promise.all([grantsOf(db, orgId, rows.map((r) => r.id)), assignmentCounts(db, orgId)]);
  return rows.map((r) => roleView(r, grants.get(r.id) ?? [], counts.get(r.id) ?? 0));
}

async function findRole(db: DbOrTx, orgId: string, id: string): Promise<RoleRow> {
  if (!isUuid(id)) throw notFound("Role");
  const [row] = await db.select().from(roles).where(and(eq(roles.id, id), eq(roles.orgId, orgId)));
  if (!row) throw notFound("Role");
  return row;
}

export async function getRole(db: DbOrTx, orgId: string, id: string): Promise<RoleView> {
  const row = await findRole(db, orgId, id);
  const [grants, counts] = await Promise.all([grantsOf(db, orgId, [id]), assignmentCounts(db, orgId)]);
  return roleView(row, grants.get(id) ?? [], counts.get(id) ?? 0);
}

/** Names of the org's connectors and PAT keys, for validation and readable Change Log entries. */
async function resourceNames(db: DbOrTx, orgId: string) {
  const [cs, actions, keys] = await Promise.all([
    db.select({ id: connectors.id, slug: connectors.slug }).from(connectors).where(eq(connectors.orgId, orgId)),
    db
      .select({ connectorId: connectorActions.connectorId, name: connectorActions.name })
      .from(connectorActions)
      .where(eq(connectorActions.orgId, orgId)),
    db.select({ id: patKeys.id, label: patKeys.label }).from(patKeys).where(eq(patKeys.orgId, orgId)),
  ]);
  return {
    connectorSlug: new Map(cs.map((c) => [c.id, c.slug])),
    actions: new Set(actions.map((a) => `${a.connectorId}/${a.name}`)),
    patLabel: new Map(keys.map((k) => [k.id, k.label])),
  };
}
type Names = Awaited<ReturnType<typeof resourceNames>>;

/** Refuses grants on another org's (or a missing) connector, action or PAT key, and duplicates. */
function checkGrants(grants: GrantInput[], names: Names): void {
  const seen = new Set<string>();
  grants.forEach((g, i) => {
    const where = `grants.${i}`;
    let key: string;
    if (g.kind === "connector_action") {
      if (!names.connectorSlug.has(g.connector_id)) throw invalid(`${where}.connector_id: no such connector`);
      if (!names.actions.has(`${g.connector_id}/${g.action}`)) throw invalid(`${where}.action: connector has no action "${g.action}"`);
      key = `c/${g.connector_id}/${g.action}`;
    } else {
      if (!names.patLabel.has(g.pat_key_id)) throw invalid(`${where}.pat_key_id: no such PAT key`);
      key = `p/${g.pat_key_id}`;
    }
    if (seen.has(key)) throw invalid(`${where}: the same resource is listed twice`);
    seen.add(key);
  });
}

const invalid = (message: string) => new FortressError("invalid_request", message);

/** "zendesk__delete_ticket: deny", "PAT prod-support: allow" — what the Change Log shows. */
function describeGrants(grants: GrantInput[], names: Names): string[] {
  return grants
    .map((g) =>
      g.kind === "connector_action"
        ? `${names.connectorSlug.get(g.connector_id) ?? g.connector_id}__${g.action}: ${g.effect}`
        : `PAT ${names.patLabel.get(g.pat_key_id) ?? g.pat_key_id}: ${g.effect}`,
    )
    .sort();
}

const changeShape = (v: { name: string; description: string; grants: GrantInput[] }, names: Names) => ({
  name: v.name,
  description: v.description,
  grants: describeGrants(v.grants, names),
});

async function writeGrants(tx: Tx, orgId: string, roleId: string, grants: GrantInput[]): Promise<void> {
  await tx.delete(roleGrants).where(and(eq(roleGrants.orgId, orgId), eq(roleGrants.roleId, roleId)));
  if (grants.length === 0) return;
  await tx.insert(roleGrants).values(
    grants.map((g) =>
      g.kind === "connector_action"
        ? { orgId, roleId, kind: g.kind, connectorId: g.connector_id, action: g.action, effect: g.effect }
        : { orgId, roleId, kind: g.kind, patKeyId: g.pat_key_id, effect: g.effect },
    ),
  );
}

async function assertNameFree(db: DbOrTx, orgId: string, name: string, exceptId?: string): Promise<void> {
  const existing = await db.select({ id: roles.id, name: roles.name }).from(roles).where(eq(roles.orgId, orgId));
  if (existing.some((r) => r.id !== exceptId && r.name.toLowerCase() === name.toLowerCase())) {
    throw new FortressError("conflict", `A role named "${name}" already exists`);
  }
}

export async function createRoleRecord(db: DbOrTx, orgId: string, raw: CreateRoleInput, ctx: ChangeContext): Promise<RoleView> {
  const input = validate(ZCreateRole, raw);
  const names = await resourceNames(db, orgId);
  checkGrants(input.grants, names);
  await assertNameFree(db, orgId, input.name);
  return policyChange(db, orgId, async (tx) => {
    const [row] = await tx.insert(roles).values({ orgId, name: input.name, description: input.description ?? "" }).returning();
    await writeGrants(tx, orgId, row.id, input.grants);
    const view = roleView(row, [], 0);
    view.grants = input.grants;
    view.counts.allowed = input.grants.filter((g) => g.effect === "allow").length;
    view.counts.denied = input.grants.filter((g) => g.effect === "deny").length;
    await recordChange(tx, {
      orgId,
      actor: ctx.actor,
      action: "create",
      entityType: "role",
      entityId: row.id,
      entityLabel: row.name,
      after: changeShape(view, names),
      meta: ctx.meta,
    });
    return view;
  });
}

export async function updateRole(db: DbOrTx, orgId: string, id: string, input: UpdateRoleInput, ctx: ChangeContext): Promise<RoleView> {
  const before = await getRole(db, orgId, id);
  const names = await resourceNames(db, orgId);
  if (input.grants) checkGrants(input.grants, names);
  if (input.name !== undefined) await assertNameFree(db, orgId, input.name, id);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (
    (input.name === undefined || input.name === before.name) &&
    (input.description === undefined || input.description === before.description) &&
    (!input.grants || same(describeGrants(input.grants, names), describeGrants(before.grants, names)))
  ) {
    return before; // nothing to change, nothing to log
  }
  return policyChange(db, orgId, async (tx) => {
    const [row] = await tx
      .update(roles)
      .set({ name: input.name ?? before.name, description: input.description ?? before.description, updatedAt: new Date() })
      .where(and(eq(roles.id, id), eq(roles.orgId, orgId)))
      .returning();
    if (!row) throw notFound("Role");
    if (input.grants) await writeGrants(tx, orgId, id, input.grants);
    const after = await getRole(tx, orgId, id);
    await recordChange(tx, {
      orgId,
      actor: ctx.actor,
      action: "update",
      entityType: "role",
      entityId: id,
      entityLabel: row.name,
      before: changeShape(before, names),
      after: changeShape(after, names),
      meta: ctx.meta,
    });
    return after;
  });
}

/** Deletes a role; its grants, assignments, overrides and the rules scoped to it go with it. */
export async function deleteRole(db: DbOrTx, orgId: string, id: string, ctx: ChangeContext): Promise<void> {
  const before = await getRole(db, orgId, id);
  const names = await resourceNames(db, orgId);
  await policyChange(db, orgId, async (tx) => {
    const scopedRules = await tx
      .select({ name: policyRules.name })
      .from(policyRules)
      .where(and(eq(policyRules.orgId, orgId), eq(policyRules.scopeRoleId, id)));
    await tx
      .delete(redactionSettings)
      .where(and(eq(redactionSettings.orgId, orgId), eq(redactionSettings.scope, "role"), eq(redactionSettings.scopeId, id)));
    await tx.delete(roles).where(and(eq(roles.id, id), eq(roles.orgId, orgId)));
    await recordChange(tx, {
      orgId,
      actor: ctx.actor,
      action: "delete",
      entityType: "role",
      entityId: id,
      entityLabel: before.name,
      before: {
        ...changeShape(before, names),
        assignments: before.counts.assignments,
        rules_removed: scopedRules.map((r) => r.name),
      },
      meta: ctx.meta,
    });
  });
}

/** Role names by id, for views that show who holds what. */
export async function roleNames(db: DbOrTx, orgId: string): Promise<Map<string, string>> {
  const rows = await db.select({ id: roles.id, name: roles.name }).from(roles).where(eq(roles.orgId, orgId));
  return new Map(rows.map((r) => [r.id, r.name]));
}
