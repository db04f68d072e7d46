// Request metadata headers of the 2026-07-28 Streamable HTTP transport (Mcp-Method, Mcp-Name,
// Mcp-Param-*), checked against the body: a router trusting the header and a server executing the
// body must never disagree. Also the Accept negotiation shared by both eras.
import { HEADER_MISMATCH, isObject, RpcError } from "./protocol";

const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;
const HEADER_SAFE = /^[\x20-\x7e\t]*$/;

/** Decodes a header value that may use the `=?base64?…?=` sentinel; null when malformed. */
export function decodeHeaderValue(raw: string): string | null {
  const m = SENTINEL.exec(raw);
  if (!m) {
    if (raw.startsWith("=?base64?") && raw.endsWith("?=")) return null;
    return HEADER_SAFE.test(raw) ? raw : null;
  }
  const bytes = Buffer.from(m[1], "base64");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

export const mismatch = (message: string) => new RpcError(HEADER_MISMATCH, `Header mismatch: ${message}`, undefined, 400);

/** Mcp-Method always; Mcp-Name for the methods that name a target. */
export function checkStandardHeaders(headers: Headers, method: string, params: Record<string, unknown> | undefined): void {
  const h = headers.get("mcp-method");
  if (h === null) throw mismatch("Mcp-Method header is required");
  if (h !== method) throw mismatch(`Mcp-Method header value '${h}' does not match body value '${method}'`);
  const source = method === "tools/call" || method === "prompts/get" ? params?.name : method === "resources/read" ? params?.uri : undefined;
  if (method !== "tools/call" && method !== "prompts/get" && method !== "resources/read") return;
  const rawName = headers.get("mcp-name");
  if (rawName === null) throw mismatch("Mcp-Name header is required");
  const name = decodeHeaderValue(rawName);
  if (name === null) throw mismatch("Mcp-Name header value is malformed");
  if (typeof source !== "string" || name !== source) {
    throw mismatch(`Mcp-Name header value '${rawName.slice(0, 100)}' does not match body value '${String(source).slice(0, 100)}'`);
  }
}

/**
 * Tool parameters whose schema carries `x-mcp-header` must be mirrored into `Mcp-Param-{name}`
 * headers; the server validates header against body. Only statically reachable properties count.
 */
export function checkParamHeaders(headers: Headers, inputSchema: Record<string, unknown>, args: Record<string, unknown>): void {
  const walk = (schema: unknown, value: unknown, depth: number) => {
    if (depth > 16 || !isObject(schema) || !isObject(schema.properties)) return;
    for (const [key, sub] of Object.entries(schema.properties)) {
      const v = isObject(value) ? value[key] : undefined;
      if (isObject(sub) && typeof sub["x-mcp-header"] === "string") {
        const headerName = `mcp-param-${sub["x-mcp-header"].toLowerCase()}`;
        const raw = headers.get(headerName);
        if (v === undefined || v === null) continue; // the client omits it; nothing to expect
        if (raw === null) throw mismatch(`${headerName} header is required`);
        const decoded = decodeHeaderValue(raw);
        if (decoded === null) throw mismatch(`${headerName} header value is malformed`);
        const same =
          typeof v === "number" ? Number(decoded) === v : typeof v === "boolean" ? decoded === String(v) : decoded === String(v);
        if (!same) throw mismatch(`${headerName} header value does not match the body`);
      }
      walk(sub, v, depth + 1);
    }
  };
  walk(inputSchema, args, 0);
}

interface AcceptRange {
  type: string;
  q: number;
}

function parseAccept(value: string | null): AcceptRange[] {
  if (!value) return [];
  return value.split(",").map((part) => {
    const [type, ...paramsRaw] = part.trim().split(";");
    let q = 1;
    for (const p of paramsRaw) {
      const [k, v] = p.trim().split("=");
      if (k?.toLowerCase() === "q") q = Number(v) >= 0 && Number(v) <= 1 ? Number(v) : 0;
    }
    return { type: type.trim().toLowerCase(), q };
  });
}

function quality(ranges: AcceptRange[], type: string): number {
  const [major] = type.split("/");
  let best = -1;
  let specificity = -1;
  for (const r of ranges) {
    const s = r.type === type ? 2 : r.type === `${major}/*` ? 1 : r.type === "*/*" ? 0 : -1;
    if (s > specificity) {
      specificity = s;
      best = r.q;
    }
  }
  return best < 0 ? 0 : best;
}

/** How to answer a POSTed request: JSON unless the client only takes (or prefers) SSE; null = neither. */
export function responseMode(accept: string | null): "json" | "sse" | null {
  if (accept === null || accept.trim() === "") return "json"; // RFC 9110: no Accept = anything goes
  const ranges = parseAccept(accept);
  const json = quality(ranges, "application/json");
  const sse = quality(ranges, "text/event-stream");
  if (json <= 0 && sse <= 0) return null;
  return sse > json ? "sse" : "json";
}

export function acceptsEventStream(accept: string | null): boolean {
  return quality(parseAccept(accept), "text/event-stream") > 0;
}
