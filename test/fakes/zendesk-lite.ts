// A small fake of the Zendesk Support API (tickets), shaped as Zendesk documents it: Basic auth
// `{email}/token:{api_token}`, GET /api/v2/tickets.json → { tickets, next_page, previous_page, count },
// GET /api/v2/tickets/{id}.json → { ticket }, DELETE /api/v2/tickets/{id}.json → 204, errors as
// { error, description }. Used by the MCP gateway tests and benchmark as "the vendor".
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeZendesk {
  url: string;
  requests: Array<{ method: string; path: string; authorization: string | undefined }>;
  /** Make every request fail with this status (e.g. 503) until cleared. */
  failWith: number | null;
  close(): Promise<void>;
}

export const FAKE_EMAIL = "agent@example.com";
export const FAKE_TOKEN = "zd-test-token-123456";

const tickets = [
  { id: 123, subject: "Login Bug", status: "open", requester_email: "jane.doe@customer.example", description: "Call me at jane.doe@customer.example" },
  { id: 124, subject: "Billing question", status: "pending", requester_email: "bob@customer.example", description: "Invoice 42" },
];

export async function startFakeZendesk(options: { record?: boolean } = {}): Promise<FakeZendesk> {
  const expected = `Basic ${Buffer.from(`${FAKE_EMAIL}/token:${FAKE_TOKEN}`).toString("base64")}`;
  const state: FakeZendesk = { url: "", requests: [], failWith: null, close: async () => {} };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (options.record !== false) state.requests.push({ method: req.method ?? "", path: url.pathname + url.search, authorization: req.headers.authorization });
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { "content-type": "application/json; charset=utf-8" });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.headers.authorization !== expected) return send(401, { error: "Couldn't authenticate you" });
    if (state.failWith) return send(state.failWith, { error: "ServiceUnavailable", description: "Zendesk is temporarily unavailable" });
    if (req.method === "GET" && url.pathname === "/api/v2/tickets.json") {
      const status = url.searchParams.get("status");
      const list = status ? tickets.filter((t) => t.status === status) : tickets;
      return send(200, { tickets: list, next_page: null, previous_page: null, count: list.length });
    }
    const m = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(url.pathname);
    if (m) {
      const t = tickets.find((x) => x.id === Number(m[1]));
      if (!t) return send(404, { error: "RecordNotFound", description: "Not found" });
      if (req.method === "GET") return send(200, { ticket: t });
      if (req.method === "DELETE") return send(204);
    }
    send(404, { error: "InvalidEndpoint", description: "Not found" });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}
