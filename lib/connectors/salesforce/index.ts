// Salesforce REST API ({instance_url}/services/data/vXX.X). Auth: an OAuth 2.0 access token sent as
// Bearer (obtained by the customer's connected app; Fortress does not run the OAuth dance). Errors
// are an array: [{"message": "...", "errorCode": "INVALID_FIELD", "fields": [...]}]; an expired token
// answers 401 INVALID_SESSION_ID. Query results page with nextRecordsUrl.
import { joinUrl, ok, readCredential, requireArg, seg, str, vendorFetch, type Query } from "../http";
import { checkBaseUrl, checkPattern, defineAction, S } from "../schema";
import { ConnectorError, type ActionCall, type ConnectorType } from "../types";

const VENDOR = "Salesforce";
export const SALESFORCE_DEFAULT_API_VERSION = "62.0";

function endpoint(config: Record<string, unknown>): string {
  const base = str(config, "instance_url");
  if (!base) throw new ConnectorError("Salesforce instance URL is not configured", { status: 400 });
  return base;
}

export function salesforceError(body: unknown): string | undefined {
  const list = Array.isArray(body) ? body : body && typeof body === "object" ? [body] : [];
  const msgs = list.map((e: any) => [e?.errorCode, e?.message].filter(Boolean).join(": ")).filter(Boolean);
  return msgs.join("; ") || undefined;
}

type Call = Pick<ActionCall, "connector" | "credential" | "signal">;

function sf<T = any>(call: Call, method: "GET" | "POST" | "PATCH", path: string, opts: { query?: Query; json?: unknown } = {}) {
  const cred = readCredential(call.credential);
  if (!cred.access_token) throw new ConnectorError("Salesforce access token missing", { status: 401 });
  const version = str(call.connector.config, "api_version") ?? SALESFORCE_DEFAULT_API_VERSION;
  return vendorFetch<T>({
    vendor: VENDOR,
    method,
    url: joinUrl(endpoint(call.connector.config), path.startsWith("/services/") ? path : `/services/data/v${version}${path}`),
    query: opts.query,
    json: opts.json,
    signal: call.signal,
    headers: () => ({ authorization: `Bearer ${cred.access_token}` }),
    errorMessage: salesforceError,
  });
}

const sobject = S.string("sObject API name (Account, Contact, Case, My_Object__c)", { pattern: "^[A-Za-z][A-Za-z0-9_]{0,79}$" });
const recordId = S.string("Record id (15 or 18 characters)", { pattern: "^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$" });

export const salesforce: ConnectorType = {
  type: "salesforce",
  name: "Salesforce",
  description: "Salesforce records: SOQL queries, read, create, update.",
  credentialType: "oauth_token",
  credentialFields: [{ name: "access_token", label: "OAuth access token", secret: true, help: "From your connected app (api scope)" }],
  configFields: [
    { name: "instance_url", label: "Instance URL", secret: false, help: "https://yourdomain.my.salesforce.com" },
    { name: "api_version", label: "API version", secret: false, optional: true, help: `Default ${SALESFORCE_DEFAULT_API_VERSION}` },
  ],
  actions: [
    defineAction(
      "query",
      "Run a SOQL query (SELECT Id, Name FROM Account LIMIT 10). Pass next_records_url to read the next page.",
      {
        soql: S.string("SOQL query", { minLength: 1, maxLength: 20_000 }),
        next_records_url: S.string("nextRecordsUrl from the previous page", { pattern: "^/services/data/v\\d+\\.\\d+/query/[A-Za-z0-9-]+$" }),
      },
      [],
      { readOnly: true, title: "SOQL query" },
    ),
    defineAction(
      "get_record",
      "Get one record by sObject type and id.",
      { sobject, id: recordId, fields: S.strings("Fields to return (default: all)") },
      ["sobject", "id"],
      { readOnly: true, title: "Get record" },
    ),
    defineAction("create_record", "Create a record.", { sobject, fields: S.object("Field values, by API name") }, ["sobject", "fields"], { title: "Create record" }),
    defineAction("update_record", "Update fields of a record.", { sobject, id: recordId, fields: S.object("Field values to set, by API name") }, ["sobject", "id", "fields"], {
      title: "Update record",
    }),
  ],
  validateConfig: (config) => {
    const instance_url = checkBaseUrl(config.instance_url, "instance_url");
    if (!instance_url) throw new ConnectorError("instance_url is required", { status: 400 });
    const api_version = checkPattern(config.api_version, "api_version", /^\d{2}\.\d$/, "must look like 62.0", false);
    return { instance_url, ...(api_version ? { api_version } : {}) };
  },
  endpoint,

  async test(call) {
    await sf(call, "GET", "/limits");
  },

  async execute(call) {
    const a = call.args;
    switch (call.action.name) {
      case "query": {
        let r;
        if (a.next_records_url) r = await sf(call, "GET", a.next_records_url as string);
        else if (a.soql) r = await sf(call, "GET", "/query", { query: { q: a.soql as string } });
        else throw new ConnectorError("Give soql or next_records_url", { status: 400 });
        return ok({ total_size: r.data.totalSize, done: r.data.done, records: r.data.records ?? [], next_records_url: r.data.nextRecordsUrl ?? null });
      }
      case "get_record": {
        const fields = a.fields as string[] | undefined;
        const r = await sf(call, "GET", `/sobjects/${seg(requireArg<string>(a, "sobject"))}/${seg(requireArg<string>(a, "id"))}`, {
          query: fields?.length ? { fields: fields.join(",") } : undefined,
        });
        return ok({ record: r.data });
      }
      case "create_record": {
        const r = await sf(call, "POST", `/sobjects/${seg(requireArg<string>(a, "sobject"))}/`, { json: requireArg(a, "fields") });
        return ok({ id: r.data.id, success: r.data.success, errors: r.data.errors ?? [] });
      }
      case "update_record": {
        const id = requireArg<string>(a, "id");
        await sf(call, "PATCH", `/sobjects/${seg(requireArg<string>(a, "sobject"))}/${seg(id)}`, { json: requireArg(a, "fields") });
        return ok({ updated: true, id });
      }
      default:
        throw new ConnectorError(`Unknown Salesforce action: ${call.action.name}`, { status: 400 });
    }
  },
};
