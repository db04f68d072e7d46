// The OpenAPI connector: any REST API described by an OpenAPI 3 document. Operations picked by the
// admin are its actions (binding = method, path, where each argument goes). Auth from the vault per
// the document's securitySchemes: bearer token, basic username/password, or an API key header.
import { basic, joinUrl, ok, readCredential, seg, str, vendorFetch, type Query } from "../http";
import { checkBaseUrl } from "../schema";
import { ConnectorError, type ActionCall, type ConnectorType } from "../types";
import type { OpenApiAuth, OpenApiBinding } from "./import";

export { importOpenApi, parseOpenApiDocument, type OpenApiImport, type OpenApiAuth } from "./import";

const endpoint = (config: Record<string, unknown>) => {
  const base = str(config, "base_url");
  if (!base) throw new ConnectorError("The API base URL is not configured (the document has no servers[0].url)", { status: 400 });
  return base;
};

function authOf(config: Record<string, unknown>): OpenApiAuth {
  const a = config.auth as OpenApiAuth | undefined;
  return a && typeof a === "object" && typeof a.type === "string" ? a : { type: "none" };
}

function authHeaders(config: Record<string, unknown>, cred: Record<string, string>): { headers: Record<string, string>; query: Query } {
  const auth = authOf(config);
  switch (auth.type) {
    case "bearer":
      if (!cred.token) throw new ConnectorError("Bearer token missing", { status: 401 });
      return { headers: { authorization: `Bearer ${cred.token}` }, query: {} };
    case "basic": {
      const user = str(config, "username");
      if (!user || !cred.password) throw new ConnectorError("Username or password missing", { status: 401 });
      return { headers: { authorization: basic(user, cred.password) }, query: {} };
    }
    case "apiKey":
      if (!cred.api_key) throw new ConnectorError("API key missing", { status: 401 });
      return auth.in === "header" ? { headers: { [auth.name.toLowerCase()]: cred.api_key }, query: {} } : { headers: {}, query: { [auth.name]: cred.api_key } };
    default:
      return { headers: {}, query: {} };
  }
}

const genericError = (body: unknown): string | undefined => {
  if (!body || typeof body !== "object") return undefined;
  const b = body as Record<string, any>;
  const m = b.message ?? b.error_description ?? b.detail ?? b.title ?? (typeof b.error === "string" ? b.error : b.error?.message);
  return typeof m === "string" ? m : undefined;
};

type Call = Pick<ActionCall, "connector" | "credential" | "signal">;

async function send(call: Call, method: string, path: string, query: Query, headers: Record<string, string>, json?: unknown) {
  const cred = readCredential(call.credential);
  const auth = authHeaders(call.connector.config, cred);
  return vendorFetch({
    vendor: String(call.connector.config.title ?? "API"),
    method: method as "GET",
    url: joinUrl(endpoint(call.connector.config), path),
    query: { ...query, ...auth.query },
    json,
    signal: call.signal,
    headers: () => ({ ...headers, ...auth.headers }),
    errorMessage: genericError,
  });
}

export const openapi: ConnectorType = {
  type: "openapi",
  name: "OpenAPI",
  description: "Any REST API with an OpenAPI 3 document: pick the operations to expose.",
  credentialType: "api_credential",
  credentialFields: [
    { name: "token", label: "Bearer token", secret: true, optional: true, help: "When the API uses bearer (or OAuth) auth" },
    { name: "username", label: "Username", secret: false, optional: true, help: "When the API uses basic auth" },
    { name: "password", label: "Password", secret: true, optional: true, help: "When the API uses basic auth" },
    { name: "api_key", label: "API key", secret: true, optional: true, help: "When the API uses an API key header" },
  ],
  configFields: [
    { name: "base_url", label: "API base URL", secret: false, optional: true, help: "Default: the document's servers[0].url" },
    { name: "test_path", label: "Test path", secret: false, optional: true, help: "A read-only GET path for Test Connection (default: the base URL)" },
  ],
  actions: [],
  validateConfig: (config) => {
    const base_url = checkBaseUrl(config.base_url);
    if (!base_url) throw new ConnectorError("base_url is required (the document has no absolute servers[0].url)", { status: 400 });
    const test_path = typeof config.test_path === "string" && config.test_path.trim() ? config.test_path.trim() : undefined;
    if (test_path && (!test_path.startsWith("/") || test_path.includes("//") || /\s/.test(test_path))) {
      throw new ConnectorError("test_path must be a path starting with /", { status: 400 });
    }
    const auth = config.auth && typeof config.auth === "object" ? config.auth : { type: "none" };
    const username = typeof config.username === "string" && config.username.trim() ? config.username.trim().slice(0, 200) : undefined;
    const title = typeof config.title === "string" ? config.title.slice(0, 200) : undefined;
    const version = typeof config.version === "string" ? config.version.slice(0, 50) : undefined;
    // Only known, non-secret keys are kept: configuration is shown to admins and in the Change Log.
    return { base_url, auth, ...(title ? { title } : {}), ...(version ? { version } : {}), ...(username ? { username } : {}), ...(test_path ? { test_path } : {}) };
  },
  endpoint,

  async test(call) {
    const path = str(call.connector.config, "test_path");
    try {
      await send(call, "GET", path ?? "/", {}, {});
    } catch (err) {
      // Without a configured test path, the base URL may well be 404: reachability and auth are what count.
      const status = err instanceof ConnectorError ? err.options.status : undefined;
      if (!path && status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429) return;
      throw err;
    }
  },

  async execute(call) {
    const b = call.action.binding as unknown as OpenApiBinding;
    if (!b?.method || !b.path) throw new ConnectorError("This action has no OpenAPI binding", { status: 400 });
    let path = b.path;
    const query: Query = {};
    const headers: Record<string, string> = {};
    for (const p of b.params ?? []) {
      const v = call.args[p.arg];
      if (v === undefined || v === null) {
        if (p.in === "path") throw new ConnectorError(`Missing argument: ${p.arg}`, { status: 400 });
        continue;
      }
      const s = typeof v === "object" ? JSON.stringify(v) : String(v);
      if (p.in === "path") path = path.split(`{${p.name}}`).join(seg(s));
      else if (p.in === "query") query[p.name] = Array.isArray(v) ? (v as string[]) : s;
      else if (p.in === "header") headers[p.name.toLowerCase()] = s.replace(/[\r\n]/g, " ");
    }
    const body = b.body && call.args.body !== undefined ? call.args.body : undefined;
    const r = await send(call, b.method, path, query, headers, body);
    const data = r.data;
    return ok(data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : { status: r.status, result: data ?? null });
  },
};
