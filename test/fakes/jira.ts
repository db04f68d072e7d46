// Fake Jira Cloud platform REST API v3 (developer.atlassian.com): basic auth email:api_token,
// POST /rest/api/3/search/jql with nextPageToken/isLast, ADF bodies for descriptions and comments,
// {"errorMessages": [...], "errors": {...}} errors, 204 for transitions.
import { basicOf, Fake, isJson, startFake, type FakeReply, type FakeRequest } from "./http";

export const JIRA_EMAIL = "bot@acme.example";
export const JIRA_TOKEN = "ATATT3xFfGF0fakejiratoken";

function isAdf(doc: any): boolean {
  return doc?.type === "doc" && doc.version === 1 && Array.isArray(doc.content) && doc.content.every((n: any) => typeof n.type === "string" && Array.isArray(n.content ?? []));
}

const issue = (n: number) => ({ id: String(10000 + n), key: `PROJ-${n}`, self: `https://acme.atlassian.net/rest/api/3/issue/${10000 + n}`, fields: { summary: `Issue ${n}`, status: { name: "To Do" } } });

export async function startJiraFake(): Promise<Fake> {
  const issues = Array.from({ length: 3 }, (_, i) => issue(i + 1));
  return startFake((req: FakeRequest, f): FakeReply => {
    if (basicOf(req.headers.authorization as string) !== `${JIRA_EMAIL}:${JIRA_TOKEN}`) {
      return { status: 401, body: { errorMessages: ["Client must be authenticated to access this resource."], errors: {} } };
    }
    if (req.headers.accept !== "application/json") return f.violation("Accept: application/json expected");
    const p = req.path;
    let m: RegExpExecArray | null;
    if (p === "/rest/api/3/myself" && req.method === "GET") return { status: 200, body: { accountId: "5b10a2844c20165700ede21g", emailAddress: JIRA_EMAIL, displayName: "Fortress Bot", active: true } };
    if (p === "/rest/api/3/search" ) return { status: 410, body: { errorMessages: ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."], errors: {} } };
    if (p === "/rest/api/3/search/jql" && req.method === "POST") {
      if (!isJson(req) || typeof req.body?.jql !== "string") return f.violation("search/jql: JSON body with jql expected");
      if (req.body.jql.includes("INVALID")) return { status: 400, body: { errorMessages: ["Error in the JQL Query: The character 'I' is a reserved JQL character."], errors: {} } };
      const max = req.body.maxResults ?? 50;
      const start = req.body.nextPageToken ? Number(Buffer.from(req.body.nextPageToken, "base64").toString()) : 0;
      const slice = issues.slice(start, start + max);
      const more = start + max < issues.length;
      return { status: 200, body: { issues: slice, isLast: !more, ...(more ? { nextPageToken: Buffer.from(String(start + max)).toString("base64") } : {}) } };
    }
    if ((m = /^\/rest\/api\/3\/issue\/([A-Z0-9-]+)$/.exec(p)) && req.method === "GET") {
      const found = issues.find((i) => i.key === m![1] || i.id === m![1]);
      return found ? { status: 200, body: found } : { status: 404, body: { errorMessages: ["Issue does not exist or you do not have permission to see it."], errors: {} } };
    }
    if (p === "/rest/api/3/issue" && req.method === "POST") {
      const fields = req.body?.fields;
      if (!isJson(req) || !fields) return f.violation("create issue: JSON {fields} expected");
      if (!fields.project?.key) return { status: 400, body: { errorMessages: [], errors: { project: "Specify a valid project ID or key" } } };
      if (!fields.issuetype?.name && !fields.issuetype?.id) return { status: 400, body: { errorMessages: [], errors: { issuetype: "Specify an issue type" } } };
      if (fields.description !== undefined && !isAdf(fields.description)) return { status: 400, body: { errorMessages: [], errors: { description: "Operation value must be an Atlassian Document (see the Atlassian Document Format)" } } };
      const created = issue(issues.length + 1);
      created.fields.summary = fields.summary;
      issues.push(created);
      return { status: 201, body: { id: created.id, key: created.key, self: created.self } };
    }
    if ((m = /^\/rest\/api\/3\/issue\/([A-Z0-9-]+)\/transitions$/.exec(p))) {
      if (!issues.some((i) => i.key === m![1])) return { status: 404, body: { errorMessages: ["Issue does not exist or you do not have permission to see it."], errors: {} } };
      if (req.method === "GET") return { status: 200, body: { transitions: [{ id: "11", name: "To Do", to: { name: "To Do" } }, { id: "21", name: "In Progress", to: { name: "In Progress" } }, { id: "31", name: "Done", to: { name: "Done" } }] } };
      if (req.method === "POST") {
        if (!isJson(req) || typeof req.body?.transition?.id !== "string") return f.violation("transition: JSON {transition: {id}} expected");
        if (!["11", "21", "31"].includes(req.body.transition.id)) return { status: 400, body: { errorMessages: ["Transition id '" + req.body.transition.id + "' is not valid for this issue."], errors: {} } };
        return { status: 204 };
      }
    }
    if ((m = /^\/rest\/api\/3\/issue\/([A-Z0-9-]+)\/comment$/.exec(p)) && req.method === "POST") {
      if (!isJson(req) || !isAdf(req.body?.body)) return { status: 400, body: { errorMessages: [], errors: { comment: "Comment body is not valid!" } } };
      return { status: 201, body: { id: "10010", self: `https://acme.atlassian.net/rest/api/3/issue/${m[1]}/comment/10010`, body: req.body.body, author: { displayName: "Fortress Bot" }, created: "2026-01-01T00:00:00.000+0000" } };
    }
    return { status: 404, body: { errorMessages: ["Not found"], errors: {} } };
  });
}
