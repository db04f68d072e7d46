// What roles and rules can be about: the org's connectors with their actions, and its PAT keys.
// Feeds the role editor (one card per connector, one row per action) and the rule editor.
import { asc, eq } from "drizzle-orm";
import { connectorActions, connectors, patKeys } from "@/db/schema";
import type { DbOrTx } from "../db";

export interface PolicyResourcesView {
  connectors: {
    id: string;
    name: string;
    slug: string;
    type: string;
    status: string;
    enabled: boolean;
    actions: { name: string; title: string | null; description: string; destructive: boolean; read_only: boolean; exposed: boolean }[];
  }[];
  pat_keys: { id: string; label: string; status: string; enabled: boolean }[];
}

export async function listPolicyResources(db: DbOrTx, orgId: string): Promise<PolicyResourcesView> {
  const [cs, actions, keys] = await Promise.all([
    db.select().from(connectors).where(eq(connectors.orgId, orgId)).orderBy(asc(connectors.name)),
    db.select().from(connectorActions).where(eq(connectorActions.orgId, orgId)).orderBy(asc(connectorActions.name)),
    db.select().from(patKeys).where(eq(patKeys.orgId, orgId)).orderBy(asc(patKeys.label)),
  ]);
  return {
    connectors: cs.map((c) => ({
      id: c.id,
      name: c.name,
      slug: c.slug,
      type: c.type,
      status: c.status,
      enabled: c.enabled,
      actions: actions
        .filter((a) => a.connectorId === c.id)
        .map((a) => ({ name: a.name, title: a.title, description: a.description, destructive: a.destructive, read_only: a.readOnly, exposed: a.exposed })),
    })),
    pat_keys: keys.filter((k) => k.status !== "REVOKED").map((k) => ({ id: k.id, label: k.label, status: k.status, enabled: k.enabled })),
  };
}
