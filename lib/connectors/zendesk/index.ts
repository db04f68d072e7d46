// Zendesk Support API (https://{subdomain}.zendesk.com/api/v2). Auth: API token, sent as HTTP Basic
// with "{email}/token:{api_token}". Lists use cursor pagination (page[size], page[after] → meta.has_more,
// meta.after_cursor). 429 answers carry Retry-After. Errors: {"error": "...", "description": "..."} or
// {"error": {"title", "message"}}.
import { basic, joinUrl, ok, readCredential, requireArg, seg, str, vendorFetch, type Query } from "../http";
import { checkBaseUrl, checkPattern, defineAction, S } from "../schema";
import { ConnectorError, type ActionCall, type ConnectorType } from "../types";

const VENDOR = "Zendesk";

function validateConfig(config: Record<string, unknown>) {
  const base_url = checkBaseUrl(config.base_url);
  const subdomain = checkPattern(config.subdomain, "subdomain", /^[a-z0-9][a-z0-9-]{0,62}$/i, "must be your Zendesk subdomain (acme for acme.zendesk.com)", !base_url);
  const email = checkPattern(config.email, "email", /^[^\s@]+@[^\s@]+$/, "must be the agent's email address");
  return { subdomain, email, ...(base_url ? { base_url } : {}) };
}

function endpoint(config: Record<string, unknown>): string {
  const base = str(config, "base_url");
  if (base) return base;
  const sub = str(config, "subdomain");
  if (!sub) throw new ConnectorError("Zendesk subdomain is not configured", { status: 400 });
  return `https://${sub}.zendesk.com`;
}

export function zendeskError(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  const b = body as Record<string, any>;
  if (typeof b.error === "object" && b.error) return [b.error.title, b.error.message].filter(Boolean).join(": ");
  const details = b.details && typeof b.details === "object"
    ? Object.entries(b.details as Record<string, any[]>).flatMap(([k, v]) => (Array.isArray(v) ? v.map((d) => `${k}: ${d?.description ?? d}`) : []))
    : [];
  return [b.error, b.description, ...details].filter(Boolean).join(" — ") || undefined;
}

type Call = Pick<ActionCall, "connector" | "credential" | "signal">;

function request(call: Call, method: "GET" | "POST" | "PUT" | "DELETE", path: string, opts: { query?: Query; json?: unknown } = {}) {
  const cred = readCredential(call.credential);
  const email = str(call.connector.config, "email");
  if (!email || !cred.api_token) throw new ConnectorError("Zendesk email or API token missing", { status: 401 });
  return vendorFetch<Record<string, any>>({
    vendor: VENDOR,
    method,
    url: joinUrl(endpoint(call.connector.config), `/api/v2${path}`),
    query: opts.query,
    json: opts.json,
    signal: call.signal,
    headers: () => ({ authorization: basic(`${email}/token`, cred.api_token) }),
    errorMessage: zendeskError,
  });
}

const ticketId = S.int("Ticket id", { minimum: 1 });

