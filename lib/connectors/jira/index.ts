// Jira Cloud platform REST API v3 (https://{site}.atlassian.net/rest/api/3). Auth: HTTP Basic with
// the account email and an API token. Search uses the current JQL endpoint POST /rest/api/3/search/jql
// (token pagination: nextPageToken / isLast; the old /rest/api/3/search is retired). Rich text
// (descriptions, comments) is Atlassian Document Format. Errors: {"errorMessages": [...],
// "errors": {field: message}}. 429 answers carry Retry-After.
import { basic, joinUrl, ok, readCredential, requireArg, seg, str, vendorFetch } from "../http";
import { checkBaseUrl, checkPattern, defineAction, S } from "../schema";
import { ConnectorError, type ActionCall, type ConnectorType } from "../types";

const VENDOR = "Jira";

function endpoint(config: Record<string, unknown>): string {
  const base = str(config, "base_url");
  if (base) return base;
  const site = str(config, "site");
  if (!site) throw new ConnectorError("Jira site is not configured", { status: 400 });
  return `https://${site}.atlassian.net`;
}

export function jiraError(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  const b = body as Record<string, any>;
  const msgs = [...(Array.isArray(b.errorMessages) ? b.errorMessages : [])];
  if (b.errors && typeof b.errors === "object") for (const [k, v] of Object.entries(b.errors)) msgs.push(`${k}: ${v}`);
  if (typeof b.message === "string") msgs.push(b.message);
  return msgs.join("; ") || undefined;
}

/** Plain text → Atlassian Document Format: one paragraph per blank-line-separated block. */
export function toAdf(text: string): Record<string, unknown> {
  const paragraphs = text.split(/\n{2,}/).filter((p) => p.length > 0);
  return {
    type: "doc",
    version: 1,
    content: paragraphs.map((p) => {
      const lines = p.split("\n");
      const content: Record<string, unknown>[] = [];
      lines.forEach((line, i) => {
        if (i > 0) content.push({ type: "hardBreak" });
        if (line) content.push({ type: "text", text: line });
      });
      return { type: "paragraph", content };
    }),
  };
}

type Call = Pick<ActionCall, "connector" | "credential" | "signal">;

function jira<T = any>(call: Call, method: "GET" | "POST", path: string, json?: unknown) {
  const cred = readCredential(call.credential);
  const email = str(call.connector.config, "email");
  if (!email || !cred.api_token) throw new ConnectorError("Jira email or API token missing", { status: 401 });
  return vendorFetch<T>({
    vendor: VENDOR,
    method,
    url: joinUrl(endpoint(call.connector.config), `/rest/api/3${path}`),
    json,
    signal: call.signal,
    headers: () => ({ authorization: basic(email, cred.api_token) }),
    errorMessage: jiraError,
  });
}

const issueKey = S.string("Issue key or id (PROJ-123)", { pattern: "^([A-Z][A-Z0-9_]+-\\d+|\\d+)$" });

