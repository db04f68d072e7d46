// The MCP endpoint (/v1/mcp) over Web Request/Response, so the route handler, the tests and the
// benchmark run the very same code. One endpoint, both eras (see protocol.ts):
//  - legacy 2025-06-18 / 2025-11-25: initialize → Mcp-Session-Id (stored in the database, any
//    instance serves it), MCP-Protocol-Version checked, GET = notification stream, DELETE = end;
//  - modern 2026-07-28: stateless; version, client info and capabilities in every request's _meta;
//    Mcp-Method / Mcp-Name headers checked against the body; server/discover; subscriptions/listen.
// Order of checks: Host → Origin → HTTP method → API key → body → message → era → method.
import { isFortressError } from "../../errors";
import { clientSignal, readBodyBytes, isJsonContentType, wholeResponse } from "../../http/body";
import { requestMeta } from "../../http/request-context";
import type { Principal } from "../../identity/principal";
import { logger } from "../../log";
import { callTool } from "./call-tool";
import { defaultDeps, type McpDeps } from "./deps";
import { acceptsEventStream, checkParamHeaders, checkStandardHeaders, mismatch, responseMode } from "./headers";
import {
  errorMessage,
  INSTRUCTIONS,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  isLegacyVersion,
  isModernVersion,
  isObject,
  LATEST_LEGACY_VERSION,
  META,
  metaOf,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
  readableId,
  resultMessage,
  RpcError,
  SERVER_INFO,
  SUPPORTED_VERSIONS,
  UNSUPPORTED_PROTOCOL_VERSION,
  classify,
  type Incoming,
  type JsonRpcId,
  type JsonRpcRequest,
} from "./protocol";
import { hostAllowed, originAllowed } from "./security";
import { sessionStore, type SessionStore } from "./sessions";
import { sseResponse } from "./sse";
import { toolListStreams, type StreamCtx as Ctx } from "./streams";
import { allowedTools, page, toolDefinition } from "./tools";

/** Largest accepted POST body. Tool arguments are small; this bounds memory per request. */
export const MCP_BODY_LIMIT = 1024 * 1024;
const SESSION_HEADER = "mcp-session-id";
const VERSION_HEADER = "mcp-protocol-version";

