// Fake Slack Web API, shaped as docs.slack.dev documents it: Bearer tokens, HTTP 200 with
// {"ok": false, "error": …} failures, cursor pagination (response_metadata.next_cursor), JSON bodies
// for chat.postMessage, search.messages refusing bot tokens (not_allowed_token_type).
import { Fake, startFake, type FakeReply, type FakeRequest } from "./http";

export const SLACK_BOT = "xoxb-1111-2222-fakebottoken";
export const SLACK_USER = "xoxp-1111-2222-fakeusertoken";

const channels = Array.from({ length: 5 }, (_, i) => ({ id: `C0${i}`, name: `channel-${i}`, is_channel: true, is_archived: false, num_members: i + 1 }));

export async function startSlackFake(): Promise<Fake> {
  const posted: any[] = [];
  return startFake((req: FakeRequest, f): FakeReply => {
    const auth = String(req.headers.authorization ?? "");
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    if (token !== SLACK_BOT && token !== SLACK_USER) return { status: 200, body: { ok: false, error: token ? "invalid_auth" : "not_authed" } };
    const method = req.path.replace(/^\/api\//, "");
    switch (method) {
      case "auth.test":
        if (req.method !== "POST") return f.violation("auth.test is called with POST here");
        return { status: 200, body: { ok: true, url: "https://acme.slack.com/", team: "Acme", user: "fortress", team_id: "T01", user_id: "U01", bot_id: "B01" } };
      case "conversations.list": {
        if (req.method !== "GET") return f.violation("conversations.list: GET with query arguments");
        const limit = Number(req.query.get("limit") ?? 100);
        const start = Number(req.query.get("cursor") ? Buffer.from(req.query.get("cursor")!, "base64").toString().replace("offset:", "") : 0);
        const types = req.query.get("types");
        if (types && !/^(public_channel|private_channel|mpim|im)(,(public_channel|private_channel|mpim|im))*$/.test(types)) return { status: 200, body: { ok: false, error: "invalid_types" } };
        const slice = channels.slice(start, start + limit);
        const next = start + limit < channels.length ? Buffer.from(`offset:${start + limit}`).toString("base64") : "";
        return { status: 200, body: { ok: true, channels: slice, response_metadata: { next_cursor: next } } };
      }
      case "chat.postMessage": {
        if (req.method !== "POST") return f.violation("chat.postMessage must be POST");
        if (!String(req.headers["content-type"]).startsWith("application/json")) return f.violation("chat.postMessage: JSON body expected");
        if (token !== SLACK_BOT) return f.violation("chat.postMessage should use the bot token");
        const { channel, text, thread_ts } = req.body ?? {};
        if (!text) return { status: 200, body: { ok: false, error: "no_text" } };
        if (!channels.some((c) => c.id === channel || c.name === channel)) return { status: 200, body: { ok: false, error: "channel_not_found" } };
        const ts = `1700000000.00${posted.length + 100}`;
        const message = { type: "message", text, user: "U01", bot_id: "B01", ts, ...(thread_ts ? { thread_ts } : {}) };
        posted.push(message);
        return { status: 200, body: { ok: true, channel, ts, message } };
      }
      case "search.messages": {
        if (token !== SLACK_USER) return { status: 200, body: { ok: false, error: "not_allowed_token_type" } };
        const query = req.query.get("query");
        if (!query) return { status: 200, body: { ok: false, error: "invalid_arguments" } };
        const count = Number(req.query.get("count") ?? 20);
        const matches = [{ iid: "a1", type: "message", text: `found ${query}`, ts: "1700000000.000100", user: "U02", channel: { id: "C00", name: "channel-0" }, permalink: "https://acme.slack.com/archives/C00/p1700000000000100" }];
        return { status: 200, body: { ok: true, query, messages: { total: 1, matches, paging: { count, total: 1, page: 1, pages: 1 }, pagination: { total_count: 1, page: 1, per_page: count, page_count: 1, first: 1, last: 1 } } } };
      }
      default:
        return { status: 200, body: { ok: false, error: "unknown_method" } };
    }
  });
}
