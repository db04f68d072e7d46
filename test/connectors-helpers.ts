// Shared helpers for the connector tests: direct executor calls, admin API calls, a principal.
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import * as actionsRoute from "@/app/api/v1/connectors/[id]/actions/route";
import * as enableRoute from "@/app/api/v1/connectors/[id]/enable/route";
import * as killRoute from "@/app/api/v1/connectors/[id]/kill/route";
import * as rotateRoute from "@/app/api/v1/connectors/[id]/rotate/route";
import * as oneRoute from "@/app/api/v1/connectors/[id]/route";
import * as testRoute from "@/app/api/v1/connectors/[id]/test/route";
import * as listRoute from "@/app/api/v1/connectors/route";
import { connectorActions, connectors } from "@/db/schema";
import { getConnectorType } from "@/lib/connectors/catalog";
import { checkArguments } from "@/lib/connectors/arguments";
import { runConnectorAction } from "@/lib/connectors/run";
import type { ActionResult } from "@/lib/connectors/types";
import { getDb } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import type { Principal } from "@/lib/identity/principal";
import { call } from "./helpers";

export function allowLoopback(cidrs = "127.0.0.1/32") {
  process.env.FORTRESS_OUTBOUND_ALLOW = cidrs;
  resetEnvForTests();
}

/** Calls a connector type's executor directly, after validating the arguments like the gateway does. */
export async function direct(
  type: string,
  config: Record<string, unknown>,
  credential: Record<string, string>,
  action: string,
  args: Record<string, unknown> = {},
  binding: Record<string, unknown> = {},
): Promise<ActionResult> {
  const t = getConnectorType(type)!;
  const def = t.actions.find((a) => a.name === action);
  if (def) {
    const check = checkArguments(def.inputSchema, args);
    if (!check.ok) throw new Error(`test bug: ${action}: ${check.message}`);
  }
  return t.execute({
    connector: { id: randomUUID(), orgId: randomUUID(), slug: type, type, config },
    action: { name: action, binding },
    args,
    credential: Buffer.from(JSON.stringify(credential)),
    requestId: randomUUID(),
  });
}

export async function directTest(type: string, config: Record<string, unknown>, credential: Record<string, string>) {
  const t = getConnectorType(type)!;
  return t.test({ connector: { id: randomUUID(), orgId: randomUUID(), slug: type, type, config }, credential: Buffer.from(JSON.stringify(credential)), requestId: randomUUID() });
}

export const api = {
  list: (token: string) => call(listRoute.GET, { token }),
  create: (token: string, body: unknown) => call(listRoute.POST, { token, body }),
  get: (token: string, id: string) => call(oneRoute.GET, { token, params: { id } }),
  update: (token: string, id: string, body: unknown) => call(oneRoute.PUT, { token, params: { id }, body, method: "PUT" }),
  remove: (token: string, id: string) => call(oneRoute.DELETE, { token, params: { id }, method: "DELETE" }),
  test: (token: string, id: string) => call(testRoute.POST, { token, params: { id }, method: "POST" }),
  rotate: (token: string, id: string, body: unknown) => call(rotateRoute.POST, { token, params: { id }, body }),
  kill: (token: string, id: string, body?: unknown) => call(killRoute.POST, { token, params: { id }, method: "POST", ...(body ? { body } : {}) }),
  enable: (token: string, id: string) => call(enableRoute.POST, { token, params: { id }, method: "POST" }),
  actions: (token: string, id: string) => call(actionsRoute.GET, { token, params: { id } }),
  putActions: (token: string, id: string, body: unknown) => call(actionsRoute.PUT, { token, params: { id }, body, method: "PUT" }),
};

export function principalFor(orgId: string, userId: string): Principal {
  return { orgId, tier: "SOHO", products: ["MCP"], kind: "user", id: userId, label: "tester@example.com", apiKeyId: randomUUID(), consoleRole: "owner" } as Principal;
}

export async function connectorRow(orgId: string, id: string) {
  const db = await getDb();
  const [row] = await db.select().from(connectors).where(and(eq(connectors.id, id), eq(connectors.orgId, orgId)));
  return row;
}

export async function actionRow(connectorId: string, name: string) {
  const db = await getDb();
  const [row] = await db.select().from(connectorActions).where(and(eq(connectorActions.connectorId, connectorId), eq(connectorActions.name, name)));
  return row;
}

/** Runs an action the way the MCP gateway does, loading the rows fresh. */
export async function runAction(orgId: string, userId: string, connectorId: string, action: string, args: Record<string, unknown>) {
  const connector = await connectorRow(orgId, connectorId);
  const a = await actionRow(connectorId, action);
  return runConnectorAction({ connector, action: a, args, principal: principalFor(orgId, userId), requestId: randomUUID() });
}

export const structured = (r: ActionResult) => r.structuredContent as Record<string, any>;
