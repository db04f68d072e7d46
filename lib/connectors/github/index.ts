// GitHub REST API (https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server).
// Headers: Authorization: Bearer <token>, Accept: application/vnd.github+json,
// X-GitHub-Api-Version: 2022-11-28. Credentials: a personal access token, or GitHub App credentials
// (app id + private key PEM + installation id): an RS256 JWT (iss = app id, ≤ 10 min) is exchanged at
// POST /app/installations/{id}/access_tokens for an installation token (1 h), cached in memory until
// 5 minutes before it expires (keyed by connector and a hash of the credential, so a rotation
// invalidates it). Pagination: page / per_page, next page read from the Link header. Rate limits:
// 403/429 with X-RateLimit-Remaining: 0 + X-RateLimit-Reset, or Retry-After (secondary limits).
import { createHash, createPrivateKey } from "node:crypto";
import { SignJWT } from "jose";
import { joinUrl, ok, readCredential, requireArg, seg, str, vendorFetch, type Query } from "../http";
import { checkBaseUrl, checkPattern, defineAction, S } from "../schema";
import { ConnectorError, type ActionCall, type ConnectorType } from "../types";

const VENDOR = "GitHub";
const DEFAULT_BASE = "https://api.github.com";
const endpoint = (config: Record<string, unknown>) => str(config, "base_url") ?? DEFAULT_BASE;

type Call = Pick<ActionCall, "connector" | "credential" | "signal">;

const ghHeaders = (token: string) => ({
  authorization: `Bearer ${token}`,
  accept: "application/vnd.github+json",
  "x-github-api-version": "2022-11-28",
  "user-agent": "Fortress-MCP-Connector",
});

export function githubError(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  const b = body as Record<string, any>;
  const details = Array.isArray(b.errors)
    ? b.errors.map((e: any) => (typeof e === "string" ? e : e.message ?? [e.resource, e.field, e.code].filter(Boolean).join(" "))).filter(Boolean)
    : [];
  return [b.message, ...details].filter(Boolean).join(" — ") || undefined;
}

const installationTokens = new Map<string, { token: string; expiresAt: number }>();
/** Tests and rotations: forget cached installation tokens. */
export function forgetGithubInstallationTokens(): void {
  installationTokens.clear();
}

async function appToken(call: Call, cred: Record<string, string>): Promise<string> {
  const appId = str(call.connector.config, "app_id");
  const installationId = str(call.connector.config, "installation_id");
  if (!appId || !installationId || !cred.private_key) throw new ConnectorError("GitHub App id, installation id or private key missing", { status: 401 });
  const cacheKey = `${call.connector.id}:${createHash("sha256").update(call.credential).digest("base64url")}`;
  const cached = installationTokens.get(cacheKey);
  if (cached && cached.expiresAt - 5 * 60_000 > Date.now()) return cached.token;
  let key;
  try {
    key = createPrivateKey({ key: cred.private_key, format: "pem" });
  } catch {
    throw new ConnectorError("The GitHub App private key is not a valid PEM key", { status: 401 });
  }
  const now = Math.floor(Date.now() / 1000);
  // iat 60 s in the past against clock drift; exp at most 10 minutes ahead (GitHub's limit).
  const jwt = await new SignJWT({}).setProtectedHeader({ alg: "RS256" }).setIssuer(appId).setIssuedAt(now - 60).setExpirationTime(now + 540).sign(key);
  const r = await vendorFetch<{ token: string; expires_at: string }>({
    vendor: VENDOR,
    method: "POST",
    url: joinUrl(endpoint(call.connector.config), `/app/installations/${seg(installationId)}/access_tokens`),
    signal: call.signal,
    headers: () => ghHeaders(jwt),
    errorMessage: githubError,
  });
  const expiresAt = Date.parse(r.data.expires_at) || Date.now() + 55 * 60_000;
  installationTokens.set(cacheKey, { token: r.data.token, expiresAt });
  return r.data.token;
}

async function token(call: Call): Promise<{ token: string; mode: "pat" | "app" }> {
  const cred = readCredential(call.credential);
  if (cred.token) return { token: cred.token, mode: "pat" };
  if (cred.private_key) return { token: await appToken(call, cred), mode: "app" };
  throw new ConnectorError("GitHub token or App private key missing", { status: 401 });
}

async function gh<T = any>(call: Call, method: "GET" | "POST", path: string, opts: { query?: Query; json?: unknown } = {}) {
  const { token: t } = await token(call);
  return vendorFetch<T>({
    vendor: VENDOR,
    method,
    url: joinUrl(endpoint(call.connector.config), path),
    query: opts.query,
    json: opts.json,
    signal: call.signal,
    headers: () => ghHeaders(t),
    errorMessage: githubError,
  });
}

