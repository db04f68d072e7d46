// Fake GitHub REST API (docs.github.com): Bearer tokens, Accept: application/vnd.github+json,
// X-GitHub-Api-Version: 2022-11-28, a User-Agent; GitHub App installation tokens minted from an RS256
// JWT (iss = app id, exp ≤ 10 min); Link-header pagination; {message, documentation_url} errors;
// rate limits as 403 + x-ratelimit-remaining: 0 + x-ratelimit-reset.
import { generateKeyPairSync } from "node:crypto";
import { importSPKI, jwtVerify } from "jose";
import { Fake, isJson, startFake, type FakeReply, type FakeRequest } from "./http";

export const GITHUB_PAT = "github_pat_11FAKE0123456789abcdef";
export const GITHUB_APP_ID = "123456";
export const GITHUB_INSTALLATION_ID = "987654";
export const githubAppKeys = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });

export interface GithubFake extends Fake {
  installationTokensIssued: number;
}

const issue = (n: number, extra: Record<string, unknown> = {}) => ({
  id: 1000 + n,
  number: n,
  title: `Issue ${n}`,
  body: `Body ${n}`,
  state: "open",
  user: { login: "octocat", id: 1 },
  labels: [],
  html_url: `https://github.com/acme/widgets/issues/${n}`,
  ...extra,
});

export async function startGithubFake(): Promise<GithubFake> {
  const issues = Array.from({ length: 4 }, (_, i) => issue(i + 1));
  const installationTokens = new Set<string>();
  const fake = (await startFake(async (req: FakeRequest, f): Promise<FakeReply> => {
    if (req.headers.accept !== "application/vnd.github+json") return f.violation(`Accept must be application/vnd.github+json, got ${req.headers.accept}`);
    if (req.headers["x-github-api-version"] !== "2022-11-28") return f.violation("X-GitHub-Api-Version: 2022-11-28 missing");
    if (!req.headers["user-agent"]) return f.violation("GitHub requires a User-Agent");
    const auth = String(req.headers.authorization ?? "");
    if (!auth.startsWith("Bearer ")) return { status: 401, body: { message: "Requires authentication", documentation_url: "https://docs.github.com/rest" } };
    const token = auth.slice(7);
    let m: RegExpExecArray | null;
    if ((m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(req.path)) && req.method === "POST") {
      try {
        const { payload, protectedHeader } = await jwtVerify(token, await importSPKI(githubAppKeys.publicKey, "RS256"), { issuer: GITHUB_APP_ID });
        if (protectedHeader.alg !== "RS256") return f.violation("App JWT must be RS256");
        if ((payload.exp ?? 0) - Math.floor(Date.now() / 1000) > 600) return f.violation("App JWT exp more than 10 minutes ahead");
      } catch {
        return { status: 401, body: { message: "A JSON web token could not be decoded", documentation_url: "https://docs.github.com/rest" } };
      }
      if (m[1] !== GITHUB_INSTALLATION_ID) return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
      const t = `ghs_fakeinstallation${installationTokens.size}`;
      installationTokens.add(t);
      fake.installationTokensIssued++;
      return { status: 201, body: { token: t, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: { issues: "write" }, repository_selection: "all" } };
    }
    const isApp = installationTokens.has(token);
    if (token !== GITHUB_PAT && !isApp) return { status: 401, body: { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" } };
    if (req.path === "/user" && req.method === "GET") {
      if (isApp) return { status: 403, body: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" } };
      return { status: 200, body: { login: "octocat", id: 1, type: "User" } };
    }
    if (req.path === "/installation/repositories" && req.method === "GET") {
      if (!isApp) return { status: 403, body: { message: "Resource not accessible by personal access token" } };
      return { status: 200, body: { total_count: 1, repositories: [{ id: 1, full_name: "acme/widgets" }] } };
    }
    if (req.path === "/repos/acme/ratelimited/issues") {
      return { status: 403, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-limit": "5000", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 120) }, body: { message: "API rate limit exceeded for user ID 1.", documentation_url: "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting" } };
    }
    if (!(m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(req.path)) || m[1] !== "acme" || m[2] !== "widgets") {
      return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
    }
    const rest = m[3];
    if (rest === "/issues" && req.method === "GET") {
      const perPage = Number(req.query.get("per_page") ?? 30);
      const pageNo = Number(req.query.get("page") ?? 1);
      const all = [...issues, { ...issue(99), pull_request: { url: "https://api.github.com/repos/acme/widgets/pulls/99" } }].filter((i) => (req.query.get("state") ?? "open") === "all" || i.state === (req.query.get("state") ?? "open"));
      const slice = all.slice((pageNo - 1) * perPage, pageNo * perPage);
      const headers: Record<string, string> = { "x-ratelimit-remaining": "4999", "x-ratelimit-reset": "1700000000" };
      if (pageNo * perPage < all.length) headers.link = `<${fake.url}/repositories/1/issues?per_page=${perPage}&page=${pageNo + 1}>; rel="next", <${fake.url}/repositories/1/issues?per_page=${perPage}&page=9>; rel="last"`;
      return { status: 200, body: slice, headers };
    }
    if (rest === "/issues" && req.method === "POST") {
      if (!isJson(req)) return f.violation("create issue: JSON body expected");
      if (!req.body?.title) return { status: 422, body: { message: "Validation Failed", errors: [{ resource: "Issue", code: "missing_field", field: "title" }], documentation_url: "https://docs.github.com/rest/issues/issues#create-an-issue" } };
      const created = issue(issues.length + 1, { title: req.body.title, body: req.body.body ?? null, labels: (req.body.labels ?? []).map((name: string) => ({ name })) });
      issues.push(created);
      return { status: 201, body: created, headers: { location: `${fake.url}/repos/acme/widgets/issues/${created.number}` } };
    }
    if ((m = /^\/issues\/(\d+)$/.exec(rest)) && req.method === "GET") {
      const found = issues.find((i) => i.number === Number(m![1]));
      return found ? { status: 200, body: found } : { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest/issues/issues#get-an-issue" } };
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest)) && req.method === "POST") {
      if (!isJson(req) || typeof req.body?.body !== "string") return f.violation("comment: JSON {body} expected");
      return { status: 201, body: { id: 555, body: req.body.body, user: { login: isApp ? "fortress[bot]" : "octocat" }, html_url: `https://github.com/acme/widgets/issues/${m[1]}#issuecomment-555` } };
    }
    if (rest === "/pulls" && req.method === "GET") {
      return { status: 200, body: [{ id: 7, number: 99, title: "Add widget", state: req.query.get("state") ?? "open", head: { ref: "feature" }, base: { ref: "main" } }] };
    }
    return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
  })) as GithubFake;
  fake.installationTokensIssued = 0;
  return fake;
}
