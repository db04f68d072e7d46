// Connector administration (admin API /api/v1/connectors and the console): create with credentials
// (secret fields → vault, the rest → config), edit, test/retry, rotate, kill, re-enable, delete
// (crypto-shredding the credential), and the action list (OpenAPI operation choice, approval of
// changed upstream MCP tools). Every change is in the Change Log with before/after — never a
// credential — and every status rule comes from lib/connectors/lifecycle.ts.
import { and, asc, desc, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { connectorActions, connectors, roleGrants, roles, type ConnectorStatus } from "@/db/schema";
import { recordAuditEvent, recordChange } from "../audit/record";
import type { Tx } from "../db";
import { FortressError, notFound } from "../errors";
import { decodeCursor, toPage, type Page } from "../http/pagination";
import type { AdminContext } from "../identity/admin-auth";
import { enqueueEvent } from "../outbox/enqueue";
import { destroySecret, getSecretMetadata, rotateSecret, storeSecret, type SecretMetadata } from "../vault";
import { serviceKeyring } from "../vault/service-keys";
import { connectorTypeView, getConnectorType, listConnectorTypes } from "./catalog";
import { notifyConnectorsChanged } from "./events";
import { assertAllowed, LIFECYCLE, type LifecycleAction } from "./lifecycle";
import { discoverTools, toolDefinition, toolHash, upstreamActionName, type UpstreamTool } from "./mcp-upstream";
import { importOpenApi } from "./openapi";
import { connectorRef, preflight, withConnectorCredential, type ConnectorActionRow, type ConnectorRow } from "./run";
import { ConnectorError, type ConnectorActionDef, type ConnectorType } from "./types";

const SLUG = /^[a-z0-9](?:[a-z0-9_]{0,38}[a-z0-9])?$/;
const credentialValue = z.string().max(16_384, "is too long");

export const ZCreateConnector = z.strictObject({
  type: z.string().min(1).max(40),
  name: z.string().trim().min(1, "is required").max(100),
  slug: z
    .string()
    .regex(SLUG, "must be lowercase letters, digits and single underscores (1–40 characters)")
    .refine((s) => !s.includes("__"), "must not contain a double underscore")
    .optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  credentials: z.record(z.string(), credentialValue).default({}),
  credential_expires_at: z.iso.datetime({ offset: true }).optional(),
  /** OpenAPI connectors: the document (JSON or YAML text, or the parsed object). */
  openapi_document: z.union([z.string().max(1024 * 1024), z.record(z.string(), z.unknown())]).optional(),
  /** OpenAPI connectors: the operations (action names) to expose. */
  operations: z.array(z.string().max(64)).max(500).optional(),
});
export type CreateConnectorInput = z.infer<typeof ZCreateConnector>;

export const ZUpdateConnector = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  enabled: z.boolean().optional(),
});

export const ZRotateConnector = z.strictObject({
  credentials: z.record(z.string(), credentialValue),
});

export const ZKillConnector = z.strictObject({ reason: z.string().trim().max(500).optional() });

export const ZUpdateActions = z.strictObject({
  /** The complete set of action names to expose (OpenAPI operation choice; hiding vendor actions). */
  exposed: z.array(z.string().max(64)).max(1000).optional(),
  /** Upstream MCP tools whose changed (or new) definition the admin approves. */
  approve: z.array(z.string().max(64)).max(1000).optional(),
  /** Upstream MCP: rediscover tools now (changed ones are held back). */
  refresh: z.boolean().optional(),
});

export const ZConnectorListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
  status: z.enum(["PENDING", "ACTIVE", "OFFLINE", "KILLED"]).optional(),
});

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

type Counts = { total: number; exposed: number; pending: number };

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

