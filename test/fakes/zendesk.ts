// Fake Zendesk Support API v2, shaped as developer.zendesk.com documents it: API-token basic auth
// ("{email}/token:{token}"), cursor pagination (page[size], page[after] → meta.has_more/after_cursor,
// links.next), {"ticket": …} envelopes, RecordNotFound / RecordInvalid errors, 429 + Retry-After.
import { basicOf, Fake, isJson, startFake, type FakeReply, type FakeRequest } from "./http";

export const ZENDESK_EMAIL = "agent@acme.example";
export const ZENDESK_TOKEN = "zd-api-token-6f1e9c2b7a";

export interface ZendeskFake extends Fake {
  tickets: Map<number, Record<string, any>>;
}

const ticket = (id: number, extra: Record<string, unknown> = {}) => ({
  url: `https://acme.zendesk.com/api/v2/tickets/${id}.json`,
  id,
  subject: `Ticket ${id}`,
  description: `Description ${id}`,
  status: "open",
  priority: "normal",
  requester_id: 1001,
  assignee_id: 2002,
  tags: [],
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-02T00:00:00Z",
  ...extra,
});

export async function startZendeskFake(): Promise<ZendeskFake> {
  const tickets = new Map<number, Record<string, any>>();
  for (let i = 1; i <= 5; i++) tickets.set(i, ticket(i, { status: i % 2 ? "open" : "pending" }));
  let nextId = 100;
  const fake = (await startFake((req, f) => handle(req, f as ZendeskFake))) as ZendeskFake;
  fake.tickets = tickets;

  function page(list: Record<string, any>[], req: FakeRequest, key: string, path: string): FakeReply {
    const size = Number(req.query.get("page[size]"));
    if (!Number.isInteger(size) || size < 1 || size > 100) return fake.violation(`${path}: page[size] must be 1..100 (cursor pagination), got ${req.query.get("page[size]")}`);
    const after = req.query.get("page[after]");
    const start = after ? Number(Buffer.from(after, "base64url").toString()) : 0;
    const slice = list.slice(start, start + size);
    const more = start + size < list.length;
    const cursor = Buffer.from(String(start + size)).toString("base64url");
    return {
      status: 200,
      body: {
        [key]: slice,
        meta: { has_more: more, after_cursor: more ? cursor : null, before_cursor: null },
        links: { next: more ? `${fake.url}${path}?page[size]=${size}&page[after]=${cursor}` : null, prev: null },
      },
    };
  }

  function handle(req: FakeRequest, f: ZendeskFake): FakeReply {
    if (basicOf(req.headers.authorization as string) !== `${ZENDESK_EMAIL}/token:${ZENDESK_TOKEN}`) {
      return { status: 401, body: { error: "Couldn't authenticate you" } };
    }
    const p = req.path;
    let m: RegExpExecArray | null;
    if (req.method === "GET" && p === "/api/v2/users/me.json") return { status: 200, body: { user: { id: 2002, name: "Agent", email: ZENDESK_EMAIL, role: "agent" } } };
    if (req.method === "GET" && p === "/api/v2/tickets.json") return page([...tickets.values()], req, "tickets", p);
    if (req.method === "GET" && p === "/api/v2/search/export.json") {
      const q = req.query.get("query") ?? "";
      if (req.query.get("filter[type]") !== "ticket") return f.violation("search/export needs filter[type]=ticket");
      if (!q.includes("type:ticket")) return f.violation("search query must include type:ticket");
      const status = /status:(\w+)/.exec(q)?.[1];
      return page([...tickets.values()].filter((t) => !status || t.status === status).map((t) => ({ ...t, result_type: "ticket" })), req, "results", p);
    }
    if ((m = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(p))) {
      const id = Number(m[1]);
      const t = tickets.get(id);
      if (!t) return { status: 404, body: { error: "RecordNotFound", description: "Not found" } };
      if (req.method === "GET") return { status: 200, body: { ticket: t } };
      if (req.method === "DELETE") {
        tickets.delete(id);
        return { status: 204 };
      }
      if (req.method === "PUT") {
        if (!isJson(req) || !req.body?.ticket) return f.violation("PUT ticket needs a JSON {ticket} body");
        const u = req.body.ticket;
        if (u.comment && typeof u.comment.body !== "string") return f.violation("comment.body must be a string");
        Object.assign(t, u.status ? { status: u.status } : {}, u.priority ? { priority: u.priority } : {}, { updated_at: "2026-02-01T00:00:00Z" });
        return { status: 200, body: { ticket: t, audit: { id: 9001, ticket_id: id, events: u.comment ? [{ type: "Comment", body: u.comment.body, public: u.comment.public }] : [] } } };
      }
    }
    if (req.method === "POST" && p === "/api/v2/tickets.json") {
      if (!isJson(req) || !req.body?.ticket) return f.violation("POST tickets needs a JSON {ticket} body");
      const t = req.body.ticket;
      if (!t.comment?.body) return { status: 422, body: { error: "RecordInvalid", description: "Record validation errors", details: { base: [{ description: "Description: cannot be blank" }] } } };
      const created = ticket(nextId++, { subject: t.subject, description: t.comment.body, priority: t.priority ?? null, status: "new", tags: t.tags ?? [] });
      tickets.set(created.id, created);
      return { status: 201, body: { ticket: created, audit: { id: 9000, ticket_id: created.id } }, headers: { location: created.url } };
    }
    return { status: 404, body: { error: "InvalidEndpoint", description: "Not found" } };
  }
  return fake;
}
