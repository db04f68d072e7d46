// The official MCP TypeScript SDK client against /v1/mcp on a real HTTP server: connect with an org
// API key, list exactly the allowed tools, call one (vendor fake behind it, PII redacted), get the
// spec's denial error for a denied one, and see notifications/tools/list_changed on the GET stream.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, connectorActions, outboxEvents } from "@/db/schema";
import { getDb } from "@/lib/db";
import { notifyToolsChanged } from "@/lib/gateway/mcp/changes";
import { serve, type RunningServer } from "@/lib/http/node-adapter";
import type { TrafficEvent } from "@/lib/traffic";
import { startFakeZendesk, type FakeZendesk } from "./fakes/zendesk-lite";
import { setupMcpOrg, StandInPolicy, testHandler, type McpOrg } from "./mcp-fixtures";

let vendor: FakeZendesk;
let server: RunningServer;
let org: McpOrg;
const policy = new StandInPolicy();
const traffic: TrafficEvent[] = [];

async function connect(key = org.key) {
  const client = new Client({ name: "sdk-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/v1/mcp`), {
    requestInit: { headers: { "x-api-key": key } },
  });
  await client.connect(transport);
  return { client, transport };
}

beforeAll(async () => {
  vendor = await startFakeZendesk();
  org = await setupMcpOrg(vendor.url);
  policy.allow(org.userId, org.connectorId, "list_tickets");
  policy.allow(org.userId, org.connectorId, "get_ticket");
  server = await serve(testHandler({ policy, traffic }));
});

afterAll(async () => {
  await server?.close();
  await vendor?.close();
});