const SERVER_CAPABILITIES = { tools: { listChanged: true } } as const;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return wholeResponse(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** A transport-level failure: HTTP status plus a JSON-RPC error body (no id unless one was readable). */
function fail(status: number, code: number, message: string, id: JsonRpcId | null = null, headers: Record<string, string> = {}, data?: unknown) {
  return json(status, errorMessage(id, data === undefined ? { code, message } : { code, message, data }), headers);
}

export interface McpHandler {
  (request: Request): Promise<Response>;
  deps: McpDeps;
  sessions: SessionStore;
}

export function createMcpHandler(overrides: Partial<McpDeps> = {}): McpHandler {
  const deps: McpDeps = { ...defaultDeps(), ...overrides };
  const sessions = sessionStore(deps.db);
  const streams = toolListStreams(deps, sessions);

  const handler = (async (request: Request): Promise<Response> => {
    const startedAt = performance.now();
    try {
      return await handle(request, startedAt);
    } catch (err) {
      return errorResponse(err, null);
    }
  }) as McpHandler;
  handler.deps = deps;
  handler.sessions = sessions;
  return handler;

  async function handle(request: Request, startedAt: number): Promise<Response> {
    const host = request.headers.get("host") ?? safeHost(request.url);
    const publicOrigin = deps.publicOrigin();
    if (!hostAllowed(host, publicOrigin)) return fail(403, INVALID_REQUEST, "Forbidden: this Host is not served here");
    if (!originAllowed(request.headers.get("origin"), host, publicOrigin)) {
      return fail(403, INVALID_REQUEST, "Forbidden: foreign Origin");
    }
    if (request.method !== "POST" && request.method !== "GET" && request.method !== "DELETE") {
      return fail(405, INVALID_REQUEST, "Method not allowed", null, { allow: "POST, GET, DELETE" });
    }

    let principal: Principal;
    try {
      principal = await deps.authenticate(request.headers);
    } catch (err) {
      if (isFortressError(err) && err.code === "unauthenticated") {
        const presented = request.headers.has("x-api-key") || request.headers.has("authorization");
        return fail(401, INVALID_REQUEST, err.message, null, {
          "www-authenticate": `Bearer realm="fortress-mcp"${presented ? ', error="invalid_token"' : ""}`,
        });
      }
      throw err;
    }
    if (!principal.products.includes("MCP")) {
      return fail(403, INVALID_REQUEST, "MCP Fortress is not enabled for this organisation");
    }
    const ctx: Ctx = { request, principal, meta: requestMeta(request), startedAt };

    if (request.method === "GET") return get(ctx);
    if (request.method === "DELETE") return del(ctx);
    return post(ctx);
  }

  // POST: one JSON-RPC message.
  async function post(ctx: Ctx): Promise<Response> {
    const { request } = ctx;
    if (!isJsonContentType(request.headers.get("content-type"))) {
      return fail(415, INVALID_REQUEST, "Content-Type must be application/json");
    }
    const mode = responseMode(request.headers.get("accept"));
    if (mode === null) return fail(406, INVALID_REQUEST, "Not Acceptable: the client must accept application/json and text/event-stream");

    let parsed: unknown;
    try {
      const bytes = await readBodyBytes(request, MCP_BODY_LIMIT);
      parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch (err) {
      if (isFortressError(err) && err.code === "payload_too_large") return fail(413, INVALID_REQUEST, err.message);
      return fail(400, PARSE_ERROR, "Parse error: the body is not valid JSON");
    }

    let incoming: Incoming;
    try {
      incoming = classify(parsed);
    } catch (err) {
      return errorResponse(err, readableId(parsed));
    }

    const sessionId = request.headers.get(SESSION_HEADER);
    const versionHeader = request.headers.get(VERSION_HEADER);
    const message = incoming.message as { method?: string; params?: Record<string, unknown> };
    const bodyVersion = metaOf(message.params)[META.protocolVersion];

    if (incoming.kind === "request" && incoming.message.method === "initialize") {
      return respond(mode, incoming.message.id, () => initialize(ctx, incoming.message as JsonRpcRequest));
    }
    const legacy = sessionId !== null && !isModernVersion(versionHeader);
    if (legacy) return legacyPost(ctx, mode, incoming, sessionId, versionHeader);
    if (versionHeader !== null && !isLegacyVersion(versionHeader)) return modernPost(ctx, mode, incoming, versionHeader);
    if (versionHeader === null && bodyVersion !== undefined) {
      return errorResponse(mismatch("MCP-Protocol-Version header is required"), idOf(incoming));
    }
    // A legacy-era message outside a session (or no era at all): the session is required.
    return fail(400, INVALID_REQUEST, "Bad Request: Mcp-Session-Id header is required (send initialize first), or use protocol version 2026-07-28", idOf(incoming));
  }

  async function legacyPost(ctx: Ctx, mode: "json" | "sse", incoming: Incoming, sessionId: string, versionHeader: string | null): Promise<Response> {
    if (versionHeader !== null && !isLegacyVersion(versionHeader)) {
      return fail(400, INVALID_REQUEST, `Bad Request: unsupported MCP-Protocol-Version '${versionHeader.slice(0, 40)}'`, idOf(incoming));
    }
    const session = await sessions.find(ctx.principal, sessionId);
    if (!session) return fail(404, INVALID_REQUEST, "Session not found: start a new session with initialize", idOf(incoming));
    if (versionHeader !== null && versionHeader !== session.protocolVersion) {
      return fail(400, INVALID_REQUEST, `Bad Request: MCP-Protocol-Version '${versionHeader}' is not this session's ('${session.protocolVersion}')`, idOf(incoming));
    }
    if (incoming.kind === "notification") {
      if (incoming.message.method === "notifications/initialized") await sessions.markInitialized(session.id);
      return new Response(null, { status: 202 });
    }
    if (incoming.kind === "response") return new Response(null, { status: 202 }); // we send no requests; nothing awaits it
    const req = incoming.message;
    return respond(mode, req.id, () => dispatch(ctx, req, session.protocolVersion, session.id, false));
  }

  async function modernPost(ctx: Ctx, mode: "json" | "sse", incoming: Incoming, versionHeader: string): Promise<Response> {
    const id = idOf(incoming);
    if (!isModernVersion(versionHeader)) {
      return fail(400, UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version", id, {}, {
        supported: SUPPORTED_VERSIONS,
        requested: versionHeader.slice(0, 64),
      });
    }
    if (incoming.kind === "response") return fail(400, INVALID_REQUEST, "Invalid Request: clients must not send JSON-RPC responses", id);
    if (incoming.kind === "notification") return new Response(null, { status: 202 });
    const req = incoming.message;
    try {
      checkStandardHeaders(ctx.request.headers, req.method, req.params);
      const meta = metaOf(req.params);
      if (typeof meta[META.protocolVersion] !== "string" || !isObject(meta[META.clientCapabilities])) {
        throw new RpcError(
          INVALID_PARAMS,
          `Invalid params: _meta must carry "${META.protocolVersion}" and "${META.clientCapabilities}"`,
          undefined,
          400,
        );
      }
      if (meta[META.protocolVersion] !== versionHeader) {
        throw mismatch(`MCP-Protocol-Version header value '${versionHeader}' does not match body value '${String(meta[META.protocolVersion]).slice(0, 40)}'`);
      }
    } catch (err) {
      return errorResponse(err, req.id);
    }
    return respond(mode, req.id, () => dispatch(ctx, req, versionHeader, null, true));
  }

  async function initialize(ctx: Ctx, req: JsonRpcRequest): Promise<{ result: Record<string, unknown>; headers: Record<string, string> }> {
    const params = req.params ?? {};
    if (typeof params.protocolVersion !== "string") throw new RpcError(INVALID_PARAMS, 'Invalid params: "protocolVersion" is required');
    // Version negotiation: the requested version when we speak it, otherwise our latest legacy one.
    const version = isLegacyVersion(params.protocolVersion) ? params.protocolVersion : LATEST_LEGACY_VERSION;
    const session = await sessions.create(ctx.principal, {
      protocolVersion: version,
      clientInfo: isObject(params.clientInfo) ? pick(params.clientInfo, ["name", "title", "version"]) : {},
      clientCapabilities: isObject(params.capabilities) ? params.capabilities : {},
    });
    return {
      result: { protocolVersion: version, capabilities: SERVER_CAPABILITIES, serverInfo: SERVER_INFO, instructions: INSTRUCTIONS },
      headers: { "mcp-session-id": session.id },
    };
  }

  async function dispatch(
    ctx: Ctx,
    req: JsonRpcRequest,
    protocolVersion: string,
    sessionId: string | null,
    modern: boolean,
  ): Promise<{ result: Record<string, unknown>; headers?: Record<string, string> } | Response> {
    const params = req.params ?? {};
    const finish = (result: Record<string, unknown>) => ({
      result: modern ? { resultType: "complete", ...result, _meta: { [META.serverInfo]: SERVER_INFO } } : result,
    });
    switch (req.method) {
      case "ping":
        return finish({});
      case "server/discover":
        if (!modern) break;
        return finish({ supportedVersions: SUPPORTED_VERSIONS, capabilities: SERVER_CAPABILITIES, instructions: INSTRUCTIONS });
      case "tools/list": {
        const tools = await allowedTools(ctx.principal, ctx.meta.clientIp, deps.allowedResources);
        const p = page(tools, params.cursor);
        return finish({
          tools: p.tools.map(toolDefinition),
          ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}),
          // Per-caller list: never shared across authorization contexts.
          ...(modern ? { ttlMs: 30_000, cacheScope: "private" } : {}),
        });
      }
      case "tools/call": {
        const result = await callTool(deps, params, {
          principal: ctx.principal,
          meta: ctx.meta,
          protocolVersion,
          sessionId,
          startedAt: ctx.startedAt,
          signal: clientSignal(ctx.request),
          // x-mcp-header parameters must match their Mcp-Param-* headers (2026-07-28).
          checkTool: modern ? (tool, args) => checkParamHeaders(ctx.request.headers, tool.action.inputSchema, args) : undefined,
        });
        return finish(result);
      }
      case "subscriptions/listen":
        if (!modern) break;
        return streams.listen(ctx, req);
    }
    // Modern HTTP: an unimplemented method is 404 with -32601; legacy: a JSON-RPC error in a 200.
    throw new RpcError(METHOD_NOT_FOUND, `Method not found: ${req.method.slice(0, 100)}`, undefined, modern ? 404 : 200);
  }

  async function respond(
    mode: "json" | "sse",
    id: JsonRpcId,
    run: () => Promise<{ result: Record<string, unknown>; headers?: Record<string, string> } | Response>,
  ): Promise<Response> {
    try {
      const out = await run();
      if (out instanceof Response) return out;
      const message = resultMessage(id, out.result);
      return mode === "sse" ? sseResponse(message, out.headers) : json(200, message, out.headers);
    } catch (err) {
      if (err instanceof RpcError && err.status === 200 && mode === "sse") return sseResponse(errorMessage(id, err.body()));
      return errorResponse(err, id);
    }
  }

  // GET: the legacy standalone notification stream of a session (405 for the stateless revision).
  async function get(ctx: Ctx): Promise<Response> {
    const { request } = ctx;
    const versionHeader = request.headers.get(VERSION_HEADER);
    const sessionId = request.headers.get(SESSION_HEADER);
    if (isModernVersion(versionHeader) || (sessionId === null && versionHeader !== null && !isLegacyVersion(versionHeader))) {
      return fail(405, INVALID_REQUEST, "Method not allowed: protocol version 2026-07-28 has no GET stream; use subscriptions/listen", null, { allow: "POST" });
    }
    if (!acceptsEventStream(request.headers.get("accept"))) {
      return fail(406, INVALID_REQUEST, "Not Acceptable: the client must accept text/event-stream");
    }
    if (sessionId === null) return fail(400, INVALID_REQUEST, "Bad Request: Mcp-Session-Id header is required");
    if (versionHeader !== null && !isLegacyVersion(versionHeader)) {
      return fail(400, INVALID_REQUEST, `Bad Request: unsupported MCP-Protocol-Version '${versionHeader.slice(0, 40)}'`);
    }
    const session = await sessions.find(ctx.principal, sessionId);
    if (!session) return fail(404, INVALID_REQUEST, "Session not found: start a new session with initialize");
    return streams.sessionStream(ctx, session);
  }

  // DELETE: the client ends its session.
  async function del(ctx: Ctx): Promise<Response> {
    const versionHeader = ctx.request.headers.get(VERSION_HEADER);
    const sessionId = ctx.request.headers.get(SESSION_HEADER);
    if (isModernVersion(versionHeader)) return fail(405, INVALID_REQUEST, "Method not allowed: protocol version 2026-07-28 has no sessions", null, { allow: "POST" });
    if (sessionId === null) return fail(400, INVALID_REQUEST, "Bad Request: Mcp-Session-Id header is required");
    const ended = await sessions.expire(ctx.principal, sessionId);
    if (!ended) return fail(404, INVALID_REQUEST, "Session not found");
    return new Response(null, { status: 204 });
  }
}

function errorResponse(err: unknown, id: JsonRpcId | null): Response {
  if (err instanceof RpcError) return json(err.status, errorMessage(id, err.body()));
  if (isFortressError(err)) {
    if (err.status >= 500) logger().error({ err }, "mcp request failed");
    const status = err.code === "unavailable" ? 503 : err.status;
    const headers: Record<string, string> = err.retryAfterSeconds ? { "retry-after": String(err.retryAfterSeconds) } : {};
    return json(status, errorMessage(id, { code: status >= 500 ? INTERNAL_ERROR : INVALID_REQUEST, message: err.message }), headers);
  }
  logger().error({ err }, "mcp request failed");
  return json(500, errorMessage(id, { code: INTERNAL_ERROR, message: "Internal error" }));
}

const idOf = (incoming: Incoming): JsonRpcId | null => (incoming.kind === "notification" ? null : incoming.message.id);

function safeHost(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (typeof o[k] === "string") out[k] = (o[k] as string).slice(0, 200);
  return out;
}

/** The process-wide handler the route uses (real dependencies). */
let shared: McpHandler | undefined;
export function mcpHandler(): McpHandler {
  shared ??= createMcpHandler();
  return shared;
}

