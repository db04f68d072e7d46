// The one way Fortress calls a customer-supplied URL: pooled keep-alive connections (undici), time
// limits, and SSRF protection at two moments:
//  1. preflight, before any credential is decrypted or attached: scheme, userinfo, literal IPs, and
//     every address the host resolves to;
//  2. connect time: the agent's own DNS lookup re-checks what it resolved, so the address checked is
//     the address connected to (a DNS-rebinding answer between 1 and 2 changes nothing).
// Redirects are followed by hand, each hop checked again; credentials are dropped on a cross-origin hop.
import { createHash } from "node:crypto";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { promisify } from "node:util";
import { Agent, fetch as undiciFetch, type Dispatcher, type RequestInit, type Response } from "undici";
import { env } from "../env";
import { FortressError } from "../errors";
import type { Cidr } from "../http/client-ip";
import { checkAddress, checkUrl, isAllowlisted, parseAllowList } from "./ssrf";

export class OutboundBlockedError extends FortressError {
  constructor(reason: string) {
    super("forbidden", `Outbound request blocked: ${reason}`);
    this.name = "OutboundBlockedError";
  }
}

/** An answer larger than a caller's limit was cut off (and its connection closed) rather than read. */
export class OutboundAnswerTooLargeError extends FortressError {
  constructor(readonly maxBytes: number) {
    super("unavailable", `The answer is larger than ${Math.round(maxBytes / (1024 * 1024))} MiB`);
    this.name = "OutboundAnswerTooLargeError";
  }
}

const resolveAll = promisify(dnsLookup);

let allowCache: { source: string | undefined; cidrs: Cidr[] } | undefined;
function allowList(): Cidr[] {
  const source = env().FORTRESS_OUTBOUND_ALLOW;
  if (!allowCache || allowCache.source !== source) allowCache = { source, cidrs: parseAllowList(source) };
  return allowCache.cidrs;
}

function judge(address: string, plainHttp: boolean): string | null {
  const v = checkAddress(address, allowList());
  if (!v.ok) return v.reason;
  if (plainHttp && !isAllowlisted(address, allowList())) return "plain http is only allowed to FORTRESS_OUTBOUND_ALLOW destinations";
  return null;
}

/** Preflight: throws OutboundBlockedError unless the URL and every address it resolves to are allowed. */
export async function assertOutboundAllowed(input: string | URL): Promise<URL> {
  const v = checkUrl(input, allowList());
  if (!v.ok) throw new OutboundBlockedError(v.reason);
  const url = v.url!;
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: LookupAddress[];
  try {
    addresses = (await resolveAll(host, { all: true })) as unknown as LookupAddress[];
  } catch {
    throw new OutboundBlockedError(`cannot resolve ${host}`);
  }
  if (addresses.length === 0) throw new OutboundBlockedError(`cannot resolve ${host}`);
  for (const a of addresses) {
    const reason = judge(a.address, url.protocol === "http:");
    if (reason) throw new OutboundBlockedError(reason);
  }
  return url;
}

/**
 * The connect-time address check as a `lookup` for other HTTP stacks (e.g. the AWS SDK's node agents
 * when a custom endpoint is configured). Literal-IP URLs skip lookups: preflight them with
 * assertOutboundAllowed as well.
 */
export function outboundLookup(plainHttp: boolean): LookupFunction {
  return guardedLookup(plainHttp);
}

function guardedLookup(plainHttp: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const reason = judge(a.address, plainHttp);
        if (reason) return callback(Object.assign(new Error(`Outbound request blocked: ${reason}`), { code: "EFORTRESSBLOCKED" }), "", 0);
      }
      // Node asks for every address when it races IPv4/IPv6 (autoSelectFamily), a single one otherwise.
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}

const g = globalThis as typeof globalThis & { __fortressAgents?: { https: Agent; http: Agent } };
function agents() {
  g.__fortressAgents ??= {
    https: new Agent({ connect: { lookup: guardedLookup(false), timeout: 5_000 }, keepAliveTimeout: 30_000, connections: 128 }),
    http: new Agent({ connect: { lookup: guardedLookup(true), timeout: 5_000 }, keepAliveTimeout: 30_000, connections: 128 }),
  };
  return g.__fortressAgents;
}

/** Client certificate (mTLS) and/or private CA for one destination, e.g. a customer's XKS proxy. */
export interface OutboundTls {
  certPem?: string;
  keyPem?: string;
  /** Replaces the public CA store for this destination when given. */
  caPem?: string;
}

// One pooled agent per distinct TLS identity (keyed by a hash, so no key material in map keys), with
// the same connect-time address check as the shared agents.
const tlsAgents = new Map<string, Agent>();
function tlsAgent(tls: OutboundTls): Agent {
  const id = createHash("sha256").update(JSON.stringify([tls.certPem ?? "", tls.keyPem ?? "", tls.caPem ?? ""])).digest("hex");
  let agent = tlsAgents.get(id);
  if (!agent) {
    if (tlsAgents.size >= 64) {
      const [oldId, old] = tlsAgents.entries().next().value as [string, Agent];
      tlsAgents.delete(oldId);
      void old.close();
    }
    agent = new Agent({
      connect: { lookup: guardedLookup(false), timeout: 5_000, cert: tls.certPem, key: tls.keyPem, ca: tls.caPem },
      keepAliveTimeout: 30_000,
      connections: 32,
    });
    tlsAgents.set(id, agent);
  }
  return agent;
}

