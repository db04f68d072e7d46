// The one check of a tool call's arguments against its action's input schema, used by the MCP
// gateway (which audits the outcome) and again by runConnectorAction right before the vault (the
// same validator and cache, so the second check costs a lookup and agrees with the first).
//
// Dialect: JSON Schema 2020-12, MCP's default; a schema whose $schema names an older draft
// (draft-04/06/07, as upstream MCP servers built with zod-to-json-schema emit) is validated as
// draft-07. $schema and $id are dropped before compiling: the dialect is chosen here, and an $id
// would collide between two versions of the same action. Remote $refs are never fetched (no
// loadSchema): a schema that needs one fails to compile and every call to it is refused.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS; under ESM interop its default export may be wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: unknown) => void;

const options = { strict: false, allErrors: true, validateFormats: true } as const;
const ajv2020 = new Ajv2020(options);
const ajv07 = new Ajv(options);
addFormats(ajv2020);
addFormats(ajv07);

/** A schema that does not compile: kept so it is not compiled again on every call. */
const BROKEN = Symbol("broken schema");
type Compiled = ValidateFunction | typeof BROKEN;

// Action rows come from the org's cached tool table, so the same schema object is seen call after
// call: found by identity first, by its JSON text when the rows were reloaded.
const bySchema = new WeakMap<object, Compiled>();
const byText = new Map<string, Compiled>();
const TEXT_CACHE_LIMIT = 5_000;
/** Errors reported in one message at most. */
const MAX_ERRORS = 5;

function compile(schema: Record<string, unknown>): Compiled {
  let v = bySchema.get(schema);
  if (v) return v;
  const text = JSON.stringify(schema);
  v = byText.get(text);
  if (!v) {
    const { $schema, $id: _id, ...rest } = schema;
    const olderDraft = typeof $schema === "string" && /draft-0\d/.test($schema);
    try {
      v = (olderDraft ? ajv07 : ajv2020).compile(rest);
    } catch {
      v = BROKEN;
    }
    if (byText.size >= TEXT_CACHE_LIMIT) byText.clear();
    byText.set(text, v);
  }
  bySchema.set(schema, v);
  return v;
}

export type ArgumentsCheck = { ok: true } | { ok: false; message: string };

/** Checks `args` against an action's input schema (none = any object). */
export function checkArguments(schema: Record<string, unknown> | null | undefined, args: unknown): ArgumentsCheck {
  const v = compile(schema ?? { type: "object" });
  if (v === BROKEN) return { ok: false, message: "This tool's input schema is invalid; ask an administrator to fix the connector" };
  if (v(args)) return { ok: true };
  const errors = (v.errors ?? []).slice(0, MAX_ERRORS).map(describe);
  return { ok: false, message: `Invalid arguments: ${errors.length ? errors.join("; ") : "they do not match the tool's input schema"}` };
}

/** "arguments.body.name must be string", "arguments has unknown argument extra"… */
function describe(e: ErrorObject): string {
  const where = `arguments${e.instancePath.replace(/\//g, ".")}`;
  if (e.keyword === "additionalProperties") return `${where} has unknown argument ${String((e.params as { additionalProperty: unknown }).additionalProperty)}`;
  if (e.keyword === "required") return `${where} is missing required argument ${String((e.params as { missingProperty: unknown }).missingProperty)}`;
  return `${where} ${e.message ?? "is invalid"}`;
}
