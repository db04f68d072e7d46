// Fixtures for the MCP gateway tests: an org with an API key and a connector whose actions run
// against a local fake of the vendor (test/fakes/zendesk-lite.ts), through a test-only connector type.
// Policy and redaction are the real engines when they are implemented; until then a small stand-in
// with the contract's exact shape is passed to the handler explicitly (see `stand-ins` below).
import { randomUUID } from "node:crypto";
import { POST as createKeyRoute } from "@/app/api/v1/api-keys/route";
import { connectorActions, connectors } from "@/db/schema";
import type { RunConnectorActionInput } from "@/lib/connectors/run";
import { ConnectorError, type ActionResult, type ConnectorType } from "@/lib/connectors/types";
import { getDb } from "@/lib/db";
import { createMcpHandler } from "@/lib/gateway/mcp/handler";
import type { McpDeps } from "@/lib/gateway/mcp/deps";
import type { Principal } from "@/lib/identity/principal";
import type { Decision, PolicyRequest, PolicyResource } from "@/lib/policy";
import type { RedactionSettings } from "@/lib/redaction";
import type { TrafficEvent } from "@/lib/traffic";
import { FAKE_EMAIL, FAKE_TOKEN } from "./fakes/zendesk-lite";
import { call, newOrg } from "./helpers";

/** A test-only connector type: Zendesk-shaped ticket actions over plain HTTP to the local fake. */
export const testZendeskType: ConnectorType = {
  type: "test_zendesk",
  name: "Zendesk (test)",
  description: "Test-only connector type talking to the local Zendesk fake",
  credentialFields: [
    { name: "email", label: "Agent email", secret: true },
    { name: "api_token", label: "API token", secret: true },
  ],
  configFields: [{ name: "baseUrl", label: "Base URL", secret: false }],
  actions: [
    {
      name: "list_tickets",
      title: "List tickets",
      description: "List tickets, optionally by status",
      inputSchema: {
        type: "object",
        properties: { status: { type: "string", enum: ["new", "open", "pending", "hold", "solved", "closed"] } },
        additionalProperties: false,
      },
      destructive: false,
      readOnly: true,
    },
    {
      name: "get_ticket",
      title: "Get a ticket",
      description: "Get one ticket by id",
      inputSchema: { type: "object", properties: { id: { type: "integer", minimum: 1 } }, required: ["id"], additionalProperties: false },
      destructive: false,
      readOnly: true,
    },
    {
      name: "delete_ticket",
      title: "Delete a ticket",
      description: "Delete one ticket by id",
      inputSchema: { type: "object", properties: { id: { type: "integer", minimum: 1 } }, required: ["id"], additionalProperties: false },
      destructive: true,
      readOnly: false,
    },
  ],
  async execute(c) {
    const cred = JSON.parse(c.credential.toString("utf8")) as { email: string; api_token: string };
    const base = String(c.connector.config.baseUrl);
    const auth = `Basic ${Buffer.from(`${cred.email}/token:${cred.api_token}`).toString("base64")}`;
    const a = c.args as { status?: string; id?: number };
    const req =
      c.action.name === "list_tickets"
        ? { method: "GET", path: `/api/v2/tickets.json${a.status ? `?status=${encodeURIComponent(a.status)}` : ""}` }
        : { method: c.action.name === "delete_ticket" ? "DELETE" : "GET", path: `/api/v2/tickets/${a.id}.json` };
    const res = await fetch(base + req.path, { method: req.method, headers: { authorization: auth, accept: "application/json" }, signal: c.signal });
    const text = await res.text();
    if (!res.ok) {
      let description = text;
      try {
        const body = JSON.parse(text);
        description = body.description ?? body.error ?? text;
      } catch {
        // not JSON
      }
      throw new ConnectorError(`Zendesk answered ${res.status}: ${description}`, { status: res.status });
    }
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : { deleted: true };
    return { content: [{ type: "text", text: JSON.stringify(body) }], structuredContent: body };
  },
  async test() {},
};

/** Runs an action of the test type the way lib/connectors/run does: credential Buffer zeroed after use. */
export async function testRunAction(input: RunConnectorActionInput): Promise<ActionResult> {
  const credential = Buffer.from(JSON.stringify({ email: FAKE_EMAIL, api_token: FAKE_TOKEN }), "utf8");
  try {
    return await testZendeskType.execute({
      connector: { id: input.connector.id, orgId: input.connector.orgId, slug: input.connector.slug, type: input.connector.type, config: input.connector.config },
      action: { name: input.action.name, binding: input.action.binding },
      args: input.args,
      credential,
      signal: input.signal,
      requestId: input.requestId,
    });
  } finally {
    credential.fill(0);
  }
}

// ---- stand-ins for the policy and redaction engines (same contract), used until they land ----

