// A tiny HTTP server for vendor fakes (node:http, 127.0.0.1, port 0). Each fake checks the request as
// the vendor documents it; anything unexpected is recorded in `violations` (tests assert it stays
// empty) and answered with a 400 so a connector bug cannot pass silently.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the body as is (already serialised). */
  rawBody?: string;
  /** Write the body but leave the response open (streams a server keeps open). */
  keepOpen?: boolean;
}

export type FakeHandler = (req: FakeRequest, fake: Fake) => FakeReply | Promise<FakeReply>;

export class Fake {
  readonly requests: FakeRequest[] = [];
  readonly violations: string[] = [];
  /** Replies served before the handler, one per request (outages, rate limits). */
  readonly queued: FakeReply[] = [];
  url = "";
  constructor(readonly server: Server) {}

  violation(message: string): FakeReply {
    this.violations.push(message);
    return { status: 400, body: { fake_violation: message } };
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.closeAllConnections?.();
      this.server.close(() => r());
    });
  }
}

function send(res: ServerResponse, reply: FakeReply) {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload: string | undefined = reply.rawBody;
  if (payload === undefined && reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers["content-type"] ??= "application/json; charset=utf-8";
  }
  res.writeHead(reply.status, headers);
  if (reply.keepOpen) {
    res.write(payload ?? "");
    return;
  }
  res.end(payload);
}

export async function startFake(handler: FakeHandler, host = "127.0.0.1"): Promise<Fake> {
  let fake!: Fake;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://fake");
      let body: unknown = undefined;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      const r: FakeRequest = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers, raw, body };
      fake.requests.push(r);
      try {
        const queued = fake.queued.shift();
        send(res, queued ?? (await handler(r, fake)));
      } catch (err) {
        fake.violations.push(`handler threw: ${(err as Error).message}`);
        send(res, { status: 500, body: { error: "fake crashed" } });
      }
    });
  });
  fake = new Fake(server);
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  fake.url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return fake;
}

export const basicOf = (h: string | undefined): string | null => {
  if (!h || !h.startsWith("Basic ")) return null;
  return Buffer.from(h.slice(6), "base64").toString("utf8");
};

export function isJson(req: FakeRequest): boolean {
  return String(req.headers["content-type"] ?? "").toLowerCase().startsWith("application/json");
}
