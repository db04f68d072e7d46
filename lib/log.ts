// Structured JSON logs. Secrets must never reach a log line, so every object logged passes through
// `scrubForLog`: fields whose name smells of a secret are replaced, and string values that look like
// a Fortress API key, an Anthropic key or a bearer token are masked wherever they appear.
import pino, { type DestinationStream, type Logger } from "pino";
import { env } from "./env";

// A field is secret when one of the words of its name is in this set, or its last word is "key"
// (api_key, x-api-key, privateKey, data_key). "input_tokens" or "key_id" stay readable.
const SECRET_WORDS = new Set(["password", "passwd", "passphrase", "secret", "token", "authorization", "cookie", "credential", "credentials", "apikey", "signature", "plaintext"]);
export function isSecretField(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return words.some((w) => SECRET_WORDS.has(w)) || words[words.length - 1] === "key";
}
const SECRET_VALUE = [
  /fk_(live|test)_[A-Za-z0-9]{8,}/g, // Fortress org API keys
  /sk-ant-[A-Za-z0-9_-]{8,}/g, // Anthropic keys
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, // Authorization header values
  /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, // JWTs
];
export const REDACTED = "[redacted]";
const MAX_DEPTH = 8;

export function scrubString(value: string): string {
  let out = value;
  for (const pattern of SECRET_VALUE) out = out.replace(pattern, REDACTED);
  return out;
}

/** Returns a copy of `value` safe to log. Pure; handles cycles, errors and deep nesting. */
export function scrubForLog(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return scrubString(value);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[circular]";
  if (depth >= MAX_DEPTH) return "[truncated]";
  seen.add(value);
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; cause?: unknown };
    return {
      type: e.name,
      message: scrubString(e.message),
      code: e.code,
      stack: e.stack ? scrubString(e.stack) : undefined,
      cause: e.cause === undefined ? undefined : scrubForLog(e.cause, depth + 1, seen),
    };
  }
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.map((v) => scrubForLog(v, depth + 1, seen));
  if (value instanceof Headers) return scrubForLog(Object.fromEntries(value.entries()), depth, seen);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretField(k) && v !== null && v !== undefined && typeof v !== "boolean" ? REDACTED : scrubForLog(v, depth + 1, seen);
  }
  return out;
}

export function createLogger(destination?: DestinationStream, level?: string): Logger {
  return pino(
    {
      level: level ?? env().FORTRESS_LOG_LEVEL,
      base: { service: "fortress" },
      // Errors are already turned into plain, scrubbed objects by formatters.log below.
      serializers: { err: (e: unknown) => e },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => scrubForLog(obj) as Record<string, unknown>,
      },
      hooks: {
        // The message string itself may carry a secret (e.g. an interpolated header).
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === "string" ? scrubString(a) : a));
          return method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

let root: Logger | undefined;

export function logger(): Logger {
  root ??= createLogger();
  return root;
}

/** Tests capture log lines to prove no secret reaches them. */
export function useLoggerForTests(replacement: Logger | undefined): void {
  root = replacement;
}
