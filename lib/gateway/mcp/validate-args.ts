// Validates tool arguments against the action's inputSchema (JSON Schema 2020-12 by default, draft-07
// when the schema says so, as MCP requires). Compiled validators are cached per action version.
// Remote $refs are never fetched (no loadSchema): a schema that needs one fails to compile.
import { Ajv2020 } from "ajv/dist/2020.js";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import type { ValidateFunction } from "ajv";
import type { ActionRow } from "./tools";

// ajv-formats is CommonJS; under ESM interop its default export may be wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: unknown) => void;

const options = { strict: false, allErrors: false, validateFormats: true } as const;
const ajv2020 = new Ajv2020(options);
const ajv07 = new Ajv(options);
addFormats(ajv2020);
addFormats(ajv07);

const cache = new Map<string, ValidateFunction | Error>();
const CACHE_LIMIT = 5_000;

function compile(action: ActionRow): ValidateFunction | Error {
  const key = `${action.id}:${action.updatedAt.getTime()}`;
  let v = cache.get(key);
  if (!v) {
    const schema = action.inputSchema ?? { type: "object" };
    const draft07 = typeof schema.$schema === "string" && schema.$schema.includes("draft-07");
    try {
      const { $id: _id, ...rest } = schema as Record<string, unknown>; // $id would collide across versions
      v = (draft07 ? ajv07 : ajv2020).compile(rest);
    } catch (err) {
      v = err instanceof Error ? err : new Error(String(err));
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, v);
  }
  return v;
}

export type ArgsCheck = { ok: true } | { ok: false; message: string };

export function validateArguments(action: ActionRow, args: Record<string, unknown>): ArgsCheck {
  const v = compile(action);
  if (v instanceof Error) return { ok: false, message: "This tool's input schema is invalid; ask an administrator to fix the connector" };
  if (v(args)) return { ok: true };
  const e = v.errors?.[0];
  if (!e) return { ok: false, message: "Invalid arguments" };
  const where = e.instancePath ? `arguments${e.instancePath.replace(/\//g, ".")}` : "arguments";
  const extra =
    e.keyword === "additionalProperties" && e.params && "additionalProperty" in e.params
      ? ` (${String((e.params as { additionalProperty: unknown }).additionalProperty)})`
      : "";
  return { ok: false, message: `Invalid arguments: ${where} ${e.message ?? "is invalid"}${extra}` };
}
