// The caller's tools: the org's exposed actions of its ACTIVE connectors, as `<slug>__<action>`,
// filtered by policy (allowedResources), in name order, with cursor pagination and the annotations
// clients use to warn before destructive calls.
import { createHash } from "node:crypto";
import { forgetOrgConnectors, orgConnectors, type ConnectorActionRow, type ConnectorRow as Row, type OrgConnectors } from "../../connectors/cache";
import type { Principal } from "../../identity/principal";
import type { PolicyResource } from "../../policy";
import { observeAllToolsChanges } from "./changes";
import { INVALID_PARAMS, RpcError } from "./protocol";

export type ConnectorRow = Row;
export type ActionRow = ConnectorActionRow;
export type ActionResource = Extract<PolicyResource, { kind: "connector_action" }>;

export interface ToolEntry {
  name: string;
  connector: ConnectorRow;
  action: ActionRow;
  resource: ActionResource;
}

export const TOOLS_PAGE_SIZE = 100;

export const toolName = (slug: string, action: string) => `${slug}__${action}`;

export function resourceOf(connector: ConnectorRow, action: ActionRow): ActionResource {
  return {
    kind: "connector_action",
    connectorId: connector.id,
    connectorSlug: connector.slug,
    action: action.name,
    // Layer 1: the connector's toggle and kill switch.
    enabled: connector.enabled && connector.status !== "KILLED",
    destructive: action.destructive,
  };
}

interface OrgTools {
  /** Listable: ACTIVE, enabled connectors' exposed actions, by name. */
  listed: ToolEntry[];
  /** Every action of the org, whatever its state, by full name (tools/call decides what to do). */
  byName: Map<string, ToolEntry>;
}

// The tool table is derived from the org's cached connectors (lib/connectors/cache.ts: dropped on
// every connector change on every instance, at most 500 ms old otherwise), once per loaded table.
const derived = new WeakMap<OrgConnectors, OrgTools>();
let observing = false;

function buildTools(table: OrgConnectors): OrgTools {
  const all = table.actions.map(({ connector, action }) => ({ name: toolName(connector.slug, action.name), connector, action, resource: resourceOf(connector, action) }));
  const byName = new Map<string, ToolEntry>();
  for (const t of all) if (!byName.has(t.name)) byName.set(t.name, t);
  const listed = all
    .filter((t) => t.connector.status === "ACTIVE" && t.connector.enabled && t.action.exposed)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // code-point order, locale-independent
  return { listed, byName };
}

async function orgTools(orgId: string): Promise<OrgTools> {
  if (!observing) {
    observing = true;
    // A tools-bus message may reach this instance before the policy bus's: open notification
    // streams re-check their list on it, so the table must already be gone when they do.
    observeAllToolsChanges(forgetOrgConnectors);
  }
  const table = await orgConnectors(orgId);
  let tools = derived.get(table);
  if (!tools) derived.set(table, (tools = buildTools(table)));
  return tools;
}

/** Every exposed action of the org's ACTIVE, enabled connectors, ordered by tool name. */
export async function loadOrgTools(orgId: string): Promise<ToolEntry[]> {
  return (await orgTools(orgId)).listed;
}

/** One tool by its full name, org-scoped, whatever its connector's status (the caller decides). */
export async function findTool(orgId: string, name: string): Promise<ToolEntry | null> {
  return (await orgTools(orgId)).byName.get(name) ?? null;
}

export type AllowedResources = (principal: Principal, resources: ActionResource[], clientIp: string | null) => Promise<ActionResource[]>;

/** The org's tools this caller may use now (policy layers 1–3, no rate-limit counter consumed). */
export async function allowedTools(principal: Principal, clientIp: string | null, allowed: AllowedResources): Promise<ToolEntry[]> {
  const all = await loadOrgTools(principal.orgId);
  if (all.length === 0) return [];
  const permitted = await allowed(principal, all.map((t) => t.resource), clientIp);
  const keys = new Set(permitted.map((r) => `${r.connectorId}\u0000${r.action}`));
  return all.filter((t) => t.resource.enabled && keys.has(`${t.connector.id}\u0000${t.action.name}`));
}

/** A Tool as tools/list returns it. */
export function toolDefinition(t: ToolEntry): Record<string, unknown> {
  const title = t.action.title ?? undefined;
  const def: Record<string, unknown> = {
    name: t.name,
    ...(title ? { title } : {}),
    description: t.action.description || `${t.action.name} on ${t.connector.name}`,
    inputSchema: normaliseInputSchema(t.action.inputSchema),
    annotations: {
      ...(title ? { title } : {}),
      readOnlyHint: t.action.readOnly,
      destructiveHint: t.action.destructive,
      // Every action reaches a third-party system.
      openWorldHint: true,
    },
  };
  if (t.action.outputSchema && t.action.outputSchema.type === "object") def.outputSchema = t.action.outputSchema;
  return def;
}

/** The spec requires inputSchema to be an object schema; a stored schema without a type gets one. */
function normaliseInputSchema(schema: Record<string, unknown>): Record<string, unknown> {
  if (schema && typeof schema === "object" && schema.type === "object") return schema;
  return { type: "object", ...(schema ?? {}) };
}

/** A stable fingerprint of a caller's list, to tell whether a change actually altered it. */
export function listFingerprint(tools: ToolEntry[]): string {
  const h = createHash("sha256");
  for (const t of tools) h.update(`${t.name}\u0000${t.action.id}\u0000${t.action.updatedAt.getTime()}\u0000${t.connector.updatedAt.getTime()}\n`);
  return h.digest("base64url");
}

// Cursors are opaque to clients: base64url of the last name returned. Names sort deterministically, so
// "everything after this name" stays correct when tools are added or removed between pages.
export function encodeCursor(lastName: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: lastName }), "utf8").toString("base64url");
}

export function decodeCursor(cursor: unknown): string | null {
  if (cursor === undefined || cursor === null) return null;
  const invalid = new RpcError(INVALID_PARAMS, "Invalid params: invalid cursor");
  if (typeof cursor !== "string" || cursor.length === 0 || cursor.length > 2048) throw invalid;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (parsed?.v !== 1 || typeof parsed.after !== "string") throw invalid;
    return parsed.after;
  } catch {
    throw invalid;
  }
}

export function page(tools: ToolEntry[], cursor: unknown, size = TOOLS_PAGE_SIZE): { tools: ToolEntry[]; nextCursor?: string } {
  const after = decodeCursor(cursor);
  const start = after === null ? 0 : tools.findIndex((t) => t.name > after);
  const slice = start < 0 ? [] : tools.slice(start, start + size);
  const more = start >= 0 && start + size < tools.length;
  return more ? { tools: slice, nextCursor: encodeCursor(slice[slice.length - 1].name) } : { tools: slice };
}