/** The page number of rel="next" in a Link header, or null. */
export function nextPage(link: string | null): number | null {
  if (!link) return null;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) {
      try {
        const p = new URL(m[1]).searchParams.get("page");
        return p ? Number(p) : null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

const repoProps = {
  owner: S.string("Repository owner (user or organisation)", { pattern: "^[A-Za-z0-9-]{1,39}$" }),
  repo: S.string("Repository name", { pattern: "^[A-Za-z0-9._-]{1,100}$" }),
};
const number = S.int("Issue number", { minimum: 1 });
const paging = {
  per_page: S.int("Results per page (1–100)", { minimum: 1, maximum: 100 }),
  page: S.int("Page number (from next_page)", { minimum: 1 }),
};

export const github: ConnectorType = {
  type: "github",
  name: "GitHub",
  description: "GitHub repositories: issues, comments and pull requests.",
  credentialType: "github_token_or_app",
  credentialFields: [
    { name: "token", label: "Personal access token", secret: true, optional: true, help: "Fine-grained token with Issues and Pull requests access; or use GitHub App fields" },
    { name: "private_key", label: "GitHub App private key (PEM)", secret: true, optional: true, help: "With App ID and Installation ID below" },
  ],
  configFields: [
    { name: "app_id", label: "GitHub App ID", secret: false, optional: true },
    { name: "installation_id", label: "Installation ID", secret: false, optional: true },
    { name: "base_url", label: "API base URL", secret: false, optional: true, help: "GitHub Enterprise Server: https://HOST/api/v3" },
  ],
  actions: [
    defineAction(
      "list_issues",
      "List a repository's issues (pull requests excluded), newest first.",
      { ...repoProps, state: S.enum("State (default open)", ["open", "closed", "all"]), labels: S.string("Comma-separated label names", { maxLength: 500 }), ...paging },
      ["owner", "repo"],
      { readOnly: true, title: "List issues" },
    ),
    defineAction("get_issue", "Get one issue.", { ...repoProps, issue_number: number }, ["owner", "repo", "issue_number"], { readOnly: true, title: "Get issue" }),
    defineAction(
      "create_issue",
      "Open an issue.",
      {
        ...repoProps,
        title: S.string("Title", { minLength: 1, maxLength: 256 }),
        body: S.string("Body (Markdown)", { maxLength: 65_536 }),
        labels: S.strings("Label names"),
        assignees: S.strings("Logins to assign"),
      },
      ["owner", "repo", "title"],
      { title: "Create issue" },
    ),
    defineAction(
      "comment_on_issue",
      "Comment on an issue or pull request.",
      { ...repoProps, issue_number: number, body: S.string("Comment (Markdown)", { minLength: 1, maxLength: 65_536 }) },
      ["owner", "repo", "issue_number", "body"],
      { title: "Comment on issue" },
    ),
    defineAction(
      "list_pull_requests",
      "List a repository's pull requests.",
      { ...repoProps, state: S.enum("State (default open)", ["open", "closed", "all"]), ...paging },
      ["owner", "repo"],
      { readOnly: true, title: "List pull requests" },
    ),
  ],
  validateConfig: (config) => {
    const base_url = checkBaseUrl(config.base_url);
    const app_id = checkPattern(config.app_id === undefined ? undefined : String(config.app_id), "app_id", /^\d{1,12}$/, "must be the App's numeric id", false);
    const installation_id = checkPattern(config.installation_id === undefined ? undefined : String(config.installation_id), "installation_id", /^\d{1,15}$/, "must be a numeric installation id", false);
    if (Boolean(app_id) !== Boolean(installation_id)) throw new ConnectorError("GitHub App needs both app_id and installation_id", { status: 400 });
    return { ...(app_id ? { app_id, installation_id } : {}), ...(base_url ? { base_url } : {}) };
  },
  endpoint,

  async test(call) {
    const { mode } = await token(call);
    // An installation token cannot read /user; it can list the installation's repositories.
    if (mode === "app") await gh(call, "GET", "/installation/repositories", { query: { per_page: 1 } });
    else await gh(call, "GET", "/user");
  },

  async execute(call) {
    const a = call.args;
    const repoPath = () => `/repos/${seg(requireArg<string>(a, "owner"))}/${seg(requireArg<string>(a, "repo"))}`;
    switch (call.action.name) {
      case "list_issues": {
        const r = await gh<any[]>(call, "GET", `${repoPath()}/issues`, {
          query: { state: a.state as string, labels: a.labels as string, per_page: (a.per_page as number) ?? 30, page: a.page as number },
        });
        // The issues endpoint also returns pull requests; they carry a pull_request key.
        const issues = (Array.isArray(r.data) ? r.data : []).filter((i) => !i.pull_request);
        return ok({ issues, next_page: nextPage(r.headers.get("link")) });
      }
      case "get_issue": {
        const r = await gh(call, "GET", `${repoPath()}/issues/${seg(requireArg<number>(a, "issue_number"))}`);
        return ok({ issue: r.data });
      }
      case "create_issue": {
        const body: Record<string, unknown> = { title: a.title };
        for (const k of ["body", "labels", "assignees"]) if (a[k] !== undefined) body[k] = a[k];
        const r = await gh(call, "POST", `${repoPath()}/issues`, { json: body });
        return ok({ issue: r.data });
      }
      case "comment_on_issue": {
        const r = await gh(call, "POST", `${repoPath()}/issues/${seg(requireArg<number>(a, "issue_number"))}/comments`, { json: { body: a.body } });
        return ok({ comment: r.data });
      }
      case "list_pull_requests": {
        const r = await gh<any[]>(call, "GET", `${repoPath()}/pulls`, { query: { state: a.state as string, per_page: (a.per_page as number) ?? 30, page: a.page as number } });
        return ok({ pull_requests: r.data ?? [], next_page: nextPage(r.headers.get("link")) });
      }
      default:
        throw new ConnectorError(`Unknown GitHub action: ${call.action.name}`, { status: 400 });
    }
  },
};