const CREDENTIAL_HEADERS = ["authorization", "x-api-key", "cookie", "proxy-authorization"];
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The guarded agent for a destination (plain http only where FORTRESS_OUTBOUND_ALLOW permits it). */
function dispatcherFor(url: URL, tls: OutboundTls | undefined): Agent {
  if (tls && url.protocol !== "https:") throw new OutboundBlockedError("a client certificate is only sent over https");
  return url.protocol === "http:" ? agents().http : tls ? tlsAgent(tls) : agents().https;
}

/**
 * One redirect hop, for safeFetch and safeRequest alike: within the hop limit, the destination checked
 * like the first one, credentials to be dropped when it changes origin, and a 303 (or a 301/302 after
 * a POST) followed with a bodiless GET, as browsers and fetch do.
 */
async function redirectHop(
  from: URL,
  location: string,
  status: number,
  method: string | undefined,
  hop: number,
  maxRedirects: number,
): Promise<{ url: URL; crossOrigin: boolean; toGet: boolean }> {
  if (hop >= maxRedirects) throw new OutboundBlockedError("too many redirects");
  const url = await assertOutboundAllowed(new URL(location, from));
  const wasPost = (method ?? "GET").toUpperCase() === "POST";
  return { url, crossOrigin: url.origin !== from.origin, toGet: status === 303 || ((status === 301 || status === 302) && wasPost) };
}

export interface SafeFetchOptions {
  maxRedirects?: number;
  /** safeRequest: the most bytes of an answer read (default MAX_ANSWER_BYTES). */
  maxBytes?: number;
  /** Whole-request time limit, headers and body. */
  timeoutMs?: number;
  /** mTLS client certificate / private CA (https destinations only). */
  tls?: OutboundTls;
}

/**
 * fetch() for customer-supplied URLs. See the module header for what it guarantees. Pass `init` as a
 * function to build the request (and attach its credential) only once the destination passed.
 */
export async function safeFetch(
  input: string | URL,
  init: RequestInit | (() => RequestInit | Promise<RequestInit>) = {},
  options: SafeFetchOptions = {},
): Promise<Response> {
  const maxRedirects = options.maxRedirects ?? 3;
  let url = await assertOutboundAllowed(input);
  let request: RequestInit = typeof init === "function" ? await init() : { ...init };
  const signal = request.signal ?? AbortSignal.timeout(options.timeoutMs ?? 15_000);
  for (let hop = 0; ; hop++) {
    const dispatcher = dispatcherFor(url, options.tls);
    const response = await undiciFetch(url, { ...request, redirect: "manual", dispatcher, signal });
    const location = response.headers.get("location");
    if (!REDIRECTS.has(response.status) || !location) return response;
    await response.body?.cancel();
    const next = await redirectHop(url, location, response.status, request.method, hop, maxRedirects);
    const headers = new Headers(request.headers as HeadersInit | undefined);
    if (next.crossOrigin) for (const h of CREDENTIAL_HEADERS) headers.delete(h);
    request = { ...request, headers, ...(next.toGet ? { method: "GET", body: undefined } : {}) };
    url = next.url;
  }
}

/**
 * The largest answer safeRequest reads by default: an endpoint (a customer-supplied one included)
 * cannot make the gateway hold an unbounded body in memory.
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** What safeRequest answers: the status, the headers and the whole body as text. */
export interface SafeTextResponse {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
}

export interface SafeRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/**
 * safeFetch's guarantees (preflight, connect-time check, redirects re-checked by hand, credentials
 * dropped across origins, time limit) for a call whose answer is read whole — the vendor connectors'
 * case. It uses undici's request API rather than fetch: no WHATWG streams or Request/Response objects,
 * which is most of an HTTP call's CPU cost on the gateway's hot path.
 */
export async function safeRequest(
  input: string | URL,
  init: () => SafeRequestInit | Promise<SafeRequestInit>,
  options: SafeFetchOptions = {},
): Promise<SafeTextResponse> {
  const maxRedirects = options.maxRedirects ?? 3;
  let url = await assertOutboundAllowed(input);
  let request = await init();
  const signal = request.signal ?? AbortSignal.timeout(options.timeoutMs ?? 15_000);
  for (let hop = 0; ; hop++) {
    const dispatcher = dispatcherFor(url, options.tls);
    const response = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: (request.method ?? "GET").toUpperCase() as Dispatcher.HttpMethod,
      headers: request.headers,
      body: request.body,
      signal,
    });
    const headers = headerReader(response.headers);
    const location = headers.get("location");
    if (!REDIRECTS.has(response.statusCode) || !location) {
      return { status: response.statusCode, headers, text: await readText(response.body, options.maxBytes ?? MAX_ANSWER_BYTES) };
    }
    await response.body.dump();
    const next = await redirectHop(url, location, response.statusCode, request.method, hop, maxRedirects);
    const nextHeaders = { ...request.headers };
    if (next.crossOrigin) for (const name of Object.keys(nextHeaders)) if (CREDENTIAL_HEADERS.includes(name.toLowerCase())) delete nextHeaders[name];
    request = { ...request, headers: nextHeaders, ...(next.toGet ? { method: "GET", body: undefined } : {}) };
    url = next.url;
  }
}

/** The body as UTF-8 text, refusing (and closing) it past `maxBytes`. */
async function readText(body: Dispatcher.ResponseData["body"], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new OutboundAnswerTooLargeError(maxBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

function headerReader(raw: Record<string, string | string[] | undefined>): SafeTextResponse["headers"] {
  return {
    get(name) {
      const v = raw[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    },
  };
}
