// Slack Web API (https://slack.com/api/{method}). Auth: Bearer token. Every answer is HTTP 200 with
// {"ok": false, "error": "channel_not_found"} on failure, except rate limiting (HTTP 429 + Retry-After).
// Lists use cursor pagination (cursor / response_metadata.next_cursor).
// search.messages only accepts a USER token (xoxp-, scope search:read): bot tokens are refused by
// Slack, so the connector holds an optional user token used for that one action.
import { joinUrl, ok, readCredential, str, vendorFetch, type Query } from "../http";
import { checkBaseUrl, defineAction, S } from "../schema";
import { ConnectorError, type ActionCall, type ConnectorType } from "../types";

const VENDOR = "Slack";
const DEFAULT_BASE = "https://slack.com/api";

const endpoint = (config: Record<string, unknown>) => str(config, "base_url") ?? DEFAULT_BASE;

type Call = Pick<ActionCall, "connector" | "credential" | "signal">;

async function slack(call: Call, method: string, opts: { query?: Query; json?: unknown; token?: "bot" | "user" } = {}) {
  const cred = readCredential(call.credential);
  const token = opts.token === "user" ? cred.user_token : cred.bot_token;
  if (!token) {
    throw new ConnectorError(
      opts.token === "user"
        ? "search_messages needs a Slack user token (xoxp-, scope search:read): Slack refuses bot tokens for search. Add one to this connector."
        : "Slack bot token missing",
      { status: 401 },
    );
  }
  const r = await vendorFetch<Record<string, any>>({
    vendor: VENDOR,
    method: opts.json !== undefined ? "POST" : "GET",
    url: joinUrl(endpoint(call.connector.config), method),
    query: opts.query,
    json: opts.json,
    signal: call.signal,
    headers: () => ({
      authorization: `Bearer ${token}`,
      ...(opts.json !== undefined ? { "content-type": "application/json; charset=utf-8" } : {}),
    }),
    errorMessage: (b: any) => (b && typeof b === "object" ? b.error : undefined),
  });
  if (!r.data || r.data.ok !== true) {
    const error = r.data?.error ?? "unknown_error";
    const detail = error === "missing_scope" && r.data?.needed ? ` (needs scope ${r.data.needed})` : "";
    const authish = ["invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"].includes(error);
    throw new ConnectorError(`Slack error: ${error}${detail}`, { status: authish ? 401 : 400, transient: false });
  }
  return r.data;
}

export const slack_: ConnectorType = {
  type: "slack",
  name: "Slack",
  description: "Slack workspace: list channels, post messages, search messages.",
  credentialType: "oauth_token",
  credentialFields: [
    { name: "bot_token", label: "Bot token (xoxb-…)", secret: true, help: "Scopes: channels:read, chat:write" },
    { name: "user_token", label: "User token (xoxp-…)", secret: true, optional: true, help: "Only for search_messages (scope search:read); Slack refuses bot tokens for search" },
  ],
  configFields: [{ name: "base_url", label: "API base URL override", secret: false, optional: true, help: "Default https://slack.com/api" }],
  actions: [
    defineAction(
      "list_channels",
      "List the workspace's channels (conversations.list), one page at a time.",
      {
        types: S.string("Comma-separated: public_channel, private_channel, mpim, im (default public_channel)", { maxLength: 100 }),
        exclude_archived: S.bool("Leave out archived channels (default true)"),
        limit: S.int("Channels per page (1–1000)", { minimum: 1, maximum: 1000 }),
        cursor: S.string("next_cursor from the previous page", { maxLength: 500 }),
      },
      [],
      { readOnly: true, title: "List channels" },
    ),
    defineAction(
      "send_message",
      "Post a message to a channel (chat.postMessage), optionally as a thread reply.",
      {
        channel: S.string("Channel id (C…) or name", { minLength: 1, maxLength: 100 }),
        text: S.string("Message text (mrkdwn)", { minLength: 1, maxLength: 40_000 }),
        thread_ts: S.string("Reply in this thread (parent message ts)", { maxLength: 40 }),
      },
      ["channel", "text"],
      { title: "Send message" },
    ),
    defineAction(
      "search_messages",
      "Search messages (search.messages). Needs the connector's user token (search:read).",
      {
        query: S.string("Search query (Slack search syntax)", { minLength: 1, maxLength: 500 }),
        count: S.int("Results per page (1–100)", { minimum: 1, maximum: 100 }),
        page: S.int("Page number", { minimum: 1, maximum: 100 }),
        sort: S.enum("Sort by", ["score", "timestamp"]),
      },
      ["query"],
      { readOnly: true, title: "Search messages" },
    ),
  ],
  validateConfig: (config) => {
    const base_url = checkBaseUrl(config.base_url);
    return base_url ? { base_url } : {};
  },
  endpoint,

  async test(call) {
    await slack(call, "auth.test", { json: {} });
  },

  async execute(call) {
    const a = call.args;
    switch (call.action.name) {
      case "list_channels": {
        const d = await slack(call, "conversations.list", {
          query: { types: (a.types as string) ?? "public_channel", exclude_archived: (a.exclude_archived as boolean) ?? true, limit: (a.limit as number) ?? 100, cursor: a.cursor as string },
        });
        return ok({ channels: d.channels ?? [], next_cursor: d.response_metadata?.next_cursor || null });
      }
      case "send_message": {
        const body: Record<string, unknown> = { channel: a.channel, text: a.text };
        if (a.thread_ts) body.thread_ts = a.thread_ts;
        const d = await slack(call, "chat.postMessage", { json: body });
        return ok({ channel: d.channel, ts: d.ts, message: d.message });
      }
      case "search_messages": {
        const d = await slack(call, "search.messages", {
          token: "user",
          query: { query: a.query as string, count: (a.count as number) ?? 20, page: a.page as number, sort: a.sort as string },
        });
        return ok({ total: d.messages?.total ?? 0, matches: d.messages?.matches ?? [], paging: d.messages?.paging ?? null });
      }
      default:
        throw new ConnectorError(`Unknown Slack action: ${call.action.name}`, { status: 400 });
    }
  },
};
export { slack_ as slack };