export const DEFAULT_REDACTION: RedactionSettings = { email: true, phone: true, ssn: true, creditCard: true, custom: [] };

export class StandInPolicy {
  /** `${principalId}:${connectorId}:${action}` */
  readonly grants = new Set<string>();
  role = "Support Agent";

  allow(principalId: string, connectorId: string, action: string) {
    this.grants.add(`${principalId}:${connectorId}:${action}`);
  }
  revoke(principalId: string, connectorId: string, action: string) {
    this.grants.delete(`${principalId}:${connectorId}:${action}`);
  }
  private permits(p: Principal, r: PolicyResource): boolean {
    return r.kind === "connector_action" && r.enabled && this.grants.has(`${p.id}:${r.connectorId}:${r.action}`);
  }
  authorize = async (p: Principal, req: PolicyRequest): Promise<Decision> => {
    const ok = this.permits(p, req.resource);
    const name = req.resource.kind === "connector_action" ? `${req.resource.connectorSlug}__${req.resource.action}` : req.resource.label;
    return {
      effect: ok ? "allow" : "deny",
      layer: ok ? "rule" : "role",
      reason: ok ? `Role: ${this.role}, allowed` : `Tool '${name}' is denied for your role`,
      redaction: DEFAULT_REDACTION,
      trace: [],
    };
  };
  allowedResources = async <R extends PolicyResource>(p: Principal, resources: R[]): Promise<R[]> => resources.filter((r) => this.permits(p, r));
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
export function standInRedact<T>(value: T, settings: RedactionSettings): { value: T; counts: Record<string, number> } {
  let n = 0;
  const walk = (v: unknown): unknown =>
    typeof v === "string"
      ? settings.email
        ? v.replace(EMAIL, () => (n++, "[REDACTED:email]"))
        : v
      : Array.isArray(v)
        ? v.map(walk)
        : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
          : v;
  return { value: walk(value) as T, counts: { email: n } };
}

// ---- org + connector set-up ----

export interface McpOrg {
  org: { id: string };
  token: string;
  key: string;
  userId: string;
  connectorId: string;
  actionIds: Record<string, string>;
}

export async function setupMcpOrg(vendorUrl: string, name = "Acme Corp"): Promise<McpOrg> {
  const owner = await newOrg(name);
  const created = await call(createKeyRoute, { token: owner.token, body: { name: "assistant" } });
  if (created.status !== 201) throw new Error(`could not create an API key: ${created.text}`);
  const db = await getDb();
  const [connector] = await db
    .insert(connectors)
    .values({ orgId: owner.org.id, type: testZendeskType.type, slug: "zendesk", name: "Zendesk", status: "ACTIVE", config: { baseUrl: vendorUrl } })
    .returning();
  const actionIds: Record<string, string> = {};
  for (const a of testZendeskType.actions) {
    const [row] = await db
      .insert(connectorActions)
      .values({
        orgId: owner.org.id,
        connectorId: connector.id,
        name: a.name,
        title: a.title,
        description: a.description,
        inputSchema: a.inputSchema,
        destructive: a.destructive,
        readOnly: a.readOnly,
      })
      .returning();
    actionIds[a.name] = row.id;
  }
  // Noise that must never be listed: a PENDING connector and a held-back action.
  const [pending] = await db
    .insert(connectors)
    .values({ orgId: owner.org.id, type: testZendeskType.type, slug: "pending_one", name: "Pending", status: "PENDING", config: {} })
    .returning();
  await db.insert(connectorActions).values({ orgId: owner.org.id, connectorId: pending.id, name: "list_tickets", description: "x" });
  await db.insert(connectorActions).values({ orgId: owner.org.id, connectorId: connector.id, name: "held_back", description: "x", exposed: false });
  return { org: owner.org, token: owner.token, key: created.json.key, userId: owner.user.id, connectorId: connector.id, actionIds };
}

export interface TestHandlerOptions {
  policy: StandInPolicy;
  traffic?: TrafficEvent[];
  overrides?: Partial<McpDeps>;
}

export function testHandler({ policy, traffic, overrides }: TestHandlerOptions) {
  return createMcpHandler({
    authorize: policy.authorize,
    allowedResources: policy.allowedResources,
    runAction: testRunAction,
    redact: standInRedact,
    publishTraffic: (e) => traffic?.push(e),
    keepAliveMs: 200,
    ...overrides,
  });
}

export const mcpHeaders = (key: string, extra: Record<string, string> = {}) => ({
  "x-api-key": key,
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  ...extra,
});

export const modernMeta = (version = "2026-07-28") => ({
  "io.modelcontextprotocol/protocolVersion": version,
  "io.modelcontextprotocol/clientInfo": { name: "test", version: "1.0.0" },
  "io.modelcontextprotocol/clientCapabilities": {},
});

export const uniqueId = () => randomUUID();
