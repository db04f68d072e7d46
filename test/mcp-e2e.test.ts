// End to end with nothing stood in: the official SDK client → /v1/mcp handler with its default
// dependencies → real identity, real policy store and engine (roles created through lib/policy), real
// connectors (a Zendesk connector created and tested through the admin API, its credential in the vault), the
// real runtime (withSecret, SSRF preflight, circuit breaker), real PII redaction and the audit chain —
// against the connectors' local Zendesk fake.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { and, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as createKeyRoute } from "@/app/api/v1/api-keys/route";
import { auditEvents, outboxEvents } from "@/db/schema";
import { auditCommitter } from "@/lib/audit/gateway";
import { getDb } from "@/lib/db";
import { createMcpHandler } from "@/lib/gateway/mcp/handler";
import { serve, type RunningServer } from "@/lib/http/node-adapter";
import { assignRole, createRole } from "@/lib/policy";
import { updateRole } from "@/lib/policy/roles";
import { allowLoopback, api } from "./connectors-helpers";
import { startZendeskFake, ZENDESK_EMAIL, ZENDESK_TOKEN, type ZendeskFake } from "./fakes/zendesk";
import { call, newOrg } from "./helpers";

let zd: ZendeskFake;
let server: RunningServer;
let owner: Awaited<ReturnType<typeof newOrg>>;
let key: string;
let connectorId: string;
let roleId: string;
const actor = () => ({ type: "user" as const, id: owner.user.id, label: owner.email });