describe("MCP endpoint with the official SDK client", () => {
  it("connects with an API key and lists exactly the allowed tools, in name order, with annotations", async () => {
    const { client, transport } = await connect();
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(client.getServerVersion()?.name).toBe("fortress-mcp");
    expect(client.getServerCapabilities()?.tools?.listChanged).toBe(true);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["zendesk__get_ticket", "zendesk__list_tickets"]);
    const list = tools.find((t) => t.name === "zendesk__list_tickets")!;
    expect(list.inputSchema).toMatchObject({ type: "object", properties: { status: { type: "string" } } });
    expect(list.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false, title: "List tickets" });
    await client.close();
  });

  it("calls an allowed tool: the vendor is called, PII is redacted, the decision is audited without the payload", async () => {
    const { client } = await connect();
    const before = vendor.requests.length;
    const result = await client.callTool({ name: "zendesk__list_tickets", arguments: { status: "open" } });
    expect(result.isError).toBeFalsy();
    const text = (result.content as Array<{ type: string; text: string }>)[0].text;
    expect(JSON.parse(text).tickets[0]).toMatchObject({ id: 123, subject: "Login Bug", requester_email: "[REDACTED:email]" });
    expect(text).not.toContain("jane.doe@customer.example");
    expect(JSON.stringify(result.structuredContent)).not.toContain("@customer.example");
    expect(vendor.requests.slice(before)).toEqual([
      { method: "GET", path: "/api/v2/tickets.json?status=open", authorization: expect.stringMatching(/^Basic /) },
    ]);

    const db = await getDb();
    const events = await db.select().from(auditEvents).where(and(eq(auditEvents.orgId, org.org.id), eq(auditEvents.product, "mcp")));
    const allow = events.find((e) => e.decision === "allow" && (e.metadata as { tool?: string }).tool === "zendesk__list_tickets");
    expect(allow).toBeDefined();
    expect(allow!.action).toBe("mcp.tools.call");
    expect(allow!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(allow!.reason).toBeTruthy();
    // Metadata only: neither the arguments nor the vendor's answer are retained.
    const stored = JSON.stringify(events);
    expect(stored).not.toContain("Login Bug");
    expect(stored).not.toContain('"open"');
    expect(traffic.some((t) => t.target === "zendesk__list_tickets" && t.decision === "allow" && t.product === "mcp")).toBe(true);
    await client.close();
  });

  it("a denied tool gets the spec's error: -32602, 'Policy denied', data.reason — and is audited", async () => {
    const { client } = await connect();
    const before = vendor.requests.length;
    const err = await client.callTool({ name: "zendesk__delete_ticket", arguments: { id: 123 } }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(-32602);
    expect(err.message).toContain("Policy denied");
    expect(err.data).toEqual({ reason: "Tool 'zendesk__delete_ticket' is denied for your role" });
    expect(vendor.requests.length).toBe(before); // the vendor never heard of it
    const db = await getDb();
    const denies = await db.select().from(auditEvents).where(and(eq(auditEvents.orgId, org.org.id), eq(auditEvents.decision, "deny")));
    expect(denies.some((e) => (e.metadata as { tool?: string }).tool === "zendesk__delete_ticket")).toBe(true);
    expect(traffic.some((t) => t.target === "zendesk__delete_ticket" && t.decision === "deny")).toBe(true);
    await client.close();
  });

  it("unknown tools, invalid arguments and vendor errors answer as the spec says", async () => {
    const { client } = await connect();
    const unknown = await client.callTool({ name: "zendesk__nope", arguments: {} }).catch((e) => e);
    expect(unknown.code).toBe(-32602);
    expect(unknown.message).toContain("Unknown tool: zendesk__nope");
    // A held-back action and a PENDING connector's action are not tools.
    expect((await client.callTool({ name: "zendesk__held_back", arguments: {} }).catch((e) => e)).code).toBe(-32602);
    expect((await client.callTool({ name: "pending_one__list_tickets", arguments: {} }).catch((e) => e)).code).toBe(-32602);

    const invalid = await client.callTool({ name: "zendesk__get_ticket", arguments: { id: "abc" } });
    expect(invalid.isError).toBe(true);
    expect((invalid.content as Array<{ text: string }>)[0].text).toMatch(/^Invalid arguments: arguments\.id must be integer/);

    const extra = await client.callTool({ name: "zendesk__list_tickets", arguments: { nope: 1 } });
    expect(extra.isError).toBe(true);
    expect((extra.content as Array<{ text: string }>)[0].text).toContain("nope");

    const missing = await client.callTool({ name: "zendesk__get_ticket", arguments: { id: 999 } });
    expect(missing.isError).toBe(true);
    expect((missing.content as Array<{ text: string }>)[0].text).toBe("Zendesk answered 404: Not found");
    await client.close();
  });

  it("refuses the call when the audit log cannot be written (fail closed)", async () => {
    const failing = await serve(
      testHandler({
        policy,
        overrides: {
          recordAudit: async () => {
            throw new Error("disk full");
          },
        },
      }),
    );
    try {
      const client = new Client({ name: "sdk-test", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${failing.url}/v1/mcp`), { requestInit: { headers: { "x-api-key": org.key } } }));
      // A read-only call may have run alongside the failed write, but nothing of it is released.
      const err = await client.callTool({ name: "zendesk__list_tickets", arguments: {} }).catch((e) => e);
      expect(err).toBeInstanceOf(McpError);
      expect(err.code).toBe(-32603);
      expect(err.message).toContain("Audit log unavailable");
      expect(JSON.stringify(err)).not.toContain("Login Bug");
      // An action that changes something never reaches the vendor without a durable audit event.
      policy.allow(org.userId, org.connectorId, "delete_ticket");
      const before = vendor.requests.length;
      const del = await client.callTool({ name: "zendesk__delete_ticket", arguments: { id: 123 } }).catch((e) => e);
      policy.revoke(org.userId, org.connectorId, "delete_ticket");
      expect(del.code).toBe(-32603);
      expect(vendor.requests.length).toBe(before);
      await client.close();
    } finally {
      await failing.close();
    }
  });

  it("fails closed when the policy engine or the redaction cannot answer", async () => {
    const { FortressError } = await import("@/lib/errors");
    const broken = await serve(
      testHandler({
        policy,
        overrides: {
          authorize: async () => {
            throw new FortressError("unavailable", "Policy store unavailable");
          },
        },
      }),
    );
    const noRedaction = await serve(
      testHandler({
        policy,
        overrides: {
          redact: () => {
            throw new Error("engine down");
          },
        },
      }),
    );
    try {
      const connectTo = async (url: string) => {
        const c = new Client({ name: "sdk-test", version: "1.0.0" });
        await c.connect(new StreamableHTTPClientTransport(new URL(`${url}/v1/mcp`), { requestInit: { headers: { "x-api-key": org.key } } }));
        return c;
      };
      const before = vendor.requests.length;
      const a = await connectTo(broken.url);
      const denied = await a.callTool({ name: "zendesk__list_tickets", arguments: {} }).catch((e) => e);
      expect(denied.code).toBe(-32603);
      expect(denied.message).toContain("Policy engine unavailable");
      expect(vendor.requests.length).toBe(before); // nothing ran
      await a.close();

      const b = await connectTo(noRedaction.url);
      const withheld = await b.callTool({ name: "zendesk__list_tickets", arguments: {} }).catch((e) => e);
      expect(withheld.code).toBe(-32603);
      expect(withheld.message).toContain("PII redaction unavailable");
      expect(JSON.stringify(withheld)).not.toContain("jane.doe@customer.example");
      await b.close();
    } finally {
      await broken.close();
      await noRedaction.close();
    }
  });

  it("sends notifications/tools/list_changed on the GET stream when the caller's list changes, not otherwise", async () => {
    const { client } = await connect();
    const seen: number[] = [];
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void seen.push(Date.now()));
    await client.listTools();
    // Give the client time to open its GET stream.
    await new Promise((r) => setTimeout(r, 300));

    // A change elsewhere in the org that does not alter this caller's list: no notification.
    await notifyToolsChanged(org.org.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toHaveLength(0);

    // The policy now allows one more tool: the caller's list changed.
    policy.allow(org.userId, org.connectorId, "delete_ticket");
    await notifyToolsChanged(org.org.id);
    await expect.poll(() => seen.length, { timeout: 3000 }).toBe(1);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("zendesk__delete_ticket");

    // An admin hides an action: notified again.
    const db = await getDb();
    await db.update(connectorActions).set({ exposed: false, updatedAt: new Date() }).where(eq(connectorActions.id, org.actionIds.delete_ticket));
    await notifyToolsChanged(org.org.id);
    await expect.poll(() => seen.length, { timeout: 3000 }).toBe(2);
    policy.revoke(org.userId, org.connectorId, "delete_ticket");
    await client.close();
  });

  it("paginates tools/list with an opaque cursor", async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(0);
    const bad = await client.listTools({ cursor: "not-a-cursor" }).catch((e) => e);
    expect(bad.code).toBe(-32602);
    await client.close();
  });

  it("writes no outbox event for a policy denial or a validation error (connector errors belong to the runtime)", async () => {
    const db = await getDb();
    const rows = await db.select().from(outboxEvents).where(eq(outboxEvents.orgId, org.org.id));
    expect(rows.every((r) => r.type !== "connector.error")).toBe(true);
  });
});
