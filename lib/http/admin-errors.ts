// The admin API's one error format: { "error": { "type", "message", "code", "request_id" } }.
// Unknown failures become a bare 500 with the request id; their detail goes to the log only.
import { FortressError, isFortressError } from "../errors";
import { logger } from "../log";

export function json(data: unknown, status = 200, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=utf-8");
  h.set("cache-control", "no-store");
  return new Response(status === 204 ? null : JSON.stringify(data), { status, headers: h });
}

export function noContent(): Response {
  return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
}

/** Postgres reports a unique-constraint race as SQLSTATE 23505; the caller sees a 409. */
function fromDatabaseError(err: unknown): FortressError | null {
  const code = (err as { code?: unknown })?.code ?? (err as { cause?: { code?: unknown } })?.cause?.code;
  if (code === "23505") return new FortressError("conflict", "That already exists", { cause: err });
  return null;
}

export function adminErrorResponse(err: unknown, requestId: string): Response {
  const known = isFortressError(err) ? err : fromDatabaseError(err);
  if (!known) {
    logger().error({ err, requestId }, "admin api: unhandled error");
    return json({ error: { type: "internal", message: "Internal error", code: 500, request_id: requestId } }, 500, {
      "x-request-id": requestId,
    });
  }
  if (known.status >= 500) logger().error({ err: known, cause: known.cause, requestId }, "admin api: failure");
  const headers: Record<string, string> = { "x-request-id": requestId };
  if (known.retryAfterSeconds !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(known.retryAfterSeconds)));
  if (known.code === "unauthenticated") headers["www-authenticate"] = 'Bearer realm="fortress-admin"';
  const body: Record<string, unknown> = { type: known.code, message: known.message, code: known.status, request_id: requestId };
  if (known.details !== undefined) body.details = known.details;
  return json({ error: body }, known.status, headers);
}