async function connect() {
  const client = new Client({ name: "e2e", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/v1/mcp`), { requestInit: { headers: { "x-api-key": key } } }));
  return client;
}

beforeAll(async () => {
  allowLoopback();
  zd = await startZendeskFake();
  owner = await newOrg("E2E Corp");
  key = (await call(createKeyRoute, { token: owner.token, body: { name: "claude" } })).json.key;

  // The connector is created and tested through the connectors admin API (credential to the vault).
  const created = await api.create(owner.token, {
    type: "zendesk",
    name: "Zendesk",
    slug: "zendesk",
    config: { subdomain: "acme", email: ZENDESK_EMAIL, base_url: zd.url },
    credentials: { api_token: ZENDESK_TOKEN },
  });
  expect(created.status, created.text).toBe(201);
  connectorId = created.json.id;
  const tested = await api.test(owner.token, connectorId);
  expect(tested.status, tested.text).toBe(200);
  expect((await api.get(owner.token, connectorId)).json.status).toBe("ACTIVE");
  const db = await getDb();

  const grant = (action: string, effect: "allow" | "deny" = "allow") => ({ resource: { kind: "connector_action" as const, connectorId, action }, effect });
  roleId = (await createRole(db, owner.org.id, { name: "Support Agent", grants: [grant("list_tickets"), grant("get_ticket"), grant("create_ticket")] }, { actor: actor() })).id;
  await assignRole(db, owner.org.id, roleId, { kind: "user", id: owner.user.id }, { actor: actor() });

  server = await serve(createMcpHandler({ keepAliveMs: 500 }));
});

afterAll(async () => {
  await server?.close();
  await zd?.close();
});

describe("MCP end to end (real policy, vault, connectors, redaction, audit)", () => {
  it("lists exactly the tools the role allows, calls one through the vault to the vendor, redacts PII", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["zendesk__create_ticket", "zendesk__get_ticket", "zendesk__list_tickets"]);
    expect(tools.find((t) => t.name === "zendesk__list_tickets")!.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });

    const created = await client.callTool({
      name: "zendesk__create_ticket",
      arguments: { subject: "Refund", description: "Please write to jane.doe@customer.example or call 415-555-0132" },
    });
    expect(created.isError, JSON.stringify(created)).toBeFalsy();
    const text = JSON.stringify(created);
    expect(text).not.toContain("jane.doe@customer.example");
    expect(text).not.toContain("415-555-0132");

    const listed = await client.callTool({ name: "zendesk__list_tickets", arguments: {} });
    expect(listed.isError).toBeFalsy();
    expect(JSON.stringify(listed.structuredContent)).toContain("Ticket 1");
    await client.close();
  });

  it("a read-only call makes its decision event and the credential use durable in one commit", async () => {
    const client = await connect();
    await client.callTool({ name: "zendesk__list_tickets", arguments: {} }); // warm caches
    const stats = auditCommitter().stats;
    const before = { batches: stats.batches, events: stats.events };
    const r = await client.callTool({ name: "zendesk__list_tickets", arguments: {} });
    expect(r.isError, JSON.stringify(r)).toBeFalsy();
    expect(stats.events - before.events).toBe(2);
    expect(stats.batches - before.batches).toBe(1);
    // Both events are in the chain, next to each other: the vault's use, then the gateway's decision.
    const db = await getDb();
    const last = await db.select().from(auditEvents).where(eq(auditEvents.orgId, owner.org.id)).orderBy(desc(auditEvents.seq)).limit(2);
    expect(last.map((e) => e.action).sort()).toEqual(["mcp.tools.call", "vault.secret.used"]);
    expect(Math.abs(last[0].seq - last[1].seq)).toBe(1);
    await client.close();
  });

  it("a tool the role does not grant → -32602 'Policy denied' with the engine's reason; audited; vendor untouched", async () => {
    const client = await connect();
    const before = zd.requests?.length;
    const err = await client.callTool({ name: "zendesk__delete_ticket", arguments: { id: 1 } }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(-32602);
    expect(err.message).toContain("Policy denied");
    expect(typeof err.data.reason).toBe("string");
    expect(err.data.reason.length).toBeGreaterThan(0);
    if (before !== undefined) expect(zd.requests.length).toBe(before);
    const db = await getDb();
    const rows = await db.select().from(auditEvents).where(and(eq(auditEvents.orgId, owner.org.id), eq(auditEvents.product, "mcp"), eq(auditEvents.decision, "deny")));
    expect(rows.some((r) => (r.metadata as { tool?: string }).tool === "zendesk__delete_ticket" && r.reason === err.data.reason)).toBe(true);
    // The denial is also a request.denied webhook event, written with the audit event.
    const denied = await db.select().from(outboxEvents).where(and(eq(outboxEvents.orgId, owner.org.id), eq(outboxEvents.type, "request.denied")));
    expect(denied.some((e) => (e.payload as { reason?: string }).reason === err.data.reason)).toBe(true);
    await client.close();
  });

  it("vendor errors come back as isError with the vendor's message and a connector.error outbox event", async () => {
    const client = await connect();
    const res = await client.callTool({ name: "zendesk__get_ticket", arguments: { id: 424242 } });
    expect(res.isError).toBe(true);
    const message = (res.content as Array<{ text: string }>)[0].text;
    expect(message).toMatch(/not found/i);
    expect(message).not.toContain(ZENDESK_TOKEN);
    const db = await getDb();
    const events = await db.select().from(outboxEvents).where(and(eq(outboxEvents.orgId, owner.org.id), eq(outboxEvents.type, "connector.error")));
    expect(events.length).toBeGreaterThan(0);
    await client.close();
  });

  it("a role change notifies open streams with notifications/tools/list_changed and the list follows", async () => {
    const client = await connect();
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void changed++);
    await client.listTools();
    await new Promise((r) => setTimeout(r, 300)); // the SDK opens its GET stream after initialisation
    const db = await getDb();
    await updateRole(db, owner.org.id, roleId, { grants: [{ kind: "connector_action", connector_id: connectorId, action: "list_tickets", effect: "allow" }] }, { actor: actor() });
    await expect.poll(() => changed, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["zendesk__list_tickets"]);

    // Killing the connector (admin API) empties the list and notifies again.
    const killed = await api.kill(owner.token, connectorId, { reason: "suspected abuse" });
    expect(killed.status, killed.text).toBe(200);
    await expect.poll(() => changed, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect((await client.listTools()).tools).toEqual([]);
    const err = await client.callTool({ name: "zendesk__list_tickets", arguments: {} }).catch((e) => e);
    expect(err.code).toBe(-32602);
    expect(err.message).toContain("Policy denied");
    await client.close();
  });
});
