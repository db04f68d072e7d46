// MCP wire vocabulary: the protocol revisions this endpoint speaks, JSON-RPC message shapes, error
// codes, and the one place where an error becomes a JSON-RPC error object.
// Revisions: 2025-06-18 and 2025-11-25 ("legacy" era: initialize handshake, Mcp-Session-Id) and
// 2026-07-28 ("modern" era: stateless, protocol version in every request's _meta).

export const LEGACY_VERSIONS = ["2025-11-25", "2025-06-18"] as const;
export const MODERN_VERSIONS = ["2026-07-28"] as const;
/** Newest first, as server/discover and UnsupportedProtocolVersionError list them. */
export const SUPPORTED_VERSIONS: readonly string[] = [...MODERN_VERSIONS, ...LEGACY_VERSIONS];
export const LATEST_LEGACY_VERSION = LEGACY_VERSIONS[0];

export const isLegacyVersion = (v: unknown): v is (typeof LEGACY_VERSIONS)[number] =>
  typeof v === "string" && (LEGACY_VERSIONS as readonly string[]).includes(v);
export const isModernVersion = (v: unknown): v is (typeof MODERN_VERSIONS)[number] =>
  typeof v === "string" && (MODERN_VERSIONS as readonly string[]).includes(v);

export const SERVER_INFO = { name: "fortress-mcp", title: "MCP Fortress", version: "0.1.0" } as const;
export const INSTRUCTIONS =
  "Tools are the actions of your organisation's connectors, named <connector>__<action>. " +
  "Which ones you see and may call is decided by your organisation's policy.";

/** The _meta keys of the modern revision. */
export const META = {
  protocolVersion: "io.modelcontextprotocol/protocolVersion",
  clientInfo: "io.modelcontextprotocol/clientInfo",
  clientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  serverInfo: "io.modelcontextprotocol/serverInfo",
  subscriptionId: "io.modelcontextprotocol/subscriptionId",
} as const;

// JSON-RPC 2.0 standard codes, and the codes MCP 2026-07-28 allocates in -32020…-32099.
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
export const HEADER_MISMATCH = -32020;
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcResponseIn {
  jsonrpc: "2.0";
  id: JsonRpcId;
  result?: unknown;
  error?: unknown;
}

export type Incoming =
  | { kind: "request"; message: JsonRpcRequest }
  | { kind: "notification"; message: JsonRpcNotification }
  | { kind: "response"; message: JsonRpcResponseIn };

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

/** An error that becomes a JSON-RPC error response; `status` is the HTTP status it travels with. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
    readonly status = 200,
  ) {
    super(message);
    this.name = "RpcError";
  }

  body(): RpcErrorBody {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

export function errorMessage(id: JsonRpcId | null, error: RpcErrorBody): Record<string, unknown> {
  // JSON-RPC 2.0: id is null when it could not be read; MCP allows leaving it out in that case.
  return { jsonrpc: "2.0", id, error };
}

export function resultMessage(id: JsonRpcId, result: Record<string, unknown>): Record<string, unknown> {
  return { jsonrpc: "2.0", id, result };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is JsonRpcId => typeof v === "string" || (typeof v === "number" && Number.isInteger(v));

/** The id of a message when it can be read (for error responses to an otherwise invalid request). */
export function readableId(value: unknown): JsonRpcId | null {
  return isObject(value) && isId(value.id) ? value.id : null;
}

/**
 * Classifies one parsed JSON body as a request, notification or response, or throws -32600.
 * MCP narrows JSON-RPC: ids are strings or integers, never null; params, when present, is an object;
 * a body is one message (batches were removed in 2025-06-18 and are not in later revisions).
 */
export function classify(value: unknown): Incoming {
  if (Array.isArray(value)) {
    throw new RpcError(INVALID_REQUEST, "Invalid Request: batches are not supported; send one JSON-RPC message per POST", undefined, 400);
  }
  if (!isObject(value)) throw new RpcError(INVALID_REQUEST, "Invalid Request: the body must be a JSON-RPC 2.0 object", undefined, 400);
  if (value.jsonrpc !== "2.0") throw new RpcError(INVALID_REQUEST, 'Invalid Request: "jsonrpc" must be "2.0"', undefined, 400);
  const hasId = "id" in value;
  if (hasId && !isId(value.id)) {
    throw new RpcError(INVALID_REQUEST, 'Invalid Request: "id" must be a string or an integer', undefined, 400);
  }
  if ("method" in value) {
    if (typeof value.method !== "string" || value.method.length === 0) {
      throw new RpcError(INVALID_REQUEST, 'Invalid Request: "method" must be a non-empty string', undefined, 400);
    }
    if ("result" in value || "error" in value) {
      throw new RpcError(INVALID_REQUEST, "Invalid Request: a message cannot be both a request and a response", undefined, 400);
    }
    if ("params" in value && !isObject(value.params)) {
      throw new RpcError(INVALID_REQUEST, 'Invalid Request: "params" must be an object', undefined, 400);
    }
    return hasId
      ? { kind: "request", message: value as unknown as JsonRpcRequest }
      : { kind: "notification", message: value as unknown as JsonRpcNotification };
  }
  if (hasId && ("result" in value) !== ("error" in value)) {
    return { kind: "response", message: value as unknown as JsonRpcResponseIn };
  }
  throw new RpcError(INVALID_REQUEST, 'Invalid Request: expected a request ("method" and "id"), a notification or a response', undefined, 400);
}

/** params._meta of a message, or an empty object. */
export function metaOf(params: Record<string, unknown> | undefined): Record<string, unknown> {
  const meta = params?._meta;
  return isObject(meta) ? meta : {};
}

export { isObject };