async function rolesUsing(ctx: AdminContext, ids: string[]): Promise<Map<string, RoleRef[]>> {
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

function view(c: ConnectorRow, counts: Counts, secret: SecretMetadata | null, roleList: RoleRef[] = []): ConnectorView {
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

/** The Change Log shape: configuration and status only, never a credential. */
const changeShape = (c: ConnectorRow) => ({ name: c.name, slug: c.slug, type: c.type, status: c.status, enabled: c.enabled, config: c.config });

function actionView(slug: string, a: ConnectorActionRow): ConnectorActionView {
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

/**
 * storeSecret/rotateSecret run inside our transaction, but the vault's service keyring reads its key
 * rows through the root database handle when its short cache is cold. On PGlite (one connection)
 * that read would wait for our own transaction: warm the keyring first. (Harmless on Postgres.)
 */
async function primeVault(): Promise<void> {
  try {
    const keyring = serviceKeyring();
    await keyring.material(await keyring.currentVersion());
  } catch {
    // storeSecret reports the failure itself (fail closed).
  }
}

const badRequest = (message: string) => new FortressError("invalid_request", message);

function asFortress(err: unknown): never {
  if (err instanceof ConnectorError) throw new FortressError("invalid_request", err.message);
  throw err;
}

async function counts(ctx: AdminContext, ids: string[]): Promise<Map<string, Counts>> {
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

async function metadata(ctx: AdminContext, c: ConnectorRow): Promise<SecretMetadata | null> {
  if (!c.secretId) return null;
  return getSecretMetadata(ctx.db, { orgId: c.orgId, secretId: c.secretId });
}

async function load(ctx: AdminContext, id: string, tx?: Tx): Promise<ConnectorRow> {
  if (!z.uuid().safeParse(id).success) throw notFound("Connector");
  const q = (tx ?? ctx.db).select().from(connectors).where(and(eq(connectors.id, id), eq(connectors.orgId, ctx.orgId)));
  const [row] = tx ? await q.for("update") : await q;
  if (!row) throw notFound("Connector");
  return row;
}

async function viewOf(ctx: AdminContext, c: ConnectorRow): Promise<ConnectorView> {
  const cts = await counts(ctx, [c.id]);
  const rl = await rolesUsing(ctx, [c.id]);
  return view(c, cts.get(c.id) ?? { total: 0, exposed: 0, pending: 0 }, await metadata(ctx, c), rl.get(c.id));
}

export function listTypes() {
  return { data: listConnectorTypes().map(connectorTypeView) };
}

export async function listConnectors(ctx: AdminContext, query: z.infer<typeof ZConnectorListQuery>): Promise<Page<ConnectorView>> {
  const cursor = decodeCursor(query.cursor);
  const where: SQL[] = [eq(connectors.orgId, ctx.orgId)];
  if (query.status) where.push(eq(connectors.status, query.status));
  if (cursor) where.push(sql`(${connectors.createdAt}, ${connectors.id}) < (${cursor.t.toISOString()}::timestamptz, ${cursor.id}::uuid)`);
  const rows = await ctx.db.select().from(connectors).where(and(...where)).orderBy(desc(connectors.createdAt), desc(connectors.id)).limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const cts = await counts(ctx, page.map((r) => r.id));
  const rl = await rolesUsing(ctx, page.map((r) => r.id));
  const metas = new Map<string, SecretMetadata | null>();
  for (const r of page) metas.set(r.id, await metadata(ctx, r));
  return toPage(rows, query.limit, (r) => view(r, cts.get(r.id) ?? { total: 0, exposed: 0, pending: 0 }, metas.get(r.id) ?? null, rl.get(r.id)));
}

export async function getConnector(ctx: AdminContext, id: string): Promise<ConnectorView> {
  return viewOf(ctx, await load(ctx, id));
}

/** Splits submitted credential fields: secret ones → vault blob, the others → config. */
function splitCredentials(type: ConnectorType, creds: Record<string, string>, forRotation: boolean) {
  const known = new Map(type.credentialFields.map((f) => [f.name, f]));
  for (const k of Object.keys(creds)) if (!known.has(k)) throw badRequest(`credentials.${k}: not a credential field of ${type.name}`);
  const secret: Record<string, string> = {};
  const plain: Record<string, string> = {};
  for (const f of type.credentialFields) {
    const v = creds[f.name]?.trim();
    if (!v) {
      if (!f.optional && (f.secret || !forRotation)) throw badRequest(`credentials.${f.name}: is required`);
      continue;
    }
    (f.secret ? secret : plain)[f.name] = v;
  }
  if (type.type === "github" && !secret.token && !secret.private_key) throw badRequest("credentials: give a personal access token, or a GitHub App private key");
  return { secret, plain };
}

function validateConfig(type: ConnectorType, config: Record<string, unknown>): Record<string, unknown> {
  try {
    return type.validateConfig ? type.validateConfig(config) : {};
  } catch (err) {
    return asFortress(err);
  }
}

function slugFrom(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .replace(/_{2,}/g, "_")
    .slice(0, 40)
    .replace(/_+$/, "");
  return s || "connector";
}

async function uniqueSlug(ctx: AdminContext, base: string): Promise<string> {
  const rows = await ctx.db.select({ slug: connectors.slug }).from(connectors).where(and(eq(connectors.orgId, ctx.orgId), sql`${connectors.slug} like ${`${base}%`}`));
  const taken = new Set(rows.map((r) => r.slug));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const s = `${base.slice(0, 36)}_${i}`;
    if (!taken.has(s)) return s;
  }
}

function actionRows(orgId: string, connectorId: string, defs: ConnectorActionDef[], exposed: (d: ConnectorActionDef) => boolean) {
  return defs.map((d) => ({
    orgId,
    connectorId,
    name: d.name,
    title: d.title ?? null,
    description: d.description,
    inputSchema: d.inputSchema,
    outputSchema: d.outputSchema ?? null,
    destructive: d.destructive,
    readOnly: d.readOnly,
    exposed: exposed(d),
    binding: d.binding ?? {},
  }));
}

export async function createConnector(ctx: AdminContext, input: CreateConnectorInput): Promise<ConnectorView> {
  const type = getConnectorType(input.type);
  if (!type) throw badRequest(`type: unknown connector type ${input.type} (see GET /api/v1/connector-types)`);
  const { secret, plain } = splitCredentials(type, input.credentials, false);
  let rawConfig: Record<string, unknown> = { ...input.config, ...plain };
  let defs: ConnectorActionDef[] = type.actions;
  let exposedNames: Set<string> | null = null;
  if (type.type === "openapi") {
    if (!input.openapi_document) throw badRequest("openapi_document: is required for an OpenAPI connector");
    let imported;
    try {
      imported = importOpenApi(input.openapi_document);
    } catch (err) {
      return asFortress(err);
    }
    rawConfig = { base_url: imported.serverUrl ?? undefined, ...rawConfig, title: imported.title, version: imported.version, auth: imported.auth };
    defs = imported.operations;
    const names = new Set(defs.map((d) => d.name));
    for (const op of input.operations ?? []) if (!names.has(op)) throw badRequest(`operations: ${op} is not an operation of this document`);
    exposedNames = new Set(input.operations ?? []);
    const auth = imported.auth;
    const need = auth.type === "bearer" ? "token" : auth.type === "basic" ? "password" : auth.type === "apiKey" ? "api_key" : null;
    if (need && !secret[need]) throw badRequest(`credentials.${need}: is required (the document's security scheme is ${auth.type})`);
  } else if (input.openapi_document || input.operations) {
    throw badRequest("openapi_document and operations are for OpenAPI connectors only");
  }
  const config = validateConfig(type, rawConfig);
  const slug = input.slug ?? (await uniqueSlug(ctx, slugFrom(input.name)));
  const plaintext = Buffer.from(JSON.stringify(secret), "utf8");
  try {
    await primeVault();
    const row = await ctx.db.transaction(async (tx) => {
      const [existing] = await tx.select({ id: connectors.id }).from(connectors).where(and(eq(connectors.orgId, ctx.orgId), eq(connectors.slug, slug)));
      if (existing) throw new FortressError("conflict", `slug: ${slug} is already used by another connector`);
      const [created] = await tx
        .insert(connectors)
        .values({ orgId: ctx.orgId, type: type.type, slug, name: input.name, status: "PENDING", config })
        .returning();
      const meta = await storeSecret(tx, {
        orgId: ctx.orgId,
        purpose: "connector",
        type: type.credentialType ?? "api_credential",
        label: `${type.name}: ${input.name}`,
        plaintext,
        expiresAt: input.credential_expires_at ? new Date(input.credential_expires_at) : null,
        actor: ctx.actor,
        meta: ctx.meta,
      });
      const [withSecret] = await tx.update(connectors).set({ secretId: meta.id }).where(eq(connectors.id, created.id)).returning();
      const rows = actionRows(ctx.orgId, created.id, defs, (d) => (exposedNames ? exposedNames.has(d.name) : true));
      if (rows.length) await tx.insert(connectorActions).values(rows);
      await recordChange(tx, {
        orgId: ctx.orgId,
        actor: ctx.actor,
        action: "create",
        entityType: "connector",
        entityId: created.id,
        entityLabel: input.name,
        after: { ...changeShape(withSecret), actions_exposed: rows.filter((r) => r.exposed).map((r) => r.name) },
        meta: ctx.meta,
      });
      return withSecret;
    });
    await notifyConnectorsChanged(ctx.orgId);
    return viewOf(ctx, row);
  } finally {
    plaintext.fill(0);
  }
}

export async function updateConnector(ctx: AdminContext, id: string, input: z.infer<typeof ZUpdateConnector>): Promise<ConnectorView> {
  const current = await load(ctx, id);
  assertAllowed(current.status, "edit");
  const type = getConnectorType(current.type);
  if (!type) throw badRequest(`Connector type ${current.type} is not available`);
  const patch: Partial<ConnectorRow> = { updatedAt: new Date() };
  if (input.name !== undefined) patch.name = input.name;
  if (input.enabled !== undefined) patch.enabled = input.enabled;
  if (input.config !== undefined) {
    const secretNames = new Set(type.credentialFields.filter((f) => f.secret).map((f) => f.name));
    for (const k of Object.keys(input.config)) if (secretNames.has(k)) throw badRequest(`config.${k}: is a credential; use POST /rotate`);
    // Fields the admin cannot set by hand on an OpenAPI connector come from its document.
    const keep = type.type === "openapi" ? { title: current.config.title, version: current.config.version, auth: current.config.auth } : {};
    patch.config = validateConfig(type, { ...current.config, ...input.config, ...keep });
  }
  const row = await ctx.db.transaction(async (tx) => {
    const before = await load(ctx, id, tx);
    assertAllowed(before.status, "edit");
    const [after] = await tx.update(connectors).set(patch).where(and(eq(connectors.id, id), eq(connectors.orgId, ctx.orgId))).returning();
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "update",
      entityType: "connector",
      entityId: id,
      entityLabel: after.name,
      before: changeShape(before),
      after: changeShape(after),
      meta: ctx.meta,
    });
    return after;
  });
  await notifyConnectorsChanged(ctx.orgId);
  return viewOf(ctx, row);
}

/** Upstream MCP: compares discovered tools with the pinned ones. Changed/new → held back. */
async function syncUpstream(tx: Tx, c: ConnectorRow, tools: UpstreamTool[], initial: boolean) {
  const existing = await tx.select().from(connectorActions).where(and(eq(connectorActions.connectorId, c.id), eq(connectorActions.orgId, c.orgId)));
  const byTool = new Map(existing.map((a) => [String(a.binding?.tool ?? a.name), a]));
  const usedNames = new Set(existing.map((a) => a.name));
  const summary = { added: [] as string[], held_back: [] as string[], removed: [] as string[] };
  const seen = new Set<string>();
  for (const t of tools) {
    if (seen.has(t.name)) continue;
    seen.add(t.name);
    const hash = toolHash(t);
    const annotations = (t.annotations ?? {}) as Record<string, unknown>;
    const readOnly = annotations.readOnlyHint === true;
    const destructive = readOnly ? false : annotations.destructiveHint !== false; // MCP default: destructive
    const pendingDefinition = { ...toolDefinition(t), title: t.title ?? null, readOnly, destructive };
    const row = byTool.get(t.name);
    if (row) {
      if (row.pinnedHash === hash) {
        if (row.pendingHash || row.binding?.removed) {
          await tx
            .update(connectorActions)
            .set({ pendingHash: null, pendingDefinition: null, exposed: true, binding: { tool: t.name }, updatedAt: new Date() })
            .where(eq(connectorActions.id, row.id));
        }
        continue;
      }
      if (row.pendingHash !== hash || row.exposed) {
        await tx
          .update(connectorActions)
          .set({ pendingHash: hash, pendingDefinition, exposed: false, updatedAt: new Date() })
          .where(eq(connectorActions.id, row.id));
        summary.held_back.push(row.name);
      }
      continue;
    }
    let name = upstreamActionName(t.name);
    for (let i = 2; usedNames.has(name); i++) name = `${upstreamActionName(t.name).slice(0, 60)}_${i}`;
    usedNames.add(name);
    if (initial) {
      await tx.insert(connectorActions).values({
        orgId: c.orgId,
        connectorId: c.id,
        name,
        title: t.title ?? null,
        description: t.description ?? "",
        inputSchema: t.inputSchema,
        outputSchema: t.outputSchema ?? null,
        readOnly,
        destructive,
        exposed: true,
        pinnedHash: hash,
        binding: { tool: t.name },
      });
      summary.added.push(name);
    } else {
      // A tool that appears later is as suspicious as a changed one: held back until approved.
      await tx.insert(connectorActions).values({
        orgId: c.orgId,
        connectorId: c.id,
        name,
        title: t.title ?? null,
        description: "",
        inputSchema: { type: "object" },
        readOnly,
        destructive,
        exposed: false,
        pendingHash: hash,
        pendingDefinition,
        binding: { tool: t.name },
      });
      summary.held_back.push(name);
    }
  }
  for (const a of existing) {
    const tool = String(a.binding?.tool ?? a.name);
    if (!seen.has(tool) && !a.binding?.removed) {
      await tx.update(connectorActions).set({ exposed: false, binding: { ...a.binding, removed: true }, updatedAt: new Date() }).where(eq(connectorActions.id, a.id));
      summary.removed.push(a.name);
    }
  }
  return summary;
}

export interface TestOutcome {
  ok: boolean;
  error: string | null;
  connector: ConnectorView;
  tools?: { added: string[]; held_back: string[]; removed: string[] };
}

/** Runs the read-only test call (Test / Retry); upstream MCP connectors also rediscover their tools. */
async function runTest(ctx: AdminContext, c: ConnectorRow, action: LifecycleAction): Promise<TestOutcome> {
  const type = getConnectorType(c.type);
  if (!type) throw badRequest(`Connector type ${c.type} is not available`);
  let error: string | null = null;
  let tools: UpstreamTool[] | null = null;
  try {
    await preflight(type, c.config);
    await withConnectorCredential(c, ctx.actor, ctx.meta, async (credential) => {
      const call = { connector: connectorRef(c), credential, requestId: ctx.meta.requestId };
      if (type.type === "mcp") tools = await discoverTools(call);
      else await type.test(call);
    });
  } catch (err) {
    if (!(err instanceof ConnectorError)) throw err; // vault unavailable etc.: fail closed, 503
    error = err.message;
  }
  const okNow = error === null;
  let summary: TestOutcome["tools"];
  const row = await ctx.db.transaction(async (tx) => {
    const before = await load(ctx, c.id, tx);
    // Status moves: success → ACTIVE; failure: ACTIVE → OFFLINE, PENDING and OFFLINE stay.
    const status: ConnectorStatus = okNow ? "ACTIVE" : before.status === "ACTIVE" ? "OFFLINE" : before.status === "KILLED" ? "KILLED" : before.status;
    if (before.status === "KILLED") throw new FortressError("conflict", "The connector was killed while it was being tested");
    if (okNow && tools) {
      const [{ n }] = await tx.select({ n: sql<number>`count(*)::int` }).from(connectorActions).where(eq(connectorActions.connectorId, c.id));
      // Trust on first use only for a brand-new connector: tools that appear later are held back.
      summary = await syncUpstream(tx, before, tools, Number(n) === 0 && before.status === "PENDING");
    }
    const [after] = await tx
      .update(connectors)
      .set({ status, lastTestedAt: new Date(), lastError: error?.slice(0, 1000) ?? null, consecutiveFailures: okNow ? 0 : before.consecutiveFailures, updatedAt: new Date() })
      .where(eq(connectors.id, c.id))
      .returning();
    await recordAuditEvent(tx, {
      orgId: ctx.orgId,
      product: "admin_api",
      actor: ctx.actor,
      action: `connector.${action}`,
      resourceType: "connector",
      resourceId: c.id,
      decision: okNow ? "allow" : "deny",
      reason: error ?? undefined,
      meta: ctx.meta,
      metadata: { status_before: before.status, status_after: status, ...(summary ? { tools: summary } : {}) },
    });
    const toolsChanged = summary && (summary.added.length || summary.held_back.length || summary.removed.length);
    if (before.status !== status || toolsChanged) {
      await recordChange(tx, {
        orgId: ctx.orgId,
        actor: ctx.actor,
        action,
        entityType: "connector",
        entityId: c.id,
        entityLabel: after.name,
        before: changeShape(before),
        after: { ...changeShape(after), ...(toolsChanged ? { tools: summary } : {}) },
        meta: ctx.meta,
      });
    }
    return after;
  });
  await notifyConnectorsChanged(ctx.orgId);
  return { ok: okNow, error, connector: await viewOf(ctx, row), ...(summary ? { tools: summary } : {}) };
}

export async function testConnector(ctx: AdminContext, id: string): Promise<TestOutcome> {
  const c = await load(ctx, id);
  const action: LifecycleAction = c.status === "ACTIVE" ? "test" : "retry";
  assertAllowed(c.status, action);
  return runTest(ctx, c, action);
}

export async function rotateConnector(ctx: AdminContext, id: string, input: z.infer<typeof ZRotateConnector>): Promise<TestOutcome> {
  const c = await load(ctx, id);
  assertAllowed(c.status, "rotate");
  const type = getConnectorType(c.type);
  if (!type) throw badRequest(`Connector type ${c.type} is not available`);
  const { secret, plain } = splitCredentials(type, input.credentials, true);
  const plaintext = Buffer.from(JSON.stringify(secret), "utf8");
  let row: ConnectorRow;
  try {
    await primeVault();
    row = await ctx.db.transaction(async (tx) => {
      const before = await load(ctx, id, tx);
      assertAllowed(before.status, "rotate");
      let secretId = before.secretId;
      if (secretId) {
        await rotateSecret(tx, { orgId: ctx.orgId, secretId }, plaintext, { actor: ctx.actor, meta: ctx.meta });
      } else {
        const meta = await storeSecret(tx, { orgId: ctx.orgId, purpose: "connector", type: type.credentialType ?? "api_credential", label: `${type.name}: ${before.name}`, plaintext, actor: ctx.actor, meta: ctx.meta });
        secretId = meta.id;
      }
      const config = Object.keys(plain).length ? validateConfig(type, { ...before.config, ...plain }) : before.config;
      const [after] = await tx
        .update(connectors)
        .set({ secretId, config, consecutiveFailures: 0, updatedAt: new Date() })
        .where(eq(connectors.id, id))
        .returning();
      await recordChange(tx, {
        orgId: ctx.orgId,
        actor: ctx.actor,
        action: "rotate",
        entityType: "connector",
        entityId: id,
        entityLabel: after.name,
        before: { ...changeShape(before), credential: "previous value (destroyed)" },
        after: { ...changeShape(after), credential: "new value (in vault)" },
        meta: ctx.meta,
      });
      return after;
    });
  } finally {
    plaintext.fill(0);
  }
  // A rotated ACTIVE/OFFLINE connector is tested at once; a KILLED one stays KILLED until re-enabled.
  if (row.status === "ACTIVE" || row.status === "OFFLINE") return runTest(ctx, row, row.status === "ACTIVE" ? "test" : "retry");
  await notifyConnectorsChanged(ctx.orgId);
  return { ok: true, error: null, connector: await viewOf(ctx, row) };
}

export async function killConnector(ctx: AdminContext, id: string, input: z.infer<typeof ZKillConnector>): Promise<ConnectorView> {
  const current = await load(ctx, id);
  assertAllowed(current.status, "kill");
  const row = await ctx.db.transaction(async (tx) => {
    const before = await load(ctx, id, tx);
    assertAllowed(before.status, "kill");
    const [after] = await tx.update(connectors).set({ status: "KILLED", updatedAt: new Date() }).where(eq(connectors.id, id)).returning();
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "kill",
      entityType: "connector",
      entityId: id,
      entityLabel: after.name,
      before: changeShape(before),
      after: { ...changeShape(after), ...(input.reason ? { reason: input.reason } : {}) },
      meta: ctx.meta,
    });
    await recordAuditEvent(tx, {
      orgId: ctx.orgId,
      product: "admin_api",
      actor: ctx.actor,
      action: "connector.killed",
      resourceType: "connector",
      resourceId: id,
      decision: "info",
      reason: input.reason,
      meta: ctx.meta,
    });
    await enqueueEvent(tx, {
      orgId: ctx.orgId,
      type: "connector.killed",
      dedupeKey: `connector.killed:${id}:${ctx.meta.requestId}`,
      payload: { connector_id: id, connector_slug: after.slug, connector_name: after.name, connector_type: after.type, reason: input.reason ?? null, killed_by: ctx.actor.label },
    });
    return after;
  });
  await notifyConnectorsChanged(ctx.orgId);
  return viewOf(ctx, row);
}

