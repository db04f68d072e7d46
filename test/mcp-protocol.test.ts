// Protocol edge cases of /v1/mcp over real HTTP, both eras: sessions, protocol version header,
// Origin/Host, authentication, Accept, notifications, GET/DELETE, the stateless 2026-07-28 revision
// (_meta, Mcp-Method / Mcp-Name, server/discover, subscriptions/listen), body limits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifyToolsChanged } from "@/lib/gateway/mcp/changes";
import { MCP_BODY_LIMIT } from "@/lib/gateway/mcp/handler";
import { serve, type RunningServer } from "@/lib/http/node-adapter";
import { startFakeZendesk, type FakeZendesk } from "./fakes/zendesk-lite";
import { mcpHeaders, modernMeta, setupMcpOrg, StandInPolicy, testHandler, type McpOrg } from "./mcp-fixtures";

let vendor: FakeZendesk;
let server: RunningServer;
let org: McpOrg;
let other: McpOrg;
const policy = new StandInPolicy();

interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function send(init: { method?: string; headers?: Record<string, string>; body?: unknown; raw?: string; url?: string }): Promise<Res> {
  const res = await fetch(init.url ?? `${server.url}/v1/mcp`, {
    method: init.method ?? "POST",
    headers: init.headers,
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const initBody = (version = "2025-11-25") => ({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

async function newSession(key = org.key, version = "2025-11-25") {
  const res = await send({ headers: mcpHeaders(key), body: initBody(version) });
  expect(res.status).toBe(200);
  const sid = res.headers.get("mcp-session-id")!;
  const init = await send({
    headers: mcpHeaders(key, { "mcp-session-id": sid, "mcp-protocol-version": res.json.result.protocolVersion }),
    body: { jsonrpc: "2.0", method: "notifications/initialized" },
  });
  expect(init.status).toBe(202);
  return { sid, version: res.json.result.protocolVersion as string };
}

const modernHeaders = (method: string, extra: Record<string, string> = {}) =>
  mcpHeaders(org.key, { "mcp-protocol-version": "2026-07-28", "mcp-method": method, ...extra });

beforeAll(async () => {
  vendor = await startFakeZendesk();
  org = await setupMcpOrg(vendor.url);
  other = await setupMcpOrg(vendor.url, "Other Org");
  policy.allow(org.userId, org.connectorId, "list_tickets");
  server = await serve(testHandler({ policy }));
});

afterAll(async () => {
  await server?.close();
  await vendor?.close();
});

describe("legacy era (2025-06-18, 2025-11-25): handshake and sessions", () => {
  it("initialize answers with the requested version when supported, else our latest, and mints a session id", async () => {
    const a = await send({ headers: mcpHeaders(org.key), body: initBody("2025-06-18") });
    expect(a.status).toBe(200);
    expect(a.headers.get("content-type")).toContain("application/json");
    expect(a.json).toMatchObject({ jsonrpc: "2.0", id: 0, result: { protocolVersion: "2025-06-18", capabilities: { tools: { listChanged: true } } } });
    expect(a.headers.get("mcp-session-id")).toMatch(/^[\x21-\x7e]+$/);
    const b = await send({ headers: mcpHeaders(org.key), body: initBody("1999-01-01") });
    expect(b.json.result.protocolVersion).toBe("2025-11-25");
  });

  it("notifications and responses are answered 202 with no body", async () => {
    const { sid, version } = await newSession();
    const h = mcpHeaders(org.key, { "mcp-session-id": sid, "mcp-protocol-version": version });
    const n = await send({ headers: h, body: { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 5 } } });
    expect(n.status).toBe(202);
    expect(n.text).toBe("");
    const r = await send({ headers: h, body: { jsonrpc: "2.0", id: 9, result: {} } });
    expect(r.status).toBe(202);
  });

  it("a request without Mcp-Session-Id is 400; an unknown or another caller's session is 404", async () => {
    const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    const missing = await send({ headers: mcpHeaders(org.key, { "mcp-protocol-version": "2025-11-25" }), body: list });
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe(-32600);
    const bare = await send({ headers: mcpHeaders(org.key), body: list });
    expect(bare.status).toBe(400);

    const unknown = await send({ headers: mcpHeaders(org.key, { "mcp-session-id": crypto.randomUUID() }), body: list });
    expect(unknown.status).toBe(404);
    const garbage = await send({ headers: mcpHeaders(org.key, { "mcp-session-id": "x".repeat(40) }), body: list });
    expect(garbage.status).toBe(404);

    const { sid } = await newSession();
    const stolen = await send({ headers: mcpHeaders(other.key, { "mcp-session-id": sid }), body: list });
    expect(stolen.status).toBe(404);
  });

  it("MCP-Protocol-Version: unsupported or not the session's → 400; absent → the session's version", async () => {
    const { sid } = await newSession(org.key, "2025-06-18");
    const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    const bad = await send({ headers: mcpHeaders(org.key, { "mcp-session-id": sid, "mcp-protocol-version": "2024-01-01" }), body: list });
    expect(bad.status).toBe(400);
    const other = await send({ headers: mcpHeaders(org.key, { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" }), body: list });
    expect(other.status).toBe(400);
    const absent = await send({ headers: mcpHeaders(org.key, { "mcp-session-id": sid }), body: list });
    expect(absent.status).toBe(200);
    expect(absent.json.result.tools.map((t: { name: string }) => t.name)).toEqual(["zendesk__list_tickets"]);
    expect(absent.json.result.resultType).toBeUndefined(); // legacy results have no resultType
  });

  it("answers with text/event-stream when the client accepts only (or prefers) SSE", async () => {
    const { sid, version } = await newSession();
    const res = await send({
      headers: { ...mcpHeaders(org.key, { "mcp-session-id": sid, "mcp-protocol-version": version }), accept: "text/event-stream" },
      body: { jsonrpc: "2.0", id: 7, method: "ping" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.text).toBe(`event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", id: 7, result: {} })}\n\n`);
    const none = await send({ headers: { ...mcpHeaders(org.key, { "mcp-session-id": sid }), accept: "text/html" }, body: { jsonrpc: "2.0", id: 8, method: "ping" } });
    expect(none.status).toBe(406);
  });

  it("unknown methods are -32601 in a 200 (legacy); malformed bodies are -32700 / -32600 with 400", async () => {
    const { sid, version } = await newSession();
    const h = mcpHeaders(org.key, { "mcp-session-id": sid, "mcp-protocol-version": version });
    const unknown = await send({ headers: h, body: { jsonrpc: "2.0", id: 3, method: "resources/list" } });
    expect(unknown.status).toBe(200);
    expect(unknown.json).toMatchObject({ id: 3, error: { code: -32601 } });
    const parse = await send({ headers: h, raw: '{"jsonrpc": "2.0", "id": 1, "method": ' });
    expect(parse.status).toBe(400);
    expect(parse.json).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32700, message: expect.any(String) } });
    const batch = await send({ headers: h, body: [{ jsonrpc: "2.0", id: 1, method: "ping" }] });
    expect(batch.status).toBe(400);
    expect(batch.json.error.code).toBe(-32600);
    const noVersion = await send({ headers: h, body: { id: 4, method: "ping" } });
    expect(noVersion.json).toMatchObject({ id: 4, error: { code: -32600 } });
    const badParams = await send({ headers: h, body: { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: 42 } } });
    expect(badParams.json).toMatchObject({ id: 5, error: { code: -32602 } });
  });

  it("GET opens the session's SSE stream; without Accept: text/event-stream → 406; without session → 400; unknown → 404", async () => {
    const { sid, version } = await newSession();
    const noAccept = await send({ method: "GET", headers: { "x-api-key": org.key, "mcp-session-id": sid, accept: "application/json" } });
    expect(noAccept.status).toBe(406);
    const noSession = await send({ method: "GET", headers: { "x-api-key": org.key, accept: "text/event-stream" } });
    expect(noSession.status).toBe(400);
    const unknown = await send({ method: "GET", headers: { "x-api-key": org.key, accept: "text/event-stream", "mcp-session-id": crypto.randomUUID() } });
    expect(unknown.status).toBe(404);

    const abort = new AbortController();
    const res = await fetch(`${server.url}/v1/mcp`, {
      headers: { "x-api-key": org.key, accept: "text/event-stream", "mcp-session-id": sid, "mcp-protocol-version": version },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain(": open");
    abort.abort();
  });

  it("DELETE ends the session everywhere: later requests are 404; DELETE without a session is 400", async () => {
    const { sid, version } = await newSession();
    const h = mcpHeaders(org.key, { "mcp-session-id": sid, "mcp-protocol-version": version });
    const other = await send({ method: "DELETE", headers: { "x-api-key": other_key(), "mcp-session-id": sid } });
    expect(other.status).toBe(404); // not theirs to end
    const del = await send({ method: "DELETE", headers: h });
    expect(del.status).toBe(204);
    expect((await send({ headers: h, body: { jsonrpc: "2.0", id: 1, method: "ping" } })).status).toBe(404);
    expect((await send({ method: "DELETE", headers: h })).status).toBe(404);
    expect((await send({ method: "DELETE", headers: { "x-api-key": org.key } })).status).toBe(400);
  });
});

const other_key = () => other.key;

describe("legacy notification stream lifetime", () => {
  it("the GET stream ends once its session is deleted (checked on the next keep-alive)", async () => {
    const { sid, version } = await newSession();
    const res = await fetch(`${server.url}/v1/mcp`, {
      headers: { "x-api-key": org.key, accept: "text/event-stream", "mcp-session-id": sid, "mcp-protocol-version": version },
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // ": open"
    expect((await send({ method: "DELETE", headers: { "x-api-key": org.key, "mcp-session-id": sid } })).status).toBe(204);
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })();
    await expect(Promise.race([ended, new Promise((r) => setTimeout(() => r(false), 3000))])).resolves.toBe(true);
  });
});

describe("security of the endpoint", () => {
  it("a foreign Origin is 403; no Origin, our own origin and FORTRESS_PUBLIC_URL's are accepted", async () => {
    const body = initBody();
    const foreign = await send({ headers: mcpHeaders(org.key, { origin: "https://evil.example" }), body });
    expect(foreign.status).toBe(403);
    expect(foreign.json.error).toBeDefined();
    expect(foreign.json.id).toBeNull();
    expect((await send({ headers: mcpHeaders(org.key, { origin: "null" }), body })).status).toBe(403);
    expect((await send({ headers: mcpHeaders(org.key, { origin: server.url }), body })).status).toBe(200);
    expect((await send({ headers: mcpHeaders(org.key), body })).status).toBe(200);

    const published = await serve(testHandler({ policy, overrides: { publicOrigin: () => "https://fortress.example.com" } }));
    try {
      const ok = await send({ url: `${published.url}/v1/mcp`, headers: mcpHeaders(org.key, { origin: "https://fortress.example.com" }), body });
      expect(ok.status).toBe(200);
      const bad = await send({ url: `${published.url}/v1/mcp`, headers: mcpHeaders(org.key, { origin: "https://fortress.example.com.evil.example" }), body });
      expect(bad.status).toBe(403);
    } finally {
      await published.close();
    }
  });

  it("a rebinding Host (a foreign name) is 403 even with a matching Origin", async () => {
    const h = testHandler({ policy });
    const req = (host: string, origin?: string) =>
      h(
        new Request("http://127.0.0.1/v1/mcp", {
          method: "POST",
          headers: { ...mcpHeaders(org.key), host, ...(origin ? { origin } : {}) },
          body: JSON.stringify(initBody()),
        }),
      );
    expect((await req("evil.example:3000", "http://evil.example:3000")).status).toBe(403);
    expect((await req("evil.example")).status).toBe(403);
    expect((await req("localhost:3000", "http://localhost:3000")).status).toBe(200);
    expect((await req("[::1]:3000")).status).toBe(200);
  });

  it("missing or bad API key → 401 with WWW-Authenticate", async () => {
    const body = initBody();
    const none = await send({ headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="fortress-mcp"');
    expect(none.json.error.message).toContain("x-api-key");
    const bad = await send({ headers: mcpHeaders("fk_live_" + "A".repeat(40)), body });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("limits the body size (413) and wants JSON (415); other HTTP methods are 405", async () => {
    const big = await send({ headers: mcpHeaders(org.key), raw: JSON.stringify({ ...initBody(), pad: "x".repeat(MCP_BODY_LIMIT) }) });
    expect(big.status).toBe(413);
    const text = await send({ headers: { ...mcpHeaders(org.key), "content-type": "text/plain" }, raw: JSON.stringify(initBody()) });
    expect(text.status).toBe(415);
    const put = await send({ method: "PUT", headers: mcpHeaders(org.key), body: initBody() });
    expect(put.status).toBe(405);
  });
});

describe("modern era (2026-07-28): stateless", () => {
  it("server/discover lists the supported versions and capabilities", async () => {
    const res = await send({ headers: modernHeaders("server/discover"), body: { jsonrpc: "2.0", id: "d1", method: "server/discover", params: { _meta: modernMeta() } } });
    expect(res.status).toBe(200);
    expect(res.headers.get("mcp-session-id")).toBeNull();
    expect(res.json.result).toMatchObject({
      resultType: "complete",
      supportedVersions: ["2026-07-28", "2025-11-25", "2025-06-18"],
      capabilities: { tools: { listChanged: true } },
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "fortress-mcp" } },
    });
  });

  it("tools/list and tools/call work without a session; a session id is ignored, never minted", async () => {
    const list = await send({
      headers: modernHeaders("tools/list", { "mcp-session-id": crypto.randomUUID() }),
      body: { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: modernMeta() } },
    });
    expect(list.status).toBe(200);
    expect(list.json.result.tools.map((t: { name: string }) => t.name)).toEqual(["zendesk__list_tickets"]);
    expect(list.json.result).toMatchObject({ resultType: "complete", cacheScope: "private" });

    const callBody = { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "zendesk__list_tickets", arguments: { status: "pending" }, _meta: modernMeta() } };
    const called = await send({ headers: modernHeaders("tools/call", { "mcp-name": "zendesk__list_tickets" }), body: callBody });
    expect(called.status).toBe(200);
    expect(called.headers.get("mcp-session-id")).toBeNull();
    expect(called.json.result.resultType).toBe("complete");
    expect(JSON.parse(called.json.result.content[0].text).tickets[0].subject).toBe("Billing question");

    // The Base64 sentinel form of Mcp-Name is decoded before comparing.
    const b64 = `=?base64?${Buffer.from("zendesk__list_tickets").toString("base64")}?=`;
    expect((await send({ headers: modernHeaders("tools/call", { "mcp-name": b64 }), body: callBody })).status).toBe(200);

    const denied = await send({
      headers: modernHeaders("tools/call", { "mcp-name": "zendesk__delete_ticket" }),
      body: { ...callBody, params: { ...callBody.params, name: "zendesk__delete_ticket", arguments: { id: 1 } } },
    });
    expect(denied.status).toBe(200);
    expect(denied.json.error).toEqual({ code: -32602, message: "Policy denied", data: { reason: "Tool 'zendesk__delete_ticket' is denied for your role" } });
  });

  it("Mcp-Method / Mcp-Name / MCP-Protocol-Version must match the body: 400 with -32020", async () => {
    const body = { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "zendesk__list_tickets", arguments: {}, _meta: modernMeta() } };
    const cases: Array<Record<string, string>> = [
      mcpHeaders(org.key, { "mcp-protocol-version": "2026-07-28", "mcp-name": "zendesk__list_tickets" }), // no Mcp-Method
      modernHeaders("tools/list", { "mcp-name": "zendesk__list_tickets" }), // wrong method
      modernHeaders("tools/call"), // no Mcp-Name
      modernHeaders("tools/call", { "mcp-name": "zendesk__delete_ticket" }), // another tool
      modernHeaders("tools/call", { "mcp-name": "=?base64?!!!?=" }), // malformed sentinel
    ];
    for (const headers of cases) {
      const res = await send({ headers, body });
      expect(res.status, JSON.stringify(headers)).toBe(400);
      expect(res.json).toMatchObject({ id: 3, error: { code: -32020 } });
    }
    const versionMismatch = await send({ headers: modernHeaders("tools/call", { "mcp-name": "zendesk__list_tickets" }), body: { ...body, params: { ...body.params, _meta: modernMeta("2025-11-25") } } });
    expect(versionMismatch.status).toBe(400);
    expect(versionMismatch.json.error.code).toBe(-32020);
    const noHeader = await send({ headers: mcpHeaders(org.key, { "mcp-method": "tools/call", "mcp-name": "zendesk__list_tickets" }), body });
    expect(noHeader.status).toBe(400);
    expect(noHeader.json.error.code).toBe(-32020);
  });

  it("missing _meta fields → 400 -32602; unsupported version → 400 -32022 with the supported list; unknown method → 404 -32601", async () => {
    const noMeta = await send({ headers: modernHeaders("tools/list"), body: { jsonrpc: "2.0", id: 4, method: "tools/list" } });
    expect(noMeta.status).toBe(400);
    expect(noMeta.json.error.code).toBe(-32602);
    const noCaps = await send({
      headers: modernHeaders("tools/list"),
      body: { jsonrpc: "2.0", id: 4, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } } },
    });
    expect(noCaps.status).toBe(400);

    const future = await send({
      headers: mcpHeaders(org.key, { "mcp-protocol-version": "2099-01-01", "mcp-method": "tools/list" }),
      body: { jsonrpc: "2.0", id: 5, method: "tools/list", params: { _meta: modernMeta("2099-01-01") } },
    });
    expect(future.status).toBe(400);
    expect(future.json.error).toEqual({
      code: -32022,
      message: "Unsupported protocol version",
      data: { supported: ["2026-07-28", "2025-11-25", "2025-06-18"], requested: "2099-01-01" },
    });

    const unknown = await send({ headers: modernHeaders("prompts/list"), body: { jsonrpc: "2.0", id: 6, method: "prompts/list", params: { _meta: modernMeta() } } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe(-32601);

    const response = await send({ headers: modernHeaders("x"), body: { jsonrpc: "2.0", id: 7, result: {} } });
    expect(response.status).toBe(400);
    const notification = await send({ headers: modernHeaders("notifications/x"), body: { jsonrpc: "2.0", method: "notifications/x" } });
    expect(notification.status).toBe(202);
  });

  it("GET and DELETE are 405 for the stateless revision", async () => {
    const get = await send({ method: "GET", headers: { "x-api-key": org.key, accept: "text/event-stream", "mcp-protocol-version": "2026-07-28" } });
    expect(get.status).toBe(405);
    const del = await send({ method: "DELETE", headers: { "x-api-key": org.key, "mcp-protocol-version": "2026-07-28" } });
    expect(del.status).toBe(405);
  });

  it("subscriptions/listen acknowledges first, then delivers tools/list_changed with the subscription id", async () => {
    const abort = new AbortController();
    const res = await fetch(`${server.url}/v1/mcp`, {
      method: "POST",
      headers: modernHeaders("subscriptions/listen"),
      body: JSON.stringify({ jsonrpc: "2.0", id: 42, method: "subscriptions/listen", params: { _meta: modernMeta(), notifications: { toolsListChanged: true, promptsListChanged: true } } }),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    let buffer = "";
    const nextMessage = async () => {
      for (;;) {
        const m = /event: message\ndata: (.*)\n\n/.exec(buffer);
        if (m) {
          buffer = buffer.slice(m.index + m[0].length);
          return JSON.parse(m[1]);
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += new TextDecoder().decode(value);
      }
    };
    expect(await nextMessage()).toEqual({
      jsonrpc: "2.0",
      method: "notifications/subscriptions/acknowledged",
      params: { _meta: { "io.modelcontextprotocol/subscriptionId": 42 }, notifications: { toolsListChanged: true } },
    });
    policy.allow(org.userId, org.connectorId, "get_ticket");
    await notifyToolsChanged(org.org.id);
    expect(await nextMessage()).toEqual({
      jsonrpc: "2.0",
      method: "notifications/tools/list_changed",
      params: { _meta: { "io.modelcontextprotocol/subscriptionId": 42 } },
    });
    policy.revoke(org.userId, org.connectorId, "get_ticket");
    abort.abort();
  });
});

describe("tools/list pagination", () => {
  it("pages of 100 in name order; following nextCursor yields every allowed tool exactly once", async () => {
    const { getDb } = await import("@/lib/db");
    const { connectors, connectorActions } = await import("@/db/schema");
    const { notifyToolsChanged: notify } = await import("@/lib/gateway/mcp/changes");
    const db = await getDb();
    const [bulk] = await db.insert(connectors).values({ orgId: org.org.id, type: "test_zendesk", slug: "bulk", name: "Bulk", status: "ACTIVE", config: {} }).returning();
    const names = Array.from({ length: 130 }, (_, i) => `op_${String(i).padStart(3, "0")}`);
    await db.insert(connectorActions).values(names.map((name) => ({ orgId: org.org.id, connectorId: bulk.id, name, description: name })));
    for (const n of names) policy.allow(org.userId, bulk.id, n);
    await notify(org.org.id);

    const { sid, version } = await newSession();
    const h = mcpHeaders(org.key, { "mcp-session-id": sid, "mcp-protocol-version": version });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await send({ headers: h, body: { jsonrpc: "2.0", id: pages, method: "tools/list", params: cursor ? { cursor } : {} } });
      expect(res.status).toBe(200);
      seen.push(...res.json.result.tools.map((t: { name: string }) => t.name));
      cursor = res.json.result.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    const expected = [...names.map((n) => `bulk__${n}`), "zendesk__list_tickets"];
    expect(seen).toEqual(expected);
    expect([...seen].sort()).toEqual(seen);
    for (const n of names) policy.revoke(org.userId, bulk.id, n);
  });
});
