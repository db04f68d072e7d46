// Sessions live in the database, so any instance serves any request of a session: no sticky routing.
// Two handler instances are built from two separately imported copies of the modules (vi.resetModules):
// their in-process caches (API key lookups, session touches, compiled schemas) are not shared.
//  - With DATABASE_URL (CI, real Postgres) the second copy also opens its own connection pool, so the
//    session row really crosses connections, exactly like two app servers.
//  - With the default in-memory PGlite there is only one database per process and it cannot be opened
//    twice, so the second copy shares the same handle (its module state is re-pointed at it); what is
//    proven then is that nothing but the database carries a session from one instance to the other.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { mcpSessions } from "@/db/schema";
import { getDb } from "@/lib/db";
import type { McpHandler } from "@/lib/gateway/mcp/handler";
import { serve, type RunningServer } from "@/lib/http/node-adapter";
import { startFakeZendesk, type FakeZendesk } from "./fakes/zendesk-lite";
import { mcpHeaders, setupMcpOrg, StandInPolicy, standInRedact, testHandler, testRunAction, type McpOrg } from "./mcp-fixtures";

type G = typeof globalThis & { __fortressDb?: unknown };
const g = globalThis as G;

let vendor: FakeZendesk;
let org: McpOrg;
const policy = new StandInPolicy();
let a: McpHandler;
let b: McpHandler;
let closeB: () => Promise<void> = async () => {};
let roundRobin: RunningServer;
let serverA: RunningServer;
let serverB: RunningServer;
const served: string[] = [];

/** A second app instance: fresh module copies; with Postgres its own connection pool. */
async function secondInstance(): Promise<{ handler: McpHandler; close: () => Promise<void> }> {
  const saved = g.__fortressDb;
  if (process.env.DATABASE_URL) g.__fortressDb = undefined;
  vi.resetModules();
  const mod = await import("@/lib/gateway/mcp/handler");
  const dbMod = await import("@/lib/db");
  const ownState = g.__fortressDb;
  g.__fortressDb = saved;
  const handler = mod.createMcpHandler({
    authorize: policy.authorize,
    allowedResources: policy.allowedResources,
    runAction: testRunAction,
    redact: standInRedact,
    publishTraffic: () => {},
  });
  return {
    handler,
    close: async () => {
      if (process.env.DATABASE_URL && ownState !== saved) {
        const back = g.__fortressDb;
        g.__fortressDb = ownState;
        await dbMod.closeDatabase();
        g.__fortressDb = back;
      }
    },
  };
}

beforeAll(async () => {
  vendor = await startFakeZendesk();
  org = await setupMcpOrg(vendor.url);
  policy.allow(org.userId, org.connectorId, "list_tickets");
  a = testHandler({ policy });
  const second = await secondInstance();
  b = second.handler;
  closeB = second.close;
  expect(b).not.toBe(a);
  let n = 0;
  // A load balancer with no affinity at all: requests alternate between the two instances.
  roundRobin = await serve((req) => {
    const which = n++ % 2 === 0 ? "A" : "B";
    served.push(which);
    return (which === "A" ? a : b)(req);
  });
  serverA = await serve(a);
  serverB = await serve(b);
});

afterAll(async () => {
  await roundRobin?.close();
  await serverA?.close();
  await serverB?.close();
  await closeB();
  await vendor?.close();
});

describe("MCP sessions across instances", () => {
  it("the SDK client works through a round-robin balancer: every request may land on the other instance", async () => {
    const client = new Client({ name: "rr", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(`${roundRobin.url}/v1/mcp`), { requestInit: { headers: { "x-api-key": org.key } } });
    await client.connect(transport);
    for (let i = 0; i < 3; i++) {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["zendesk__list_tickets"]);
      const r = await client.callTool({ name: "zendesk__list_tickets", arguments: {} });
      expect(r.isError).toBeFalsy();
    }
    expect(served).toContain("A");
    expect(served).toContain("B");
    await client.close();
  });

  it("a session created on instance A is used, then ended, on instance B; A then answers 404", async () => {
    const init = await fetch(`${serverA.url}/v1/mcp`, {
      method: "POST",
      headers: mcpHeaders(org.key),
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "two", version: "2" } } }),
    });
    expect(init.status).toBe(200);
    const sid = init.headers.get("mcp-session-id")!;
    const h = mcpHeaders(org.key, { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" });

    const onB = await fetch(`${serverB.url}/v1/mcp`, { method: "POST", headers: h, body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }) });
    expect(onB.status).toBe(200);
    expect((await onB.json()).result.tools).toHaveLength(1);

    const [row] = await (await getDb()).select().from(mcpSessions).where(eq(mcpSessions.id, sid));
    expect(row).toMatchObject({ orgId: org.org.id, principalKind: "user", principalId: org.userId, protocolVersion: "2025-06-18", clientInfo: { name: "two", version: "2" } });
    expect(row.expiredAt).toBeNull();

    expect((await fetch(`${serverB.url}/v1/mcp`, { method: "DELETE", headers: h })).status).toBe(204);
    const onA = await fetch(`${serverA.url}/v1/mcp`, { method: "POST", headers: h, body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "ping" }) });
    expect(onA.status).toBe(404);
  });

  it("a session idle for more than 24 h is over (404); the row keeps its metadata", async () => {
    const init = await fetch(`${serverA.url}/v1/mcp`, {
      method: "POST",
      headers: mcpHeaders(org.key),
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "idle", version: "1" } } }),
    });
    const sid = init.headers.get("mcp-session-id")!;
    const db = await getDb();
    await db.update(mcpSessions).set({ lastSeenAt: new Date(Date.now() - 25 * 3600 * 1000) }).where(eq(mcpSessions.id, sid));
    const late = await fetch(`${serverB.url}/v1/mcp`, {
      method: "POST",
      headers: mcpHeaders(org.key, { "mcp-session-id": sid }),
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
    });
    expect(late.status).toBe(404);
  });
});
