// Every vendor action against a local fake of the vendor's API: method, path, auth header and body
// as the vendor documents them; vendor errors come back with the vendor's message, never a credential.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forgetGithubInstallationTokens } from "@/lib/connectors/github";
import { ConnectorError } from "@/lib/connectors/types";
import { allowLoopback, direct, directTest, structured } from "./connectors-helpers";
import { GITHUB_APP_ID, GITHUB_INSTALLATION_ID, GITHUB_PAT, githubAppKeys, startGithubFake, type GithubFake } from "./fakes/github";
import type { Fake } from "./fakes/http";
import { JIRA_EMAIL, JIRA_TOKEN, startJiraFake } from "./fakes/jira";
import { SF_TOKEN, startSalesforceFake } from "./fakes/salesforce";
import { SLACK_BOT, SLACK_USER, startSlackFake } from "./fakes/slack";
import { startZendeskFake, ZENDESK_EMAIL, ZENDESK_TOKEN, type ZendeskFake } from "./fakes/zendesk";

let zd: ZendeskFake, slack: Fake, gh: GithubFake, jira: Fake, sf: Fake;
beforeAll(async () => {
  allowLoopback();
  [zd, slack, gh, jira, sf] = await Promise.all([startZendeskFake(), startSlackFake(), startGithubFake(), startJiraFake(), startSalesforceFake()]);
});
afterAll(async () => {
  for (const f of [zd, slack, gh, jira, sf]) {
    expect(f.violations).toEqual([]);
    await f.close();
  }
});

async function rejects(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectorError);
    return err as ConnectorError;
  }
  throw new Error("expected a ConnectorError");
}

describe("Zendesk", () => {
  const cfg = () => ({ subdomain: "acme", email: ZENDESK_EMAIL, base_url: zd.url });
  const cred = { api_token: ZENDESK_TOKEN };

  it("test call: GET /api/v2/users/me.json with email/token basic auth", async () => {
    await directTest("zendesk", cfg(), cred);
    const r = zd.requests.at(-1)!;
    expect(r.method).toBe("GET");
    expect(r.path).toBe("/api/v2/users/me.json");
    expect(Buffer.from(String(r.headers.authorization).slice(6), "base64").toString()).toBe(`${ZENDESK_EMAIL}/token:${ZENDESK_TOKEN}`);
  });

  it("list_tickets walks cursor pages (page[size] / page[after])", async () => {
    const first = structured(await direct("zendesk", cfg(), cred, "list_tickets", { page_size: 2 }));
    expect(first.tickets).toHaveLength(2);
    expect(first.next_cursor).toBeTruthy();
    expect(zd.requests.at(-1)!.query.get("page[size]")).toBe("2");
    const second = structured(await direct("zendesk", cfg(), cred, "list_tickets", { page_size: 2, cursor: first.next_cursor }));
    expect(zd.requests.at(-1)!.query.get("page[after]")).toBe(first.next_cursor);
    expect(second.tickets[0].id).not.toBe(first.tickets[0].id);
    const filtered = structured(await direct("zendesk", cfg(), cred, "list_tickets", { status: "pending" }));
    expect(zd.requests.at(-1)!.path).toBe("/api/v2/search/export.json");
    expect(filtered.tickets.every((t: any) => t.status === "pending")).toBe(true);
  });

  it("get / create / update / delete ticket", async () => {
    expect(structured(await direct("zendesk", cfg(), cred, "get_ticket", { id: 1 })).ticket.id).toBe(1);
    const created = structured(await direct("zendesk", cfg(), cred, "create_ticket", { subject: "Printer on fire", description: "It is on fire", priority: "urgent" })).ticket;
    let r = zd.requests.at(-1)!;
    expect([r.method, r.path]).toEqual(["POST", "/api/v2/tickets.json"]);
    expect(r.body).toEqual({ ticket: { subject: "Printer on fire", comment: { body: "It is on fire" }, priority: "urgent" } });
    const updated = structured(await direct("zendesk", cfg(), cred, "update_ticket", { id: created.id, status: "solved", comment: "Extinguished" })).ticket;
    r = zd.requests.at(-1)!;
    expect([r.method, r.path]).toEqual(["PUT", `/api/v2/tickets/${created.id}.json`]);
    expect(r.body).toEqual({ ticket: { status: "solved", comment: { body: "Extinguished", public: true } } });
    expect(updated.status).toBe("solved");
    expect(structured(await direct("zendesk", cfg(), cred, "delete_ticket", { id: created.id }))).toEqual({ deleted: true, id: created.id });
    expect(zd.requests.at(-1)!.method).toBe("DELETE");
    expect(zd.tickets.has(created.id)).toBe(false);
  });

  it("vendor errors carry Zendesk's message, not the token", async () => {
    const e = await rejects(direct("zendesk", cfg(), cred, "get_ticket", { id: 424242 }));
    expect(e.message).toContain("RecordNotFound");
    expect(e.options.status).toBe(404);
    const bad = await rejects(directTest("zendesk", cfg(), { api_token: "wrong-token-123456" }));
    expect(bad.message).toContain("Couldn't authenticate you");
    expect(bad.message).not.toContain("wrong-token");
  });

  it("429 answers give Retry-After to the caller", async () => {
    zd.queued.push({ status: 429, headers: { "retry-after": "17" }, body: { error: "TooManyRequests", description: "Rate limit exceeded" } });
    const e = await rejects(direct("zendesk", cfg(), cred, "get_ticket", { id: 1 }));
    expect(e.options).toMatchObject({ status: 429, retryAfterSeconds: 17, transient: true });
  });
});

