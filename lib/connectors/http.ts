// Shared HTTP plumbing for vendor connectors: every call goes through safeRequest (SSRF-guarded, pooled
// keep-alive, time-limited); the credential header is attached only once the destination passed the
// preflight; vendor failures become ConnectorError carrying the vendor's own message and its
// rate-limit hints (Retry-After, X-RateLimit-*), never a credential.
import { OutboundAnswerTooLargeError, OutboundBlockedError, safeRequest, type SafeTextResponse } from "../net/outbound";
import { ConnectorError, type ActionResult } from "./types";

export type Query = Record<string, string | number | boolean | undefined | null | Array<string | number>>;

export interface VendorRequest {
  /** Vendor name for messages: "Zendesk". */
  vendor: string;
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  query?: Query;
  /** Built lazily, after the SSRF preflight: this is where the credential goes. */
  headers: () => Record<string, string>;
  /** JSON body (serialised here), or a raw string with its own content-type header. */
  json?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Pulls the vendor's error message out of an error body. */
  errorMessage?: (body: unknown, status: number) => string | undefined;
}

export interface VendorResponse<T = unknown> {
  status: number;
  headers: SafeTextResponse["headers"];
  data: T;
}

export function withQuery(url: string, query: Query | undefined): string {
  if (!query) return url;
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === "") continue;
    u.searchParams.set(k, Array.isArray(v) ? v.join(",") : String(v));
  }
  return u.toString();
}

/** Joins a base URL and a path: "https://x/api/" + "/v2/a" → "https://x/api/v2/a". */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

export const seg = (v: string | number) => encodeURIComponent(String(v));

/** Seconds to wait, from Retry-After (seconds or HTTP date) or X-RateLimit-Reset (epoch seconds). */
export function retryAfterSeconds(headers: { get(name: string): string | null }, now = Date.now()): number | undefined {
  const ra = headers.get("retry-after");
  if (ra) {
    const n = Number(ra);
    if (Number.isFinite(n)) return Math.max(0, Math.ceil(n));
    const d = Date.parse(ra);
    if (!Number.isNaN(d)) return Math.max(0, Math.ceil((d - now) / 1000));
  }
  const remaining = headers.get("x-ratelimit-remaining");
  const reset = headers.get("x-ratelimit-reset");
  if (remaining === "0" && reset && /^\d+$/.test(reset)) return Math.max(0, Number(reset) - Math.floor(now / 1000));
  return undefined;
}

const MAX_MESSAGE = 500;
const clip = (s: string) => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s);

export async function vendorFetch<T = unknown>(req: VendorRequest): Promise<VendorResponse<T>> {
  const method = req.method ?? "GET";
  let response;
  try {
    response = await safeRequest(
      withQuery(req.url, req.query),
      () => {
        const headers: Record<string, string> = { accept: "application/json", ...req.headers() };
        let body: string | undefined;
        if (req.json !== undefined) {
          body = typeof req.json === "string" ? req.json : JSON.stringify(req.json);
          headers["content-type"] ??= "application/json";
        }
        return { method, headers, body, signal: req.signal };
      },
      { timeoutMs: req.timeoutMs ?? 15_000 },
    );
  } catch (err) {
    if (err instanceof OutboundBlockedError) throw new ConnectorError(`${req.vendor}: ${err.message}`, { transient: false });
    if (err instanceof OutboundAnswerTooLargeError) throw new ConnectorError(`${req.vendor}: ${err.message}; ask for fewer results`, { transient: false });
    const timeout = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new ConnectorError(timeout ? `${req.vendor} did not answer in time` : `${req.vendor} could not be reached`, { transient: true });
  }
  const text = response.text;
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (response.status >= 200 && response.status < 300) return { status: response.status, headers: response.headers, data: data as T };
  const vendorMessage = (req.errorMessage?.(data, response.status) ?? (typeof data === "string" ? data.trim() : undefined)) || `HTTP ${response.status}`;
  throw new ConnectorError(clip(`${req.vendor} error (${response.status}): ${vendorMessage}`), {
    status: response.status,
    retryAfterSeconds: retryAfterSeconds(response.headers),
    transient: response.status >= 500 || response.status === 429,
  });
}

/** A successful action result: the vendor's JSON as structured content plus its text form. */
export function ok(structured: Record<string, unknown>): ActionResult {
  return { content: [{ type: "text", text: JSON.stringify(structured) }], structuredContent: structured };
}

/** Parses the vault's JSON credential blob. The strings live only for the call. */
export function readCredential(buf: Buffer): Record<string, string> {
  try {
    const v = JSON.parse(buf.toString("utf8"));
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, string>;
  } catch {
    // fall through
  }
  throw new ConnectorError("The stored credential is not readable; rotate it", { transient: false });
}

export function basic(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`, "utf8").toString("base64")}`;
}

export function str(config: Record<string, unknown>, key: string): string | undefined {
  const v = config[key];
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

export function requireArg<T>(args: Record<string, unknown>, key: string): T {
  const v = args[key];
  if (v === undefined || v === null || v === "") throw new ConnectorError(`Missing argument: ${key}`, { status: 400 });
  return v as T;
}
