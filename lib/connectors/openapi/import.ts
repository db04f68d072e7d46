// Imports an OpenAPI 3.x document (JSON or YAML): each operation becomes a candidate action whose
// input schema gathers its path/query/header parameters and its JSON request body (local $refs
// resolved). The admin then picks which operations are exposed. Auth comes from the document's
// securitySchemes (bearer, basic, apiKey in a header); the base URL from servers[0] or the config.
import { parse as parseYaml } from "yaml";
import { ConnectorError, type ConnectorActionDef } from "../types";

export const OPENAPI_MAX_BYTES = 1024 * 1024;
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;
/** Headers an operation parameter may never set: Fortress sets them, or they smuggle credentials. */
const RESERVED_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "host", "content-length", "content-type", "transfer-encoding", "connection", "x-api-key"]);

export type OpenApiAuth =
  | { type: "none" }
  | { type: "bearer" }
  | { type: "basic" }
  | { type: "apiKey"; in: "header" | "query"; name: string };

export interface OpenApiImport {
  title: string;
  version: string;
  serverUrl: string | null;
  auth: OpenApiAuth;
  operations: ConnectorActionDef[];
}

export interface OpenApiBinding {
  method: string;
  path: string;
  params: Array<{ name: string; in: "path" | "query" | "header"; arg: string }>;
  body: boolean;
  bodyRequired: boolean;
}

type Obj = Record<string, any>;

export function parseOpenApiDocument(input: string | Obj): Obj {
  let doc: unknown = input;
  if (typeof input === "string") {
    if (Buffer.byteLength(input) > OPENAPI_MAX_BYTES) throw new ConnectorError("The OpenAPI document is larger than 1 MiB", { status: 400 });
    try {
      doc = input.trimStart().startsWith("{") ? JSON.parse(input) : parseYaml(input, { maxAliasCount: 100 });
    } catch (err) {
      throw new ConnectorError(`The OpenAPI document is not valid JSON or YAML: ${(err as Error).message.split("\n")[0]}`, { status: 400 });
    }
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new ConnectorError("The OpenAPI document must be an object", { status: 400 });
  const d = doc as Obj;
  if (typeof d.openapi !== "string" || !/^3\.\d+(\.\d+)?/.test(d.openapi)) {
    throw new ConnectorError(`Only OpenAPI 3.x documents can be imported${d.swagger ? " (this is Swagger 2.0)" : ""}`, { status: 400 });
  }
  if (!d.paths || typeof d.paths !== "object") throw new ConnectorError("The OpenAPI document has no paths", { status: 400 });
  return d;
}

function resolveRef(doc: Obj, ref: string): unknown {
  if (!ref.startsWith("#/")) throw new ConnectorError(`Only local $refs are supported (${ref})`, { status: 400 });
  let cur: any = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    cur = cur?.[key];
    if (cur === undefined) throw new ConnectorError(`Unresolvable $ref ${ref}`, { status: 400 });
  }
  return cur;
}

/** Inlines local $refs (depth-capped: recursive schemas end as {} beyond the cap). */
export function deref(doc: Obj, value: unknown, depth = 0): any {
  if (depth > 12) return {};
  if (Array.isArray(value)) return value.map((v) => deref(doc, v, depth + 1));
  if (!value || typeof value !== "object") return value;
  const v = value as Obj;
  if (typeof v.$ref === "string") return deref(doc, resolveRef(doc, v.$ref), depth + 1);
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) out[k] = deref(doc, x, depth + 1);
  return out;
}

export function actionName(operationId: string | undefined, method: string, path: string): string {
  const raw = operationId ?? `${method}_${path}`;
  const snake = raw
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .replace(/_{2,}/g, "_");
  return (snake || method).slice(0, 64);
}

