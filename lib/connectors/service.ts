// Connector administration (admin API /api/v1/connectors and the console): create with credentials
// (secret fields → vault, the rest → config), edit, test/retry, rotate, kill, re-enable, delete
// (crypto-shredding the credential), and the action list (OpenAPI operation choice, approval of
// changed upstream MCP tools). Every change is in the Change Log with before/after — never a
// credential — and every status rule comes from lib/connectors/lifecycle.ts.
import { and, asc, desc, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { connectorActions, connectors, type ConnectorStatus } from "@/db/schema";
import { recordAuditEvent, recordChange } from "../audit/record";
import type { Tx } from "../db";
import { FortressError, notFound } from "../errors";
import { decodeCursor, toPage, type Page } from "../http/pagination";
import type { AdminContext } from "../identity/admin-auth";
import { enqueueEvent } from "../outbox/enqueue";
import { destroySecret, rotateSecret, storeSecret, type SecretMetadata } from "../vault";
import { connectorTypeView, getConnectorType, listConnectorTypes } from "./catalog";
import { notifyConnectorsChanged } from "./events";
import { assertAllowed, type LifecycleAction } from "./lifecycle";
import { discoverTools, type UpstreamTool } from "./mcp-upstream";
import { importOpenApi } from "./openapi";
import { connectorRef, preflight, withConnectorCredential, type ConnectorActionRow, type ConnectorRow } from "./run";
import { ConnectorError, type ConnectorActionDef } from "./types";
import { actionRows, syncUpstream } from "./action-rows";
import { asFortress, badRequest, slugFrom, splitCredentials, validateConfig, type CreateConnectorInput, type ZConnectorListQuery, type ZKillConnector, type ZRotateConnector, type ZUpdateActions, type ZUpdateConnector } from "./input";
import { actionView, counts, metadata, rolesUsing, view, viewOf, type ConnectorActionView, type ConnectorView } from "./views";

export { EXPIRING_SOON_DAYS, type ConnectorActionView, type ConnectorView } from "./views";
export { ZConnectorListQuery, ZCreateConnector, ZKillConnector, ZRotateConnector, ZUpdateActions, ZUpdateConnector, type CreateConnectorInput } from "./input";

/** The Change Log shape: configuration and status only, never a credential. */
const changeShape = (c: ConnectorRow) => ({ name: c.name, slug: c.slug, type: c.type, status: c.status, enabled: c.enabled, config: c.config });

async function load(ctx: AdminContext, id: string, tx?: Tx): Promise<ConnectorRow> {
  if (!z.uuid().safeParse(id).success) throw notFound("Connector");
  const q = (tx ?? ctx.db).select().from(connectors).where(and(eq(connectors.id, id), eq(connectors.orgId, ctx.orgId)));
  const [row] = tx ? await q.for("update") : await q;
  if (!row) throw notFound("Connector");
  return row;
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
async function uniqueSlug(ctx: AdminContext, base: string): Promise<string> {
  const rows = await ctx.db.select({ slug: connectors.slug }).from(connectors).where(and(eq(connectors.orgId, ctx.orgId), sql`${connectors.slug} like ${`${base}%`}`));
  const taken = new Set(rows.map((r) => r.slug));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const s = `${base.slice(0, 36)}_${i}`;
    if (!taken.has(s)) return s;
  }
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
