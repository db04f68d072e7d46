// The PAT gateway's wire format for its own errors: Anthropic's error shape
// `{ "type": "error", "error": { "type", "message" }, "request_id" }`, so SDKs raise their usual
// exceptions. Policy denials add the spec's `code` field: 403 `policy_denied`.
import { wholeResponse } from "../../http/body";
import { FortressError, isFortressError } from "../../errors";
import { logger } from "../../log";

export const FORTRESS_REQUEST_ID = "x-fortress-request-id";

export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "overloaded_error"
  | "policy_denied";

/** A refusal by Fortress governance (policy, allowlist, max tokens, spend cap, key status). */
export class PolicyDenied extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
    /** Machine-readable reason for logs and events: "model_blocked", "spend_cap", "max_tokens"… */
    readonly kind: string = "policy",
  ) {
    super(message);
    this.name = "PolicyDenied";
  }
}

export function anthropicError(status: number, type: AnthropicErrorType, message: string, requestId: string, extra: Record<string, string> = {}): Response {
  const error: Record<string, unknown> = { type, message };
  if (type === "policy_denied") error.code = status;
  const headers = new Headers({ "content-type": "application/json", [FORTRESS_REQUEST_ID]: requestId, ...extra });
  return wholeResponse(JSON.stringify({ type: "error", error, request_id: requestId }), { status, headers });
}

const BY_CODE: Record<string, [number, AnthropicErrorType]> = {
  invalid_request: [400, "invalid_request_error"],
  unauthenticated: [401, "authentication_error"],
  forbidden: [403, "permission_error"],
  not_found: [404, "not_found_error"],
  method_not_allowed: [405, "invalid_request_error"],
  conflict: [409, "invalid_request_error"],
  gone: [404, "not_found_error"],
  payload_too_large: [413, "request_too_large"],
  unsupported_media_type: [400, "invalid_request_error"],
  rate_limited: [429, "rate_limit_error"],
  internal: [500, "api_error"],
  unavailable: [503, "api_error"],
};

/** Maps anything thrown inside the gateway to an Anthropic-shaped response; internals stay in the log. */
export function toAnthropicResponse(err: unknown, requestId: string): Response {
  if (err instanceof PolicyDenied) {
    const extra: Record<string, string> = {};
    if (err.retryAfterSeconds !== undefined) extra["retry-after"] = String(Math.max(1, Math.ceil(err.retryAfterSeconds)));
    return anthropicError(403, "policy_denied", err.message, requestId, extra);
  }
  if (isFortressError(err)) {
    const [status, type] = BY_CODE[err.code] ?? [500, "api_error"];
    if (status >= 500) logger().error({ err, cause: err.cause, requestId }, "pat gateway: failure");
    const extra: Record<string, string> = {};
    if (err.retryAfterSeconds !== undefined) extra["retry-after"] = String(Math.max(1, Math.ceil(err.retryAfterSeconds)));
    return anthropicError(status, type, err.message, requestId, extra);
  }
  logger().error({ err, requestId }, "pat gateway: unhandled error");
  return anthropicError(500, "api_error", "Internal error", requestId);
}

export { FortressError };
