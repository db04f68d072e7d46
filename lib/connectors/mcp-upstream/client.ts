// A small MCP client for upstream Streamable HTTP servers, over safeFetch (SSRF rules, pooling,
// time limits). Handshake: initialize → notifications/initialized; then tools/list (cursor
// pagination) and tools/call. A POST may be answered with application/json or with a
// text/event-stream carrying the response; both are read. Sessions (Mcp-Session-Id) are reused per
// connector and credential until the server forgets them (404 → new handshake).
import { createHash } from "node:crypto";
import { OutboundBlockedError, safeFetch } from "../../net/outbound";
import { ConnectorError } from "../types";

export const CLIENT_PROTOCOL_VERSION = "2025-06-18";
const SUPPORTED = new Set(["2025-11-25", "2025-06-18", "2025-03-26"]);

export interface UpstreamTarget {
  url: string;
  /** Auth header to send (name, value), e.g. ["authorization", "Bearer …"]. */
  auth?: [string, string];
  signal?: AbortSignal;
  /** Cache key for the session (connector id); unset = no reuse. */
  sessionKey?: string;
}

export interface UpstreamTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

interface Session {
  id: string | null;
  protocolVersion: string;
}
const sessions = new Map<string, Session>();
export function forgetUpstreamSessions(): void {
  sessions.clear();
}

let nextId = 1;

const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

function parseEvent(event: string, id: number): any | undefined {
  const data = event
    .split(/\r?\n/)
    .filter((l) => l.startsWith("data:"))
    .map((l) => l.slice(5).replace(/^ /, ""))
    .join("\n");
  if (!data) return undefined;
  try {
    const msg = JSON.parse(data);
    if (msg && msg.id === id && ("result" in msg || "error" in msg)) return msg;
  } catch {
    // not JSON: skip
  }
  return undefined;
}

async function readRpcResponse(response: Awaited<ReturnType<typeof safeFetch>>, id: number): Promise<any> {
  const type = (response.headers.get("content-type") ?? "").toLowerCase();
  if (type.includes("text/event-stream") && response.body) {
    // Read events as they come and stop at our response: a server may keep the stream open after it.
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (value) {
          size += value.byteLength;
          if (size > MAX_RESPONSE_BYTES) throw new ConnectorError("Upstream MCP server answer is too large", { transient: false });
          buffer += decoder.decode(value, { stream: true });
        }
        if (done) buffer += "\n\n";
        let cut: RegExpExecArray | null;
        while ((cut = /\r?\n\r?\n/.exec(buffer))) {
          const event = buffer.slice(0, cut.index);
          buffer = buffer.slice(cut.index + cut[0].length);
          const msg = parseEvent(event, id);
          if (msg) return msg;
        }
        if (done) break;
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
    throw new ConnectorError("Upstream MCP server closed the stream without answering", { transient: true });
  }
  const text = await response.text();
  if (text.length > MAX_RESPONSE_BYTES) throw new ConnectorError("Upstream MCP server answer is too large", { transient: false });
  try {
    const msg = JSON.parse(text);
    const found = Array.isArray(msg) ? msg.find((m) => m?.id === id) : msg;
    if (found && ("result" in found || "error" in found)) return found;
  } catch {
    // fall through
  }
  throw new ConnectorError("Upstream MCP server answered something that is not JSON-RPC", { transient: false });
}

async function post(target: UpstreamTarget, session: Session | null, body: Record<string, unknown>): Promise<Awaited<ReturnType<typeof safeFetch>>> {
  try {
    return await safeFetch(
      target.url,
      () => {
        const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
        if (session) {
          headers["mcp-protocol-version"] = session.protocolVersion;
          if (session.id) headers["mcp-session-id"] = session.id;
        }
        if (target.auth) headers[target.auth[0].toLowerCase()] = target.auth[1];
        return { method: "POST", headers, body: JSON.stringify(body), signal: target.signal };
      },
      { timeoutMs: 30_000 },
    );
  } catch (err) {
    if (err instanceof OutboundBlockedError) throw new ConnectorError(`Upstream MCP server: ${err.message}`, { transient: false });
    throw new ConnectorError("Upstream MCP server could not be reached", { transient: true });
  }
}

function httpError(status: number, text: string): ConnectorError {
  let msg = text.slice(0, 300);
  try {
    const j = JSON.parse(text);
    msg = j?.error?.message ?? j?.error_description ?? j?.message ?? msg;
  } catch {
    // keep text
  }
  return new ConnectorError(`Upstream MCP server error (${status})${msg ? `: ${msg}` : ""}`, { status, transient: status >= 500 || status === 429 });
}

async function handshake(target: UpstreamTarget): Promise<Session> {
  const id = nextId++;
  const res = await post(target, null, {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion: CLIENT_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "fortress-gateway", version: "0.1.0" } },
  });
  if (res.status < 200 || res.status >= 300) throw httpError(res.status, await res.text());
  const sessionId = res.headers.get("mcp-session-id");
  const msg = await readRpcResponse(res, id);
  if (msg.error) throw new ConnectorError(`Upstream MCP server refused initialize: ${msg.error.message ?? "error"}`, { status: 400 });
  const version = String(msg.result?.protocolVersion ?? CLIENT_PROTOCOL_VERSION);
  if (!SUPPORTED.has(version)) throw new ConnectorError(`Upstream MCP server speaks protocol ${version}, which Fortress does not support`, { status: 400 });
  const session: Session = { id: sessionId, protocolVersion: version };
  const note = await post(target, session, { jsonrpc: "2.0", method: "notifications/initialized" });
  await note.body?.cancel();
  return session;
}

/** One JSON-RPC request, with a handshake first (or a cached session). Returns `result`. */
export async function rpc(target: UpstreamTarget, method: string, params: Record<string, unknown>): Promise<any> {
  const key = target.sessionKey
    ? `${target.sessionKey}:${createHash("sha256").update(`${target.url}\n${target.auth?.join("\n") ?? ""}`).digest("base64url")}`
    : null;
  for (let attempt = 0; attempt < 2; attempt++) {
    let session = key ? sessions.get(key) : undefined;
    if (!session) {
      session = await handshake(target);
      if (key) sessions.set(key, session);
    }
    const id = nextId++;
    const res = await post(target, session, { jsonrpc: "2.0", id, method, params });
    if (res.status === 404 && session.id && attempt === 0) {
      // The server forgot the session: start a new one.
      await res.body?.cancel();
      if (key) sessions.delete(key);
      continue;
    }
    if (res.status < 200 || res.status >= 300) throw httpError(res.status, await res.text());
    const msg = await readRpcResponse(res, id);
    if (msg.error) throw new ConnectorError(`Upstream MCP server error: ${msg.error.message ?? "error"}`, { status: 400 });
    return msg.result;
  }
  throw new ConnectorError("Upstream MCP server keeps dropping the session", { transient: true });
}

export async function listUpstreamTools(target: UpstreamTarget): Promise<UpstreamTool[]> {
  const tools: UpstreamTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const result = await rpc(target, "tools/list", cursor ? { cursor } : {});
    for (const t of Array.isArray(result?.tools) ? result.tools : []) {
      if (t && typeof t.name === "string") tools.push({ ...t, inputSchema: t.inputSchema && typeof t.inputSchema === "object" ? t.inputSchema : { type: "object" } });
    }
    cursor = typeof result?.nextCursor === "string" && result.nextCursor ? result.nextCursor : undefined;
    if (!cursor) break;
  }
  return tools;
}
