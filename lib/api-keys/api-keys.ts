// Org API keys: create (the key is returned once), list (metadata only), revoke.
// Members manage their own keys; owners and admins manage every key of the org and the keys of
// service accounts. An object of another org is "not found", never "forbidden".
import { and, desc, eq, isNull, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { apiKeys, serviceAccounts, users } from "@/db/schema";
import { can } from "../accounts/permissions";
import { recordAuditEvent, recordChange } from "../audit/record";
import type { Tx } from "../db";
import { forbidden, notFound } from "../errors";
import { decodeCursor, toPage, type Page } from "../http/pagination";
import type { AdminContext } from "../identity/admin-auth";
import { generateApiKey } from "../identity/api-key-format";
import { forgetCachedApiKeys } from "../identity/authenticate-api-key";

export const ZCreateApiKey = z.object({
  name: z.string().trim().min(1, "is required").max(100),
  service_account_id: z.uuid().optional(),
});
export type CreateApiKeyInput = z.infer<typeof ZCreateApiKey>;

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  owner: { type: "user" | "service_account"; id: string; label: string };
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

type Row = typeof apiKeys.$inferSelect & { ownerLabel: string | null };

function view(r: Row): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    owner: r.userId
      ? { type: "user", id: r.userId, label: r.ownerLabel ?? "" }
      : { type: "service_account", id: r.serviceAccountId!, label: r.ownerLabel ?? "" },
    created_at: r.createdAt.toISOString(),
    last_used_at: r.lastUsedAt?.toISOString() ?? null,
    revoked_at: r.revokedAt?.toISOString() ?? null,
  };
}

/** The before/after shape recorded in the Change Log: never the key or its hash. */
const changeShape = (v: ApiKeyView) => ({ name: v.name, prefix: v.prefix, owner: v.owner.label, revoked_at: v.revoked_at });

const selectWithOwner = (ctx: AdminContext) =>
  ctx.db
    .select({
      key: apiKeys,
      ownerLabel: sql<string | null>`coalesce(${users.email}, ${serviceAccounts.name})`,
    })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.userId))
    .leftJoin(serviceAccounts, eq(serviceAccounts.id, apiKeys.serviceAccountId));

export async function createApiKey(ctx: AdminContext, input: CreateApiKeyInput): Promise<ApiKeyView & { key: string }> {
  let owner: { userId: string | null; serviceAccountId: string | null; label: string };
  if (input.service_account_id) {
    if (!can(ctx.role, "org:write")) throw forbidden("Only owners and admins create keys for service accounts");
    const [sa] = await ctx.db
      .select()
      .from(serviceAccounts)
      .where(and(eq(serviceAccounts.id, input.service_account_id), eq(serviceAccounts.orgId, ctx.orgId), isNull(serviceAccounts.deletedAt)));
    if (!sa) throw notFound("Service account");
    owner = { userId: null, serviceAccountId: sa.id, label: sa.name };
  } else {
    owner = { userId: ctx.user.id, serviceAccountId: null, label: ctx.user.email };
  }
  const { key, prefix, hash } = generateApiKey();
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({
        orgId: ctx.orgId,
        userId: owner.userId,
        serviceAccountId: owner.serviceAccountId,
        name: input.name,
        prefix,
        keyHash: hash,
        createdBy: ctx.user.id,
      })
      .returning();
    const v = view({ ...row, ownerLabel: owner.label });
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "create",
      entityType: "api_key",
      entityId: row.id,
      entityLabel: row.name,
      after: changeShape(v),
      meta: ctx.meta,
    });
    await recordAuditEvent(tx, {
      orgId: ctx.orgId,
      product: "admin_api",
      actor: ctx.actor,
      action: "api_key.created",
      resourceType: "api_key",
      resourceId: row.id,
      decision: "info",
      meta: ctx.meta,
      metadata: { prefix, owner: owner.label },
    });
    return { ...v, key };
  });
}

export async function listApiKeys(ctx: AdminContext, query: { limit: number; cursor?: string }): Promise<Page<ApiKeyView>> {
  const cursor = decodeCursor(query.cursor);
  const where: SQL[] = [eq(apiKeys.orgId, ctx.orgId)];
  if (!can(ctx.role, "org:read")) where.push(eq(apiKeys.userId, ctx.user.id));
  if (cursor) where.push(sql`(${apiKeys.createdAt}, ${apiKeys.id}) < (${cursor.t.toISOString()}::timestamptz, ${cursor.id}::uuid)`);
  const rows = await selectWithOwner(ctx)
    .where(and(...where))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(query.limit + 1);
  return toPage(
    rows.map((r) => ({ ...r.key, ownerLabel: r.ownerLabel })),
    query.limit,
    view,
  );
}

export async function revokeApiKey(ctx: AdminContext, id: string): Promise<void> {
  if (!z.uuid().safeParse(id).success) throw notFound("API key");
  const [found] = await selectWithOwner(ctx).where(and(eq(apiKeys.id, id), eq(apiKeys.orgId, ctx.orgId)));
  if (!found) throw notFound("API key");
  const isOwn = found.key.userId === ctx.user.id;
  if (!can(ctx.role, "org:write") && !(isOwn && can(ctx.role, "keys:self"))) {
    // A member asking about someone else's key learns nothing about it.
    throw can(ctx.role, "org:read") ? forbidden() : notFound("API key");
  }
  if (found.key.revokedAt) return; // idempotent
  const before = view({ ...found.key, ownerLabel: found.ownerLabel });
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date(), revokedBy: ctx.user.id })
      .where(and(eq(apiKeys.id, id), eq(apiKeys.orgId, ctx.orgId), isNull(apiKeys.revokedAt)))
      .returning();
    if (!row) return;
    const after = view({ ...row, ownerLabel: found.ownerLabel });
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "revoke",
      entityType: "api_key",
      entityId: id,
      entityLabel: row.name,
      before: changeShape(before),
      after: changeShape(after),
      meta: ctx.meta,
    });
    await recordAuditEvent(tx, {
      orgId: ctx.orgId,
      product: "admin_api",
      actor: ctx.actor,
      action: "api_key.revoked",
      resourceType: "api_key",
      resourceId: id,
      decision: "info",
      meta: ctx.meta,
      metadata: { prefix: row.prefix },
    });
  });
  forgetCachedApiKeys();
}

/** Revokes every active key of a user (in one org) or a service account; used on removal. */
export async function revokeKeysOf(
  tx: Tx,
  orgId: string,
  owner: { userId?: string; serviceAccountId?: string },
  revokedBy: string,
): Promise<number> {
  const ownerCond = owner.userId ? eq(apiKeys.userId, owner.userId) : eq(apiKeys.serviceAccountId, owner.serviceAccountId!);
  const rows = await tx
    .update(apiKeys)
    .set({ revokedAt: new Date(), revokedBy })
    .where(and(eq(apiKeys.orgId, orgId), ownerCond, isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  forgetCachedApiKeys();
  return rows.length;
}