export const jira_: ConnectorType = {
  type: "jira",
  name: "Jira",
  description: "Jira Cloud issues: JQL search, read, create, transition, comment.",
  credentialType: "api_token",
  credentialFields: [{ name: "api_token", label: "API token", secret: true, help: "id.atlassian.com → Security → API tokens" }],
  configFields: [
    { name: "site", label: "Site", secret: false, help: "acme for acme.atlassian.net" },
    { name: "email", label: "Account email", secret: false },
    { name: "base_url", label: "API base URL override", secret: false, optional: true },
  ],
  actions: [
    defineAction(
      "search_issues",
      "Search issues with JQL (bounded query, e.g. project = PROJ AND status = \"In Progress\"). Token-paginated.",
      {
        jql: S.string("JQL query", { minLength: 1, maxLength: 2000 }),
        max_results: S.int("Issues per page (1–100)", { minimum: 1, maximum: 100 }),
        fields: S.strings("Fields to return (default summary, status, assignee, priority, updated)"),
        next_page_token: S.string("next_page_token from the previous page", { maxLength: 2000 }),
      },
      ["jql"],
      { readOnly: true, title: "Search issues" },
    ),
    defineAction("get_issue", "Get one issue.", { issue: issueKey, fields: S.strings("Fields to return") }, ["issue"], { readOnly: true, title: "Get issue" }),
    defineAction(
      "create_issue",
      "Create an issue in a project.",
      {
        project: S.string("Project key", { pattern: "^[A-Z][A-Z0-9_]{0,20}$" }),
        summary: S.string("Summary", { minLength: 1, maxLength: 255 }),
        issue_type: S.string("Issue type name (default Task)", { maxLength: 60 }),
        description: S.string("Description (plain text)", { maxLength: 32_000 }),
        labels: S.strings("Labels"),
      },
      ["project", "summary"],
      { title: "Create issue" },
    ),
    defineAction(
      "transition_issue",
      "Move an issue through its workflow, by transition id or name (\"Done\").",
      { issue: issueKey, transition_id: S.string("Transition id", { pattern: "^\\d+$" }), transition: S.string("Transition name", { maxLength: 100 }) },
      ["issue"],
      { title: "Transition issue" },
    ),
    defineAction(
      "add_comment",
      "Comment on an issue.",
      { issue: issueKey, body: S.string("Comment (plain text)", { minLength: 1, maxLength: 32_000 }) },
      ["issue", "body"],
      { title: "Add comment" },
    ),
  ],
  validateConfig: (config) => {
    const base_url = checkBaseUrl(config.base_url);
    let site = typeof config.site === "string" ? config.site.trim().replace(/^https?:\/\//, "").replace(/\.atlassian\.net\/?$/, "") : config.site;
    site = checkPattern(site, "site", /^[a-z0-9][a-z0-9-]{0,62}$/i, "must be your Atlassian site (acme for acme.atlassian.net)", !base_url);
    const email = checkPattern(config.email, "email", /^[^\s@]+@[^\s@]+$/, "must be the account's email address");
    return { site, email, ...(base_url ? { base_url } : {}) };
  },
  endpoint,

  async test(call) {
    await jira(call, "GET", "/myself");
  },

  async execute(call) {
    const a = call.args;
    switch (call.action.name) {
      case "search_issues": {
        const body: Record<string, unknown> = {
          jql: a.jql,
          maxResults: (a.max_results as number) ?? 50,
          fields: (a.fields as string[]) ?? ["summary", "status", "assignee", "priority", "updated"],
        };
        if (a.next_page_token) body.nextPageToken = a.next_page_token;
        const r = await jira(call, "POST", "/search/jql", body);
        return ok({ issues: r.data.issues ?? [], next_page_token: r.data.isLast === false || r.data.nextPageToken ? r.data.nextPageToken ?? null : null });
      }
      case "get_issue": {
        const fields = a.fields as string[] | undefined;
        const q = fields?.length ? `?fields=${encodeURIComponent(fields.join(","))}` : "";
        const r = await jira(call, "GET", `/issue/${seg(requireArg<string>(a, "issue"))}${q}`);
        return ok({ issue: r.data });
      }
      case "create_issue": {
        const fields: Record<string, unknown> = {
          project: { key: a.project },
          summary: a.summary,
          issuetype: { name: (a.issue_type as string) ?? "Task" },
        };
        if (a.description) fields.description = toAdf(a.description as string);
        if (a.labels) fields.labels = a.labels;
        const r = await jira(call, "POST", "/issue", { fields });
        return ok({ issue: r.data });
      }
      case "transition_issue": {
        const issue = requireArg<string>(a, "issue");
        let id = a.transition_id as string | undefined;
        if (!id) {
          const name = a.transition as string | undefined;
          if (!name) throw new ConnectorError("Give transition_id or transition (its name)", { status: 400 });
          const t = await jira(call, "GET", `/issue/${seg(issue)}/transitions`);
          const found = (t.data.transitions ?? []).find((x: any) => String(x.name).toLowerCase() === name.toLowerCase() || String(x.to?.name).toLowerCase() === name.toLowerCase());
          if (!found) {
            const names = (t.data.transitions ?? []).map((x: any) => x.name).join(", ");
            throw new ConnectorError(`Jira: no transition named "${name}" for ${issue} (available: ${names || "none"})`, { status: 400 });
          }
          id = String(found.id);
        }
        await jira(call, "POST", `/issue/${seg(issue)}/transitions`, { transition: { id } });
        return ok({ transitioned: true, issue, transition_id: id });
      }
      case "add_comment": {
        const r = await jira(call, "POST", `/issue/${seg(requireArg<string>(a, "issue"))}/comment`, { body: toAdf(a.body as string) });
        return ok({ comment: r.data });
      }
      default:
        throw new ConnectorError(`Unknown Jira action: ${call.action.name}`, { status: 400 });
    }
  },
};
export { jira_ as jira };
