// An org's connectors and their actions as governed calls read them (the MCP tool lookup, and the
// kill-switch check runConnectorAction makes before the vault): from a per-org cache rather than
// two reads per call. The trade-off, the same as API-key revocation's: every connector change drops
// the org's entry at once on the instance that made it (notifyConnectorsChanged → invalidatePolicy)
// and within a bus round trip on the others (policy bus; the MCP tools bus too), and an entry is
// never believed longer than ORG_ROWS_MAX_AGE_MS (500 ms) should a message be lost. So the kill
// switch, a re-enable or the breaker's OFFLINE apply at once where they happened and within 500 ms
// everywhere. Admin reads (lib/connectors/service.ts) stay uncached: they must see their own writes.
import { and, asc, eq } from "drizzle-orm";
import { connectorActions, connectors } from "@/db/schema";
import { sharedOrgRowsCache } from "../cache/shared";
import { getDb } from "../db";

export type ConnectorRow = typeof connectors.$inferSelect;
export type ConnectorActionRow = typeof connectorActions.$inferSelect;

/** Shared by every caller until the next reload: read, never modify. */
export interface OrgConnectors {
  byId: ReadonlyMap<string, ConnectorRow>;
  /** Every action with its connector, by connector slug, then action name. */
  actions: ReadonlyArray<{ connector: ConnectorRow; action: ConnectorActionRow }>;
}

/** One query: the org's connectors (with or without actions) and their actions. */
async function load(orgId: string): Promise<OrgConnectors> {
  const db = await getDb();
  const rows = await db
    .select({ connector: connectors, action: connectorActions })
    .from(connectors)
    .leftJoin(connectorActions, and(eq(connectorActions.connectorId, connectors.id), eq(connectorActions.orgId, connectors.orgId)))
    .where(eq(connectors.orgId, orgId))
    .orderBy(asc(connectors.slug), asc(connectorActions.name));
  const byId = new Map<string, ConnectorRow>();
  const actions: OrgConnectors["actions"][number][] = [];
  for (const { connector, action } of rows) {
    // The join repeats the connector per action: keep one object per connector.
    let c = byId.get(connector.id);
    if (!c) byId.set(connector.id, (c = connector));
    if (action) actions.push({ connector: c, action });
  }
  return { byId, actions };
}

const cache = () => sharedOrgRowsCache<OrgConnectors>("connectors", { load });

/** The org's connectors and actions, at most ORG_ROWS_MAX_AGE_MS old. Read failures are thrown. */
export function orgConnectors(orgId: string): Promise<OrgConnectors> {
  return cache().get(orgId);
}

/** A connector's current status and toggle (null when it no longer exists), as the kill switch needs. */
export async function connectorState(orgId: string, connectorId: string): Promise<Pick<ConnectorRow, "status" | "enabled"> | null> {
  const c = (await orgConnectors(orgId)).byId.get(connectorId);
  return c ? { status: c.status, enabled: c.enabled } : null;
}

/**
 * This instance only: after a write that does not change what other instances decide (a failure
 * or success count), so the next call here sees it. Changes that matter go through
 * notifyConnectorsChanged, which reaches every instance.
 */
export function forgetOrgConnectors(orgId: string): void {
  cache().invalidate(orgId);
}
