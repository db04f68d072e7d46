// A real node:http server (port 0) in front of a PAT gateway instance, routing like the app/v1
// route files do, so tests and the benchmark drive the gateway with the official SDK over HTTP.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { PatGateway } from "@/lib/gateway/pat/gateway";

export interface PatServer {
  url: string;
  close(): Promise<void>;
}

function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else headers.set(k, v);
  }
  // Like scripts/server.ts: the socket peer, overwriting whatever a client sent.
  headers.set("x-fortress-peer", req.socket.remoteAddress ?? "");
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    // @ts-expect-error Node's fetch needs duplex for a streamed request body
    duplex: "half",
  });
}

async function write(res: ServerResponse, response: Response, onClose: () => void) {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => {
    headers[k] = v;
  });
  res.writeHead(response.status, headers);
  if (!response.body) return res.end();
  const reader = response.body.getReader();
  res.on("close", () => {
    if (!res.writableFinished) {
      void reader.cancel().catch(() => {});
      onClose();
    }
  });
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!res.write(value)) await new Promise((r) => res.once("drain", r));
  }
  res.end();
}

export function route(gateway: PatGateway, request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (request.method === "POST" && path === "/v1/messages") return gateway.messages(request);
  if (request.method === "POST" && path === "/v1/messages/count_tokens") return gateway.countTokens(request);
  if (request.method === "GET" && path === "/v1/models") return gateway.listModels(request);
  return gateway.other(request, path.replace(/^\/v1\/?/, "").split("/").filter(Boolean));
}

export async function startPatServer(gateway: PatGateway): Promise<PatServer> {
  let origin = "";
  const server: Server = createServer((req, res) => {
    route(gateway, toRequest(req, origin))
      .then((response) => write(res, response, () => {}))
      .catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