describe("Slack", () => {
  const cfg = () => ({ base_url: `${slack.url}/api` });
  const cred = { bot_token: SLACK_BOT, user_token: SLACK_USER };

  it("test call: auth.test with the bot token", async () => {
    await directTest("slack", cfg(), cred);
    const r = slack.requests.at(-1)!;
    expect([r.method, r.path, r.headers.authorization]).toEqual(["POST", "/api/auth.test", `Bearer ${SLACK_BOT}`]);
  });

  it("list_channels pages with response_metadata.next_cursor", async () => {
    const first = structured(await direct("slack", cfg(), cred, "list_channels", { limit: 3 }));
    expect(first.channels).toHaveLength(3);
    expect(first.next_cursor).toBeTruthy();
    const second = structured(await direct("slack", cfg(), cred, "list_channels", { limit: 3, cursor: first.next_cursor }));
    expect(second.channels).toHaveLength(2);
    expect(second.next_cursor).toBeNull();
    expect(slack.requests.at(-1)!.query.get("cursor")).toBe(first.next_cursor);
  });

  it("send_message posts JSON to chat.postMessage", async () => {
    const out = structured(await direct("slack", cfg(), cred, "send_message", { channel: "C01", text: "hello", thread_ts: "1700000000.000001" }));
    const r = slack.requests.at(-1)!;
    expect(r.body).toEqual({ channel: "C01", text: "hello", thread_ts: "1700000000.000001" });
    expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(out.ts).toBeTruthy();
    const e = await rejects(direct("slack", cfg(), cred, "send_message", { channel: "C99", text: "x" }));
    expect(e.message).toBe("Slack error: channel_not_found");
  });

  it("search_messages uses the user token, and says so when there is none", async () => {
    const out = structured(await direct("slack", cfg(), cred, "search_messages", { query: "invoice" }));
    expect(out.total).toBe(1);
    expect(slack.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SLACK_USER}`);
    const e = await rejects(direct("slack", cfg(), { bot_token: SLACK_BOT }, "search_messages", { query: "x" }));
    expect(e.message).toContain("user token");
  });

  it("HTTP 429 + Retry-After (Slack's rate limiting) reaches the caller", async () => {
    slack.queued.push({ status: 429, headers: { "retry-after": "30" }, body: { ok: false, error: "ratelimited" } });
    const e = await rejects(direct("slack", cfg(), cred, "list_channels", {}));
    expect(e.options).toMatchObject({ status: 429, retryAfterSeconds: 30, transient: true });
    expect(e.message).toContain("ratelimited");
  });

  it("missing_scope names the scope Slack says is needed", async () => {
    slack.queued.push({ status: 200, body: { ok: false, error: "missing_scope", needed: "channels:read", provided: "chat:write" } });
    const e = await rejects(direct("slack", cfg(), cred, "list_channels", {}));
    expect(e.message).toBe("Slack error: missing_scope (needs scope channels:read)");
  });

  it("ok:false invalid_auth is an auth failure", async () => {
    const e = await rejects(directTest("slack", cfg(), { bot_token: "xoxb-wrong-token-value" }));
    expect(e.message).toBe("Slack error: invalid_auth");
    expect(e.options.status).toBe(401);
  });
});

describe("GitHub", () => {
  const cfg = () => ({ base_url: gh.url });
  const cred = { token: GITHUB_PAT };

  it("test call and headers (Bearer, vnd.github+json, API version)", async () => {
    await directTest("github", cfg(), cred);
    const r = gh.requests.at(-1)!;
    expect(r.path).toBe("/user");
    expect(r.headers.authorization).toBe(`Bearer ${GITHUB_PAT}`);
  });

  it("list_issues drops pull requests and reads the next page from Link", async () => {
    const out = structured(await direct("github", cfg(), cred, "list_issues", { owner: "acme", repo: "widgets", per_page: 2 }));
    expect(out.issues).toHaveLength(2);
    expect(out.next_page).toBe(2);
    const last = structured(await direct("github", cfg(), cred, "list_issues", { owner: "acme", repo: "widgets", per_page: 2, page: 3 }));
    expect(last.issues).toHaveLength(0); // page 3 held only the PR, filtered out
    expect(last.next_page).toBeNull();
  });

  it("get_issue, create_issue, comment_on_issue, list_pull_requests", async () => {
    expect(structured(await direct("github", cfg(), cred, "get_issue", { owner: "acme", repo: "widgets", issue_number: 2 })).issue.number).toBe(2);
    const created = structured(await direct("github", cfg(), cred, "create_issue", { owner: "acme", repo: "widgets", title: "Bug", body: "Broken", labels: ["bug"] })).issue;
    expect(gh.requests.at(-1)!.body).toEqual({ title: "Bug", body: "Broken", labels: ["bug"] });
    expect(created.title).toBe("Bug");
    const comment = structured(await direct("github", cfg(), cred, "comment_on_issue", { owner: "acme", repo: "widgets", issue_number: created.number, body: "On it" })).comment;
    expect(gh.requests.at(-1)!.path).toBe(`/repos/acme/widgets/issues/${created.number}/comments`);
    expect(comment.body).toBe("On it");
    const prs = structured(await direct("github", cfg(), cred, "list_pull_requests", { owner: "acme", repo: "widgets", state: "all" }));
    expect(prs.pull_requests[0].number).toBe(99);
    expect(gh.requests.at(-1)!.query.get("state")).toBe("all");
  });

  it("errors: Not Found, rate limit reset", async () => {
    const nf = await rejects(direct("github", cfg(), cred, "get_issue", { owner: "acme", repo: "widgets", issue_number: 4040 }));
    expect(nf.message).toBe("GitHub error (404): Not Found");
    const rl = await rejects(direct("github", cfg(), cred, "list_issues", { owner: "acme", repo: "ratelimited" }));
    expect(rl.message).toContain("API rate limit exceeded");
    expect(rl.options.retryAfterSeconds).toBeGreaterThan(100);
  });

  it("GitHub App: RS256 JWT → installation token, cached until near expiry", async () => {
    forgetGithubInstallationTokens();
    const appCfg = { ...cfg(), app_id: GITHUB_APP_ID, installation_id: GITHUB_INSTALLATION_ID };
    const appCred = { private_key: githubAppKeys.privateKey };
    const before = gh.installationTokensIssued;
    await directTest("github", appCfg, appCred);
    expect(gh.requests.at(-1)!.path).toBe("/installation/repositories");
    const exchange = gh.requests.find((r) => r.path === `/app/installations/${GITHUB_INSTALLATION_ID}/access_tokens`)!;
    expect(exchange.method).toBe("POST");
    // direct() uses a fresh connector id per call: same id → cache hit is proven through one connector.
    const { getConnectorType } = await import("@/lib/connectors/catalog");
    const t = getConnectorType("github")!;
    const connector = { id: "7d7c1f3e-0000-4000-8000-000000000001", orgId: "7d7c1f3e-0000-4000-8000-000000000002", slug: "gh", type: "github", config: appCfg };
    const credential = () => Buffer.from(JSON.stringify(appCred));
    await t.execute({ connector, action: { name: "get_issue", binding: {} }, args: { owner: "acme", repo: "widgets", issue_number: 1 }, credential: credential(), requestId: "r1" });
    await t.execute({ connector, action: { name: "get_issue", binding: {} }, args: { owner: "acme", repo: "widgets", issue_number: 1 }, credential: credential(), requestId: "r2" });
    expect(gh.installationTokensIssued - before).toBe(2); // one for the test call, one for this connector (then cached)
    expect(gh.requests.at(-1)!.headers.authorization).toMatch(/^Bearer ghs_/);
  });
});

describe("Jira", () => {
  const cfg = () => ({ site: "acme", email: JIRA_EMAIL, base_url: jira.url });
  const cred = { api_token: JIRA_TOKEN };

  it("test call: /rest/api/3/myself with email:token basic auth", async () => {
    await directTest("jira", cfg(), cred);
    const r = jira.requests.at(-1)!;
    expect(r.path).toBe("/rest/api/3/myself");
    expect(Buffer.from(String(r.headers.authorization).slice(6), "base64").toString()).toBe(`${JIRA_EMAIL}:${JIRA_TOKEN}`);
  });

  it("search_issues uses POST /rest/api/3/search/jql with nextPageToken", async () => {
    const first = structured(await direct("jira", cfg(), cred, "search_issues", { jql: "project = PROJ", max_results: 2 }));
    expect(jira.requests.at(-1)!.path).toBe("/rest/api/3/search/jql");
    expect(first.issues).toHaveLength(2);
    const second = structured(await direct("jira", cfg(), cred, "search_issues", { jql: "project = PROJ", max_results: 2, next_page_token: first.next_page_token }));
    expect(jira.requests.at(-1)!.body.nextPageToken).toBe(first.next_page_token);
    expect(second.issues).toHaveLength(1);
    expect(second.next_page_token).toBeNull();
    const bad = await rejects(direct("jira", cfg(), cred, "search_issues", { jql: "INVALID ===" }));
    expect(bad.message).toContain("Error in the JQL Query");
  });

  it("429 with Retry-After", async () => {
    jira.queued.push({ status: 429, headers: { "retry-after": "5" }, body: { errorMessages: ["Rate limit exceeded."], errors: {} } });
    const e = await rejects(direct("jira", cfg(), cred, "get_issue", { issue: "PROJ-1" }));
    expect(e.options).toMatchObject({ status: 429, retryAfterSeconds: 5 });
    expect(e.message).toContain("Rate limit exceeded.");
  });

  it("get_issue, create_issue (ADF), transition_issue (by name), add_comment (ADF)", async () => {
    expect(structured(await direct("jira", cfg(), cred, "get_issue", { issue: "PROJ-1" })).issue.key).toBe("PROJ-1");
    const created = structured(await direct("jira", cfg(), cred, "create_issue", { project: "PROJ", summary: "New", description: "Line one\n\nLine two" })).issue;
    const body = jira.requests.at(-1)!.body;
    expect(body.fields.description).toEqual({ type: "doc", version: 1, content: [{ type: "paragraph", content: [{ type: "text", text: "Line one" }] }, { type: "paragraph", content: [{ type: "text", text: "Line two" }] }] });
    expect(body.fields.issuetype).toEqual({ name: "Task" });
    const t = structured(await direct("jira", cfg(), cred, "transition_issue", { issue: created.key, transition: "Done" }));
    expect(t).toEqual({ transitioned: true, issue: created.key, transition_id: "31" });
    expect(jira.requests.at(-1)!.body).toEqual({ transition: { id: "31" } });
    const c = structured(await direct("jira", cfg(), cred, "add_comment", { issue: "PROJ-1", body: "Looks good" })).comment;
    expect(c.id).toBe("10010");
    const nf = await rejects(direct("jira", cfg(), cred, "get_issue", { issue: "PROJ-999" }));
    expect(nf.message).toContain("Issue does not exist");
  });
});

describe("Salesforce", () => {
  const cfg = () => ({ instance_url: sf.url });
  const cred = { access_token: SF_TOKEN };

  it("test call: /services/data/v62.0/limits with the Bearer token", async () => {
    await directTest("salesforce", cfg(), cred);
    expect(sf.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SF_TOKEN}`);
  });

  it("query pages with nextRecordsUrl", async () => {
    const first = structured(await direct("salesforce", cfg(), cred, "query", { soql: "SELECT Id, Name FROM Account" }));
    expect(sf.requests.at(-1)!.query.get("q")).toBe("SELECT Id, Name FROM Account");
    expect(first.done).toBe(false);
    const second = structured(await direct("salesforce", cfg(), cred, "query", { next_records_url: first.next_records_url }));
    expect(second.done).toBe(true);
    const bad = await rejects(direct("salesforce", cfg(), cred, "query", { soql: "DROP TABLE x" }));
    expect(bad.message).toContain("MALFORMED_QUERY");
  });

  it("get_record, create_record, update_record", async () => {
    const rec = structured(await direct("salesforce", cfg(), cred, "get_record", { sobject: "Account", id: "001D000000IqhSLIAZ", fields: ["Name"] })).record;
    expect(rec.Name).toBe("Acme");
    const created = structured(await direct("salesforce", cfg(), cred, "create_record", { sobject: "Account", fields: { Name: "Initech" } }));
    expect(created.success).toBe(true);
    expect(sf.requests.at(-1)!.body).toEqual({ Name: "Initech" });
    expect(structured(await direct("salesforce", cfg(), cred, "update_record", { sobject: "Account", id: "001D000000IqhSLIAZ", fields: { Name: "Acme Inc" } }))).toEqual({ updated: true, id: "001D000000IqhSLIAZ" });
    expect(sf.requests.at(-1)!.method).toBe("PATCH");
    const bad = await rejects(direct("salesforce", cfg(), cred, "update_record", { sobject: "Account", id: "001D000000IqhSLIAZ", fields: { Bogus__c: 1 } }));
    expect(bad.message).toContain("INVALID_FIELD");
    const expired = await rejects(directTest("salesforce", cfg(), { access_token: "expired-token-abcdef" }));
    expect(expired.message).toContain("INVALID_SESSION_ID");
    expect(expired.options.status).toBe(401);
  });
});