/** Re-enable a KILLED connector: back to PENDING, then the test call decides (ACTIVE, or PENDING + error). */
export async function enableConnector(ctx: AdminContext, id: string): Promise<TestOutcome> {
  const current = await load(ctx, id);
  assertAllowed(current.status, "enable");
  const row = await ctx.db.transaction(async (tx) => {
    const before = await load(ctx, id, tx);
    assertAllowed(before.status, "enable");
    const [after] = await tx.update(connectors).set({ status: "PENDING", consecutiveFailures: 0, updatedAt: new Date() }).where(eq(connectors.id, id)).returning();
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "enable",
      entityType: "connector",
      entityId: id,
      entityLabel: after.name,
      before: changeShape(before),
      after: changeShape(after),
      meta: ctx.meta,
    });
    return after;
  });
  return runTest(ctx, row, "retry");
}

/**
 * Deletes a connector. `deferNotify`: when running inside someone else's transaction (an approved
 * pending change), listeners are told without waiting — they read through the root handle, which
 * on PGlite would wait for that very transaction.
 */
export async function deleteConnector(ctx: AdminContext, id: string, opts: { deferNotify?: boolean } = {}): Promise<void> {
  const current = await load(ctx, id);
  assertAllowed(current.status, "delete");
  await ctx.db.transaction(async (tx) => {
    const before = await load(ctx, id, tx);
    await tx.delete(connectors).where(and(eq(connectors.id, id), eq(connectors.orgId, ctx.orgId)));
    // Crypto-shred: the credential's data key is destroyed now, in the same transaction.
    if (before.secretId) await destroySecret(tx, { orgId: ctx.orgId, secretId: before.secretId }, { actor: ctx.actor, meta: ctx.meta });
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "delete",
      entityType: "connector",
      entityId: id,
      entityLabel: before.name,
      before: changeShape(before),
      after: null,
      meta: ctx.meta,
    });
  });
  if (opts.deferNotify) void notifyConnectorsChanged(ctx.orgId);
  else await notifyConnectorsChanged(ctx.orgId);
}