export const zendesk: ConnectorType = {
  type: "zendesk",
  name: "Zendesk",
  description: "Zendesk Support tickets: list, read, create, update and delete.",
  credentialType: "api_token",
  credentialFields: [{ name: "api_token", label: "API token", secret: true, help: "Admin Center → Apps and integrations → Zendesk API → API tokens" }],
  configFields: [
    { name: "subdomain", label: "Subdomain", secret: false, help: "acme for acme.zendesk.com" },
    { name: "email", label: "Agent email", secret: false, help: "The agent the API token acts as" },
    { name: "base_url", label: "API base URL override", secret: false, optional: true, help: "Only for proxies; default https://{subdomain}.zendesk.com" },
  ],
  actions: [
    defineAction(
      "list_tickets",
      "List tickets, newest first, one page at a time (cursor pagination). Filter by status and/or assignee email.",
      {
        status: S.enum("Only tickets with this status", ["new", "open", "pending", "hold", "solved", "closed"]),
        assignee: S.string("Only tickets assigned to this agent (email)", { maxLength: 254 }),
        page_size: S.int("Tickets per page (1–100)", { minimum: 1, maximum: 100 }),
        cursor: S.string("next_cursor from the previous page", { maxLength: 500 }),
      },
      [],
      { readOnly: true, title: "List tickets" },
    ),
    defineAction("get_ticket", "Get one ticket by id.", { id: ticketId }, ["id"], { readOnly: true, title: "Get ticket" }),
    defineAction(
      "create_ticket",
      "Create a ticket; the description becomes its first comment.",
      {
        subject: S.string("Subject", { minLength: 1, maxLength: 300 }),
        description: S.string("First comment (the request)", { minLength: 1, maxLength: 65_000 }),
        priority: S.enum("Priority", ["urgent", "high", "normal", "low"]),
        requester_email: S.string("Requester email (defaults to the agent)", { maxLength: 254 }),
        tags: S.strings("Tags"),
      },
      ["subject", "description"],
      { title: "Create ticket" },
    ),
    defineAction(
      "update_ticket",
      "Update a ticket's status or priority and/or add a comment.",
      {
        id: ticketId,
        status: S.enum("New status", ["new", "open", "pending", "hold", "solved", "closed"]),
        priority: S.enum("New priority", ["urgent", "high", "normal", "low"]),
        comment: S.string("Comment to add", { minLength: 1, maxLength: 65_000 }),
        public: S.bool("Whether the comment is public (default true)"),
      },
      ["id"],
      { title: "Update ticket" },
    ),
    defineAction("delete_ticket", "Delete a ticket (it goes to Deleted tickets for 30 days).", { id: ticketId }, ["id"], {
      destructive: true,
      title: "Delete ticket",
    }),
  ],
  validateConfig,
  endpoint,

  async test(call) {
    await request(call, "GET", "/users/me.json");
  },

  async execute(call) {
    const a = call.args;
    switch (call.action.name) {
      case "list_tickets": {
        const page = { "page[size]": (a.page_size as number) ?? 25, "page[after]": a.cursor as string | undefined };
        if (a.status || a.assignee) {
          // Filtering needs the search export endpoint, which is cursor-paginated too.
          const terms = ["type:ticket", a.status ? `status:${a.status}` : "", a.assignee ? `assignee:${JSON.stringify(a.assignee)}` : ""].filter(Boolean);
          const r = await request(call, "GET", "/search/export.json", { query: { query: terms.join(" "), "filter[type]": "ticket", ...page } });
          return ok({ tickets: r.data.results ?? [], next_cursor: r.data.meta?.has_more ? r.data.meta.after_cursor : null });
        }
        const r = await request(call, "GET", "/tickets.json", { query: { ...page, sort: "-updated_at" } });
        return ok({ tickets: r.data.tickets ?? [], next_cursor: r.data.meta?.has_more ? r.data.meta.after_cursor : null });
      }
      case "get_ticket": {
        const r = await request(call, "GET", `/tickets/${seg(requireArg<number>(a, "id"))}.json`);
        return ok({ ticket: r.data.ticket });
      }
      case "create_ticket": {
        const ticket: Record<string, unknown> = { subject: a.subject, comment: { body: a.description } };
        if (a.priority) ticket.priority = a.priority;
        if (a.tags) ticket.tags = a.tags;
        if (a.requester_email) ticket.requester = { email: a.requester_email };
        const r = await request(call, "POST", "/tickets.json", { json: { ticket } });
        return ok({ ticket: r.data.ticket });
      }
      case "update_ticket": {
        const ticket: Record<string, unknown> = {};
        if (a.status) ticket.status = a.status;
        if (a.priority) ticket.priority = a.priority;
        if (a.comment) ticket.comment = { body: a.comment, public: a.public ?? true };
        if (Object.keys(ticket).length === 0) throw new ConnectorError("Nothing to update: give status, priority or comment", { status: 400 });
        const r = await request(call, "PUT", `/tickets/${seg(requireArg<number>(a, "id"))}.json`, { json: { ticket } });
        return ok({ ticket: r.data.ticket });
      }
      case "delete_ticket": {
        const id = requireArg<number>(a, "id");
        await request(call, "DELETE", `/tickets/${seg(id)}.json`);
        return ok({ deleted: true, id });
      }
      default:
        throw new ConnectorError(`Unknown Zendesk action: ${call.action.name}`, { status: 400 });
    }
  },
};
