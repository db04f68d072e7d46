// The hop to Anthropic: one pooled keep-alive undici Agent per process, the client's bytes sent as
// they came, the client's anthropic-* headers forwarded, the real key set by us. The upstream is an
// operator setting (FORTRESS_ANTHROPIC_UPSTREAM), not customer input, so it does not go through the
// SSRF guard used for customer-supplied URLs.
import { Agent, request as undiciRequest, type Dispatcher } from "undici";

let agent: Agent | undefined;
function pool(): Agent {
  agent ??= new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connections: 256,
    // Long generations stream for minutes; only a silent upstream is cut off.
    headersTimeout: 600_000,
    bodyTimeout: 600_000,
  });
  return agent;
}

/** Request headers passed through: the client's Anthropic options and SDK identification. */
export function forwardedRequestHeaders(incoming: Headers): string[] {
  const out: string[] = [];
  incoming.forEach((value, name) => {
    if (name.startsWith("anthropic-") || name.startsWith("x-stainless-") || name === "content-type" || name === "accept" || name === "user-agent") {
      out.push(name, value);
    }
  });
  return out;
}

// Connection-level headers describe one hop and are not copied to the next one.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "proxy-authenticate", "upgrade", "te", "trailer"]);

export function responseHeaders(raw: Dispatcher.ResponseData["headers"]): Headers {
  const h = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    if (Array.isArray(value)) for (const v of value) h.append(name, v);
    else h.set(name, value);
  }
  return h;
}

export interface UpstreamCall {
  upstream: string;
  method: "GET" | "POST";
  /** Path and query, e.g. "/v1/messages" */
  path: string;
  headers: string[];
  body: Uint8Array | null;
  signal?: AbortSignal;
}

/**
 * A JSON answer (not an event stream) that declares at most this many bytes is read whole before it
 * is relayed. An Anthropic JSON answer is written at the end of the generation, so this holds back
 * no byte a client could use earlier; it is read while the admission audit event commits (the read
 * runs alongside it), and the client gets it in one write. Streams are relayed event by event.
 */
export const WHOLE_ANSWER_LIMIT = 1024 * 1024;

/** The upstream's answer; `whole` is its body when it was read whole (see WHOLE_ANSWER_LIMIT). */
export type UpstreamAnswer = Dispatcher.ResponseData & { whole: Buffer | null };

function readsWhole(res: Dispatcher.ResponseData): boolean {
  // 204 and 304 carry no body by definition (the relay answers them without one).
  if (res.statusCode === 204 || res.statusCode === 304) return false;
  const type = String(res.headers["content-type"] ?? "");
  const declared = Number(res.headers["content-length"]);
  return !type.startsWith("text/event-stream") && Number.isInteger(declared) && declared >= 0 && declared <= WHOLE_ANSWER_LIMIT;
}

/**
 * Sends the request with the real key. `apiKey` is a Buffer owned by the vault (zeroed when the
 * caller's withSecret callback returns); undici only takes strings, so the one string copy lives
 * for this call only and is never logged.
 */
export async function callUpstream(call: UpstreamCall, apiKey: Buffer): Promise<UpstreamAnswer> {
  const headers = [...call.headers, "x-api-key", apiKey.toString("utf8"), "accept-encoding", "identity"];
  const res = await undiciRequest(new URL(call.path, call.upstream), {
    method: call.method,
    headers,
    body: call.body ?? undefined,
    dispatcher: pool(),
    signal: call.signal,
  });
  if (!readsWhole(res)) return Object.assign(res, { whole: null });
  const bytes = await res.body.bytes();
  return Object.assign(res, { whole: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
}
