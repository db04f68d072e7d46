// A connector's action rows: written from the catalog or the admin's choice of OpenAPI operations,
// and kept in step with an upstream MCP server's discovered tools, each pinned by the hash of its
// definition (a changed or new tool is held back until an admin approves it).
import { and, eq } from "drizzle-orm";
import { connectorActions } from "@/db/schema";
import type { Tx } from "../db";
import { toolDefinition, toolHash, upstreamActionName, type UpstreamTool } from "./mcp-upstream";
import type { ConnectorRow } from "./run";
import type { ConnectorActionDef } from "./types";

export function actionRows(orgId: string, connectorId: string, defs: ConnectorActionDef[], exposed: (d: ConnectorActionDef) => boolean) {
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

/** Upstream MCP: compares discovered tools with the pinned ones. Changed/new → held back. */
export async function syncUpstream(tx: Tx, c: ConnectorRow, tools: UpstreamTool[], initial: boolean) {
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
