// Fake upstream MCP server (Streamable HTTP, protocol 2025-06-18 as the spec describes it): POST
// JSON-RPC with Accept: application/json, text/event-stream; initialize returns Mcp-Session-Id;
// later requests must carry it and MCP-Protocol-Version; notifications get 202; answers as JSON or as
// an SSE stream. Tools are mutable so tests can change a definition (tool poisoning).
import { Fake, startFake, type FakeReply, type FakeRequest } from "./http";

export const MCP_AUTH = "Bearer upstream-secret-7d1c4e";

export interface McpTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

export interface McpFake extends Fake {
  tools: McpTool[];
  calls: Array<{ name: string; arguments: unknown }>;
  useSse: boolean;
  sessions: Set<string>;
  /** SSE: send a notification first and keep the stream open after the response (as servers may). */
  holdOpen: boolean;
}

export async function startMcpFake(): Promise<McpFake> {
  let n = 0;
  const fake = (await startFake((req: FakeRequest, f): FakeReply => {
    if (req.method !== "POST") return { status: 405, headers: { allow: "POST" } };
    if (req.headers.authorization !== MCP_AUTH) return { status: 401, headers: { "www-authenticate": 'Bearer realm="upstream"' }, body: { error: "invalid_token", error_description: "Missing or bad token" } };
    const accept = String(req.headers.accept ?? "");
    if (!accept.includes("application/json") || !accept.includes("text/event-stream")) return f.violation("Accept must list application/json and text/event-stream");
    const msg = req.body;
    if (!msg || msg.jsonrpc !== "2.0" || typeof msg.method !== "string") return { status: 400, body: { jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid Request" } } };
    if (msg.method === "initialize") {
      if (msg.params?.protocolVersion !== "2025-06-18") return f.violation(`unexpected protocolVersion ${msg.params?.protocolVersion}`);
      const sid = `sess-${++n}`;
      fake.sessions.add(sid);
      return reply(msg.id, { protocolVersion: "2025-06-18", capabilities: { tools: { listChanged: true } }, serverInfo: { name: "fake-upstream", version: "1.0.0" } }, { "mcp-session-id": sid });
    }
    const sid = String(req.headers["mcp-session-id"] ?? "");
    if (!fake.sessions.has(sid)) return { status: 404, body: { jsonrpc: "2.0", id: msg.id ?? null, error: { code: -32001, message: "Session not found" } } };
    if (req.headers["mcp-protocol-version"] !== "2025-06-18") return f.violation("MCP-Protocol-Version header missing after initialize");
    if (msg.id === undefined) return { status: 202 };
    if (msg.method === "tools/list") {
      // Two pages, to prove cursor handling.
      const start = msg.params?.cursor ? Number(msg.params.cursor) : 0;
      const page = fake.tools.slice(start, start + 2);
      const next = start + 2 < fake.tools.length ? String(start + 2) : undefined;
      return reply(msg.id, { tools: page, ...(next ? { nextCursor: next } : {}) });
    }
    if (msg.method === "tools/call") {
      const tool = fake.tools.find((t) => t.name === msg.params?.name);
      if (!tool) return reply(msg.id, undefined, undefined, { code: -32602, message: `Unknown tool: ${msg.params?.name}` });
      fake.calls.push({ name: tool.name, arguments: msg.params.arguments });
      if (tool.name === "fail") return reply(msg.id, { content: [{ type: "text", text: "upstream tool failed" }], isError: true });
      return reply(msg.id, { content: [{ type: "text", text: `${tool.name} ok: ${JSON.stringify(msg.params.arguments)}` }], structuredContent: { ok: true, args: msg.params.arguments } });
    }
    return reply(msg.id, undefined, undefined, { code: -32601, message: "Method not found" });
  })) as McpFake;

  function reply(id: unknown, result: unknown, headers: Record<string, string> = {}, error?: { code: number; message: string }): FakeReply {
    const payload = { jsonrpc: "2.0", id, ...(error ? { error } : { result }) };
    if (fake.useSse) {
      const note = fake.holdOpen ? `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "working" } })}\n\n` : "";
      return {
        status: 200,
        headers: { ...headers, "content-type": "text/event-stream", "cache-control": "no-cache" },
        rawBody: `${note}event: message\ndata: ${JSON.stringify(payload)}\n\n`,
        keepOpen: fake.holdOpen,
      };
    }
    return { status: 200, headers, body: payload };
  }

  fake.tools = [
    { name: "get_weather", description: "Current weather for a city", inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, annotations: { readOnlyHint: true } },
    { name: "deleteFile", description: "Delete a file", inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } },
    { name: "fail", description: "Always fails", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } },
  ];
  fake.calls = [];
  fake.useSse = false;
  fake.holdOpen = false;
  fake.sessions = new Set();
  return fake;
}
