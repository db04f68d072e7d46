// The only reader of process.env. Every setting is declared, defaulted and validated here, so a bad
// value stops the process at start with one clear line per problem, and a fresh machine with no
// settings at all still works (embedded Postgres, in-process Redis, local folders).
import { z } from "zod";
import { parseCidrList } from "./http/client-ip";

const optionalUrl = (schemes: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((v) => {
      try {
        return schemes.includes(new URL(v).protocol.replace(/:$/, ""));
      } catch {
        return false;
      }
    }, `must be a URL with scheme ${schemes.join(" or ")}`)
    .optional();

const cidrList = z
  .string()
  .optional()
  .refine((v) => {
    if (!v) return true;
    try {
      parseCidrList(v);
      return true;
    } catch {
      return false;
    }
  }, "must be a comma-separated list of IP addresses or CIDRs");

const ZEnv = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  DATABASE_URL: optionalUrl(["postgres", "postgresql"]),
  REDIS_URL: optionalUrl(["redis", "rediss"]),
  FORTRESS_DATA_DIR: z.string().trim().min(1).default("./.data"),
  FORTRESS_PUBLIC_URL: optionalUrl(["http", "https"]),
  FORTRESS_SIGNUP: z.enum(["open", "closed"]).default("open"),
  // Signs console sessions and admin API tokens. Several instances must share it; a single instance
  // generates one into the data folder on first start.
  FORTRESS_AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  // Comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed.
  FORTRESS_TRUSTED_PROXIES: cidrList,
  // Comma-separated CIDRs that outbound calls may reach although they are not public (self-hosted
  // private upstreams; local fakes in tests). Plain http is accepted only to these.
  FORTRESS_OUTBOUND_ALLOW: cidrList,
  // Connectors: consecutive vendor failures (unreachable, 5xx, bad credentials) before a connector
  // goes OFFLINE (circuit breaker); a successful Test/Retry brings it back.
  FORTRESS_CONNECTOR_BREAKER_THRESHOLD: z.coerce.number().int().min(1).max(1000).default(5),
  // Zero Trust: how long a data key unwrapped by the customer's external key service (XKS) stays in
  // memory before it is zeroed; 0 disables the session cache (every use asks the key service).
  FORTRESS_XKS_SESSION_TTL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  // Vault master key: base64 of 32 random bytes. Unset → a key file generated in the data folder
  // (mode 0600) on first start. Several instances must share it.
  FORTRESS_MASTER_KEY: z
    .string()
    .trim()
    .refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, "base64").length === 32, "must be base64 of exactly 32 bytes")
    .optional(),
  // Service key versions rotate after this many days; a background job rewraps every blob.
  FORTRESS_KEY_ROTATION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  // In-process background jobs (key rotation, rewrap, purge, expiry warnings). Off in tests.
  FORTRESS_JOBS: z.enum(["on", "off"]).optional(),
  // /v1 served by the gateway front, past Next's routing (lib/http/front.ts); "off" = through Next.
  FORTRESS_GATEWAY_FRONT: z.enum(["on", "off"]).default("on"),
  // Evidence: Ed25519 private key (PKCS#8 PEM) signing audit checkpoints; generated into the data
  // folder when unset. Several instances must share it.
  FORTRESS_AUDIT_SIGNING_KEY: z.string().trim().min(1).optional(),
  // Seconds between signed checkpoints of every audit chain head (0 disables the scheduler).
  FORTRESS_AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  FORTRESS_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // PAT Fortress: where governed Messages API calls go (tests and benchmarks point it at a local fake).
  FORTRESS_ANTHROPIC_UPSTREAM: optionalUrl(["http", "https"]).default("https://api.anthropic.com"),
  // PAT archive: S3-compatible bucket when set, otherwise FORTRESS_DATA_DIR/pat-archive.
  FORTRESS_ARCHIVE_S3_BUCKET: z.string().trim().min(1).optional(),
  FORTRESS_ARCHIVE_S3_REGION: z.string().trim().min(1).default("us-east-1"),
  FORTRESS_ARCHIVE_S3_ENDPOINT: optionalUrl(["http", "https"]),
  FORTRESS_ARCHIVE_S3_ACCESS_KEY_ID: z.string().trim().min(1).optional(),
  FORTRESS_ARCHIVE_S3_SECRET_ACCESS_KEY: z.string().trim().min(1).optional(),
  FORTRESS_ARCHIVE_S3_PREFIX: z.string().trim().default("pat-archive/"),
});

export type Env = z.infer<typeof ZEnv>;

/** Parses a settings object; throws one Error whose message lists every bad setting on its own line. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // An empty string means "unset" for every setting: shells and .env files produce them easily.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = ZEnv.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
  throw new Error(`Invalid Fortress settings:\n${lines.join("\n")}`);
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Tests change settings between cases; production never calls this. */
export function resetEnvForTests(): void {
  cached = undefined;
}

/** The external origin (no trailing slash) used in links shown to people, e.g. invitation URLs. */
export function publicUrl(): string {
  const e = env();
  return (e.FORTRESS_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, "");
}
