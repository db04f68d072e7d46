// What the admin API and the console show of a connector and its actions: configuration, status,
// counts and credential metadata (type, label, dates) — never a credential.
import { and, asc, eq, sql } from "drizzle-orm";
import { connectorActions, roleGrants, roles, type ConnectorStatus } from "@/db/schema";
import type { AdminContext } from "../identity/admin-auth";
import { getSecretMetadata, type SecretMetadata } from "../vault";
import { getConnectorType } from "./catalog";
import { LIFECYCLE, type LifecycleAction } from "./lifecycle";
import type { ConnectorActionRow, ConnectorRow } from "./run";

export const EXPIRING_SOON_DAYS = 14;

export interface ConnectorView {
  id: string;
  type: string;
  type_name: string;
  slug: string;
  name: string;
  status: ConnectorStatus;
  enabled: boolean;
  config: Record<string, unknown>;
  credential: {
    type: string;
    label: string;
    created_at: string;
    rotated_at: string | null;
    expires_at: string | null;
    expiring_soon: boolean;
  } | null;
  consecutive_failures: number;
  last_tested_at: string | null;
  last_error: string | null;
  tools: { total: number; exposed: number; pending_approval: number };
  /** Policy Radar roles that allow at least one of this connector's actions. */
  roles: { id: string; name: string }[];
  allowed_actions: readonly LifecycleAction[];
  created_at: string;
  updated_at: string;
}

export interface ConnectorActionView {
  id: string;
  name: string;
  tool_name: string;
  title: string | null;
  description: string;
  input_schema: Record<string, unknown>;
  destructive: boolean;
  read_only: boolean;
  exposed: boolean;
  pinned_hash: string | null;
  pending: { hash: string; definition: Record<string, unknown> } | null;
  binding: Record<string, unknown>;
}

export type Counts = { total: number; exposed: number; pending: number };

function credentialView(m: SecretMetadata | null, now = Date.now()): ConnectorView["credential"] {
  if (!m) return null;
  const expires = m.expiresAt ? new Date(m.expiresAt) : null;
  return {
    type: m.type,
    label: m.label,
    created_at: new Date(m.createdAt).toISOString(),
    rotated_at: m.rotatedAt ? new Date(m.rotatedAt).toISOString() : null,
    expires_at: expires?.toISOString() ?? null,
    expiring_soon: Boolean(expires && expires.getTime() - now < EXPIRING_SOON_DAYS * 86_400_000),
  };
}

type RoleRef = { id: string; name: string };

export async function rolesUsing(ctx: AdminContext, ids: string[]): Promise<Map<string, RoleRef[]>> {
  const out = new Map<string, RoleRef[]>();
  if (ids.length === 0) return out;
  const rows = await ctx.db
    .selectDistinct({ connectorId: roleGrants.connectorId, id: roles.id, name: roles.name })
    .from(roleGrants)
    .innerJoin(roles, and(eq(roles.id, roleGrants.roleId), eq(roles.orgId, roleGrants.orgId)))
    .where(and(eq(roleGrants.orgId, ctx.orgId), eq(roleGrants.kind, "connector_action"), eq(roleGrants.effect, "allow"), sql`${roleGrants.connectorId} in ${ids}`))
    .orderBy(asc(roles.name));
  for (const r of rows) {
    const list = out.get(r.connectorId!) ?? [];
    list.push({ id: r.id, name: r.name });
    out.set(r.connectorId!, list);
  }
  return out;
}

export function view(c: ConnectorRow, counts: Counts, secret: SecretMetadata | null, roleList: RoleRef[] = []): ConnectorView {
  return {
    id: c.id,
    type: c.type,
    type_name: getConnectorType(c.type)?.name ?? c.type,
    slug: c.slug,
    name: c.name,
    status: c.status,
    enabled: c.enabled,
    config: c.config,
    credential: credentialView(secret),
    consecutive_failures: c.consecutiveFailures,
    last_tested_at: c.lastTestedAt?.toISOString() ?? null,
    last_error: c.lastError,
    tools: { total: counts.total, exposed: counts.exposed, pending_approval: counts.pending },
    roles: roleList,
    allowed_actions: LIFECYCLE[c.status],
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

export function actionView(slug: string, a: ConnectorActionRow): ConnectorActionView {
  return {
    id: a.id,
    name: a.name,
    tool_name: `${slug}__${a.name}`,
    title: a.title,
    description: a.description,
    input_schema: a.inputSchema,
    destructive: a.destructive,
    read_only: a.readOnly,
    exposed: a.exposed,
    pinned_hash: a.pinnedHash,
    pending: a.pendingHash ? { hash: a.pendingHash, definition: a.pendingDefinition ?? {} } : null,
    binding: a.binding,
  };
}

export async function counts(ctx: AdminContext, ids: string[]): Promise<Map<string, Counts>> {
  const out = new Map<string, Counts>();
  if (ids.length === 0) return out;
  const rows = await ctx.db
    .select({
      id: connectorActions.connectorId,
      total: sql<number>`count(*)::int`,
      exposed: sql<number>`count(*) filter (where ${connectorActions.exposed})::int`,
      pending: sql<number>`count(*) filter (where ${connectorActions.pendingHash} is not null)::int`,
    })
    .from(connectorActions)
    .where(and(eq(connectorActions.orgId, ctx.orgId), sql`${connectorActions.connectorId} in ${ids}`))
    .groupBy(connectorActions.connectorId);
  for (const r of rows) out.set(r.id, { total: Number(r.total), exposed: Number(r.exposed), pending: Number(r.pending) });
  return out;
}

export async function metadata(ctx: AdminContext, c: ConnectorRow): Promise<SecretMetadata | null> {
  if (!c.secretId) return null;
  return getSecretMetadata(ctx.db, { orgId: c.orgId, secretId: c.secretId });
}

export async function viewOf(ctx: AdminContext, c: ConnectorRow): Promise<ConnectorView> {
  const cts = await counts(ctx, [c.id]);
  const rl = await rolesUsing(ctx, [c.id]);
  return view(c, cts.get(c.id) ?? { total: 0, exposed: 0, pending: 0 }, await metadata(ctx, c), rl.get(c.id));
}
