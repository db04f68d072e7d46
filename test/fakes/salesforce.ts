// Fake Salesforce REST API (developer.salesforce.com, /services/data/vXX.X): Bearer access token,
// error arrays [{message, errorCode}], query with nextRecordsUrl, sObject create (201 {id, success,
// errors}) and PATCH update (204).
import { Fake, isJson, startFake, type FakeReply, type FakeRequest } from "./http";

export const SF_TOKEN = "00Dxx0000001gPL!AQ4AQFakeAccessToken";
const V = "/services/data/v62.0";

const account = (id: string, name: string) => ({ attributes: { type: "Account", url: `${V}/sobjects/Account/${id}` }, Id: id, Name: name });

export async function startSalesforceFake(): Promise<Fake> {
  const accounts = new Map([["001D000000IqhSLIAZ", account("001D000000IqhSLIAZ", "Acme")], ["001D000000IqhSMIAZ", account("001D000000IqhSMIAZ", "Globex")]]);
  return startFake((req: FakeRequest, f): FakeReply => {
    if (req.headers.authorization !== `Bearer ${SF_TOKEN}`) return { status: 401, body: [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }] };
    const p = req.path;
    let m: RegExpExecArray | null;
    if (p === `${V}/limits` && req.method === "GET") return { status: 200, body: { DailyApiRequests: { Max: 15000, Remaining: 14998 } } };
    if (p === `${V}/query` && req.method === "GET") {
      const q = req.query.get("q") ?? "";
      if (!/^SELECT\s+.+\s+FROM\s+\w+/i.test(q)) return { status: 400, body: [{ message: `unexpected token: '${q.split(" ")[0]}'`, errorCode: "MALFORMED_QUERY" }] };
      return { status: 200, body: { totalSize: 2, done: false, records: [[...accounts.values()][0]], nextRecordsUrl: `${V}/query/01gD0000002HU6KIAW-1` } };
    }
    if (p === `${V}/query/01gD0000002HU6KIAW-1` && req.method === "GET") return { status: 200, body: { totalSize: 2, done: true, records: [[...accounts.values()][1]] } };
    if ((m = new RegExp(`^${V}/sobjects/(\\w+)/?$`).exec(p)) && req.method === "POST") {
      if (!isJson(req) || typeof req.body !== "object") return f.violation("create: JSON object of fields expected");
      if (m[1] !== "Account") return { status: 404, body: [{ message: `The requested resource does not exist`, errorCode: "NOT_FOUND" }] };
      if (!req.body.Name) return { status: 400, body: [{ message: "Required fields are missing: [Name]", errorCode: "REQUIRED_FIELD_MISSING", fields: ["Name"] }] };
      const id = `001D000000Iqh${String(accounts.size).padStart(2, "0")}XIAZ`.slice(0, 18);
      accounts.set(id, account(id, req.body.Name));
      return { status: 201, body: { id, success: true, errors: [] } };
    }
    if ((m = new RegExp(`^${V}/sobjects/(\\w+)/(\\w+)$`).exec(p))) {
      const rec = m[1] === "Account" ? accounts.get(m[2]) : undefined;
      if (!rec) return { status: 404, body: [{ message: "The requested resource does not exist", errorCode: "NOT_FOUND" }] };
      if (req.method === "GET") {
        const fields = req.query.get("fields");
        if (!fields) return { status: 200, body: rec };
        const out: Record<string, unknown> = { attributes: rec.attributes };
        for (const k of fields.split(",")) out[k] = (rec as Record<string, unknown>)[k] ?? null;
        return { status: 200, body: out };
      }
      if (req.method === "PATCH") {
        if (!isJson(req)) return f.violation("update: JSON body expected");
        if ("Bogus__c" in req.body) return { status: 400, body: [{ message: "No such column 'Bogus__c' on sobject of type Account", errorCode: "INVALID_FIELD" }] };
        Object.assign(rec, req.body);
        return { status: 204 };
      }
    }
    return { status: 404, body: [{ message: "The requested resource does not exist", errorCode: "NOT_FOUND" }] };
  });
}