function authFrom(doc: Obj): OpenApiAuth {
  const schemes: Obj = doc.components?.securitySchemes ?? {};
  const wanted: string[] = (Array.isArray(doc.security) ? doc.security : []).flatMap((s: Obj) => Object.keys(s ?? {}));
  const names = [...wanted, ...Object.keys(schemes)];
  for (const name of names) {
    const s = deref(doc, schemes[name]);
    if (!s) continue;
    if (s.type === "http" && String(s.scheme).toLowerCase() === "bearer") return { type: "bearer" };
    if (s.type === "http" && String(s.scheme).toLowerCase() === "basic") return { type: "basic" };
    if (s.type === "oauth2" || s.type === "openIdConnect") return { type: "bearer" };
    if (s.type === "apiKey" && (s.in === "header" || s.in === "query") && typeof s.name === "string") return { type: "apiKey", in: s.in, name: s.name };
  }
  return { type: "none" };
}

export function importOpenApi(input: string | Obj): OpenApiImport {
  const doc = parseOpenApiDocument(input);
  const operations: ConnectorActionDef[] = [];
  const seen = new Set<string>();
  for (const [path, rawItem] of Object.entries(doc.paths as Obj)) {
    if (!path.startsWith("/")) continue;
    const item = deref(doc, rawItem) as Obj;
    const shared: Obj[] = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method] as Obj | undefined;
      if (!op) continue;
      let name = actionName(op.operationId, method, path);
      for (let i = 2; seen.has(name); i++) name = `${name.slice(0, 60)}_${i}`;
      seen.add(name);
      const params = new Map<string, Obj>();
      for (const p of [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]) if (p?.name && p.in) params.set(`${p.in}:${p.name}`, p);
      const properties: Obj = {};
      const required: string[] = [];
      const binding: OpenApiBinding = { method: method.toUpperCase(), path, params: [], body: false, bodyRequired: false };
      for (const p of params.values()) {
        if (p.in === "cookie") continue;
        if (p.in === "header" && RESERVED_HEADERS.has(String(p.name).toLowerCase())) continue;
        let arg = String(p.name).replace(/[^A-Za-z0-9_]/g, "_");
        if (properties[arg]) arg = `${p.in}_${arg}`;
        properties[arg] = { ...(p.schema ?? { type: "string" }), ...(p.description ? { description: p.description } : {}) };
        if (p.required || p.in === "path") required.push(arg);
        binding.params.push({ name: p.name, in: p.in, arg });
      }
      const json = op.requestBody?.content?.["application/json"] ?? Object.entries(op.requestBody?.content ?? {}).find(([t]) => t.endsWith("+json"))?.[1];
      if (json) {
        properties.body = { ...(json.schema ?? {}), description: op.requestBody?.description ?? "Request body (JSON)" };
        binding.body = true;
        binding.bodyRequired = Boolean(op.requestBody?.required);
        if (binding.bodyRequired) required.push("body");
      }
      const upper = method.toUpperCase();
      operations.push({
        name,
        title: op.summary ?? `${upper} ${path}`,
        description: [op.summary, op.description].filter(Boolean).join(" — ").slice(0, 2000) || `${upper} ${path}`,
        inputSchema: { type: "object", properties, required, additionalProperties: false },
        destructive: upper === "DELETE",
        readOnly: upper === "GET" || upper === "HEAD" || upper === "OPTIONS",
        binding: binding as unknown as Record<string, unknown>,
      });
    }
  }
  if (operations.length === 0) throw new ConnectorError("The OpenAPI document has no operations", { status: 400 });
  const server = Array.isArray(doc.servers) && typeof doc.servers[0]?.url === "string" ? (doc.servers[0].url as string) : null;
  let serverUrl: string | null = null;
  if (server && /^https?:\/\//i.test(server) && !server.includes("{")) serverUrl = server.replace(/\/+$/, "");
  return { title: String(doc.info?.title ?? "OpenAPI"), version: String(doc.info?.version ?? ""), serverUrl, auth: authFrom(doc), operations };
}
