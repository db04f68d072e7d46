// Reads a JSON request body defensively: content type checked, size capped while streaming (a lying
// or absent Content-Length cannot make us buffer more), JSON and schema errors turned into 4xx.
import type { z } from "zod";
import { FortressError } from "../errors";

export const DEFAULT_BODY_LIMIT = 64 * 1024;

// Bodies already in memory. The node adapter reads small request bodies before the handler runs and
// handlers build most answers from one string; both still carry a normal body stream, but the bytes
// are also kept here so the gateways' hot path reads and writes them without Web-stream plumbing.
const inMemory = new WeakMap<Request | Response, Uint8Array>();

/** Records that `message`'s whole body is `bytes` (which its body stream also yields). */
export function rememberBody<M extends Request | Response>(message: M, bytes: Uint8Array): M {
  inMemory.set(message, bytes);
  return message;
}

/** The whole body of `message`, when it is known to be in memory and its stream was not read. */
export function bodyInMemory(message: Request | Response): Uint8Array | undefined {
  const bytes = inMemory.get(message);
  return bytes && !message.bodyUsed ? bytes : undefined;
}

// The signal that fires when the client goes away. The node adapter hands it over here instead of
// through `new Request(url, { signal })`: undici's Request follows a given signal through its own
// AbortController and listeners, which cost about as much as building the rest of the Request (Node
// 20), on every call. Under Next.js a route handler's Request carries its own signal.
const clientSignals = new WeakMap<Request, AbortSignal>();

/** Records `signal` as the one that fires when `request`'s client goes away. */
export function attachClientSignal(request: Request, signal: AbortSignal): Request {
  clientSignals.set(request, signal);
  return request;
}

/** Fires when `request`'s client goes away (closed the connection before the answer was written). */
export function clientSignal(request: Request): AbortSignal {
  return clientSignals.get(request) ?? request.signal;
}

/** A response whose whole body is `text` (written in one piece, with Content-Length, by the node adapter). */
export function wholeResponse(text: string, init: ResponseInit): Response {
  const bytes = Buffer.from(text);
  return rememberBody(new Response(bytes, init), bytes);
}

export async function readBodyBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const known = bodyInMemory(request);
  if (known) {
    if (known.byteLength > limit) throw tooLarge(limit);
    return known;
  }
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

const tooLarge = (limit: number) =>
  new FortressError("payload_too_large", `Request body is larger than ${Math.round(limit / 1024)} KiB`);

export function isJsonContentType(value: string | null): boolean {
  if (!value) return false;
  const type = value.split(";")[0].trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/** Parses and validates a JSON body; every failure is a FortressError with a caller-safe message. */
export async function readJson<S extends z.ZodType>(request: Request, schema: S, limit = DEFAULT_BODY_LIMIT): Promise<z.infer<S>> {
  if (!isJsonContentType(request.headers.get("content-type"))) {
    throw new FortressError("unsupported_media_type", "Content-Type must be application/json");
  }
  const bytes = await readBodyBytes(request, limit);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new FortressError("invalid_request", "Request body is not valid JSON");
  }
  return validate(schema, parsed);
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  throw new FortressError("invalid_request", message || "Invalid request", { details: issues });
}
