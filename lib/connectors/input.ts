// What the connector admin API accepts: request schemas, and the checks that need the connector
// type (which credential fields are secret and required, the type's own configuration rules).
import { z } from "zod";
import { FortressError } from "../errors";
import { ConnectorError, type ConnectorType } from "./types";

const SLUG = /^[a-z0-9](?:[a-z0-9_]{0,38}[a-z0-9])?$/;
const credentialValue = z.string().max(16_384, "is too long");

export const ZCreateConnector = z.strictObject({
  type: z.string().min(1).max(40),
  name: z.string().trim().min(1, "is required").max(100),
  slug: z
    .string()
    .regex(SLUG, "must be lowercase letters, digits and single underscores (1–40 characters)")
    .refine((s) => !s.includes("__"), "must not contain a double underscore")
    .optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  credentials: z.record(z.string(), credentialValue).default({}),
  credential_expires_at: z.iso.datetime({ offset: true }).optional(),
  /** OpenAPI connectors: the document (JSON or YAML text, or the parsed object). */
  openapi_document: z.union([z.string().max(1024 * 1024), z.record(z.string(), z.unknown())]).optional(),
  /** OpenAPI connectors: the operations (action names) to expose. */
  operations: z.array(z.string().max(64)).max(500).optional(),
});
export type CreateConnectorInput = z.infer<typeof ZCreateConnector>;

export const ZUpdateConnector = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  enabled: z.boolean().optional(),
});

export const ZRotateConnector = z.strictObject({
  credentials: z.record(z.string(), credentialValue),
});

export const ZKillConnector = z.strictObject({ reason: z.string().trim().max(500).optional() });

export const ZUpdateActions = z.strictObject({
  /** The complete set of action names to expose (OpenAPI operation choice; hiding vendor actions). */
  exposed: z.array(z.string().max(64)).max(1000).optional(),
  /** Upstream MCP tools whose changed (or new) definition the admin approves. */
  approve: z.array(z.string().max(64)).max(1000).optional(),
  /** Upstream MCP: rediscover tools now (changed ones are held back). */
  refresh: z.boolean().optional(),
});

export const ZConnectorListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
  status: z.enum(["PENDING", "ACTIVE", "OFFLINE", "KILLED"]).optional(),
});

export const badRequest = (message: string) => new FortressError("invalid_request", message);

export function asFortress(err: unknown): never {
  if (err instanceof ConnectorError) throw new FortressError("invalid_request", err.message);
  throw err;
}

export function splitCredentials(type: ConnectorType, creds: Record<string, string>, forRotation: boolean) {
  const known = new Map(type.credentialFields.map((f) => [f.name, f]));
  for (const k of Object.keys(creds)) if (!known.has(k)) throw badRequest(`credentials.${k}: not a credential field of ${type.name}`);
  const secret: Record<string, string> = {};
  const plain: Record<string, string> = {};
  for (const f of type.credentialFields) {
    const v = creds[f.name]?.trim();
    if (!v) {
      if (!f.optional && (f.secret || !forRotation)) throw badRequest(`credentials.${f.name}: is required`);
      continue;
    }
    (f.secret ? secret : plain)[f.name] = v;
  }
  if (type.type === "github" && !secret.token && !secret.private_key) throw badRequest("credentials: give a personal access token, or a GitHub App private key");
  return { secret, plain };
}

export function validateConfig(type: ConnectorType, config: Record<string, unknown>): Record<string, unknown> {
  try {
    return type.validateConfig ? type.validateConfig(config) : {};
  } catch (err) {
    return asFortress(err);
  }
}

export function slugFrom(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .replace(/_{2,}/g, "_")
    .slice(0, 40)
    .replace(/_+$/, "");
  return s || "connector";
}