export async function listActions(ctx: AdminContext, id: string): Promise<{ data: ConnectorActionView[] }> {
  const c = await load(ctx, id);
  const rows = await ctx.db
    .select()
    .from(connectorActions)
    .where(and(eq(connectorActions.connectorId, c.id), eq(connectorActions.orgId, ctx.orgId)))
    .orderBy(asc(connectorActions.name));
  return { data: rows.map((a) => actionView(c.slug, a)) };
}

export async function updateActions(ctx: AdminContext, id: string, input: z.infer<typeof ZUpdateActions>): Promise<{ data: ConnectorActionView[]; tools?: TestOutcome["tools"] }> {
  const c = await load(ctx, id);
  assertAllowed(c.status, "edit");
  if (!input.exposed && !input.approve && !input.refresh) throw badRequest("Give exposed, approve or refresh");
  if (input.refresh && c.type !== "mcp") throw badRequest("refresh: only upstream MCP connectors discover their tools");
  let tools: TestOutcome["tools"];
  if (input.refresh) {
    const outcome = await runTest(ctx, c, c.status === "ACTIVE" ? "test" : "retry");
    if (!outcome.ok) throw new FortressError("conflict", `Could not rediscover tools: ${outcome.error}`);
    tools = outcome.tools;
  }
  await ctx.db.transaction(async (tx) => {
    const before = await load(ctx, id, tx);
    assertAllowed(before.status, "edit");
    const rows = await tx.select().from(connectorActions).where(and(eq(connectorActions.connectorId, id), eq(connectorActions.orgId, ctx.orgId)));
    const byName = new Map(rows.map((r) => [r.name, r]));
    const changes: Array<{ name: string; before: unknown; after: unknown }> = [];
    for (const name of input.approve ?? []) {
      const r = byName.get(name);
      if (!r) throw badRequest(`approve: ${name} is not an action of this connector`);
      if (!r.pendingHash || !r.pendingDefinition) throw badRequest(`approve: ${name} has no definition awaiting approval`);
      const d = r.pendingDefinition as Record<string, any>;
      await tx
        .update(connectorActions)
        .set({
          description: String(d.description ?? ""),
          title: d.title ?? null,
          inputSchema: d.inputSchema ?? { type: "object" },
          outputSchema: d.outputSchema ?? null,
          readOnly: Boolean(d.readOnly),
          destructive: Boolean(d.destructive),
          pinnedHash: r.pendingHash,
          pendingHash: null,
          pendingDefinition: null,
          exposed: true,
          updatedAt: new Date(),
        })
        .where(eq(connectorActions.id, r.id));
      changes.push({ name, before: { pinned_hash: r.pinnedHash, description: r.description, exposed: r.exposed }, after: { pinned_hash: r.pendingHash, description: d.description ?? "", exposed: true } });
      byName.set(name, { ...r, pendingHash: null, exposed: true });
    }
    if (input.exposed) {
      const want = new Set(input.exposed);
      for (const n of want) if (!byName.has(n)) throw badRequest(`exposed: ${n} is not an action of this connector`);
      for (const r of byName.values()) {
        const next = want.has(r.name);
        if (next === r.exposed) continue;
        if (next && r.pendingHash) throw badRequest(`exposed: ${r.name} has a changed definition awaiting approval; approve it first`);
        if (next && r.binding?.removed) throw badRequest(`exposed: ${r.name} no longer exists upstream`);
        await tx.update(connectorActions).set({ exposed: next, updatedAt: new Date() }).where(eq(connectorActions.id, r.id));
        changes.push({ name: r.name, before: { exposed: r.exposed }, after: { exposed: next } });
      }
    }
    if (changes.length) {
      await recordChange(tx, {
        orgId: ctx.orgId,
        actor: ctx.actor,
        action: input.approve?.length ? "approve_tools" : "update_actions",
        entityType: "connector",
        entityId: id,
        entityLabel: before.name,
        before: Object.fromEntries(changes.map((ch) => [ch.name, ch.before])),
        after: Object.fromEntries(changes.map((ch) => [ch.name, ch.after])),
        meta: ctx.meta,
      });
      await tx.update(connectors).set({ updatedAt: new Date() }).where(eq(connectors.id, id));
    }
  });
  await notifyConnectorsChanged(ctx.orgId);
  return { ...(await listActions(ctx, id)), ...(tools ? { tools } : {}) };
}
