// One error type for the whole product. Each surface (admin API, MCP JSON-RPC, Anthropic-shaped PAT,
// SCIM) maps it to its own wire format in one place. `message` is always safe to show to the caller:
// never put a credential, a stack or an internal detail in it (internal context goes in `cause`).

export const ERROR_STATUS = {
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FortressErrorOptions {
  /** Structured, caller-safe details (e.g. which fields failed validation). */
  details?: unknown;
  /** Seconds after which a retry may succeed (rate limits). */
  retryAfterSeconds?: number;
  /** Internal cause: logged by the surface, never sent to the caller. */
  cause?: unknown;
}

export class FortressError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, options: FortressErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FortressError";
    this.code = code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const isFortressError = (e: unknown): e is FortressError => e instanceof FortressError;

export const notFound = (what: string) => new FortressError("not_found", `${what} not found`);
export const forbidden = (message = "Your console role does not allow this action") =>
  new FortressError("forbidden", message);
