// Serves a Web-standard handler (Request → Response) from node:http, streaming both ways. Used by the
// MCP tests and benchmark to put a real HTTP server (real sockets, real SSE) in front of a gateway
// without Next.js. Like scripts/server.ts it stamps the socket's peer address into x-fortress-peer.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { attachClientSignal, bodyInMemory, rememberBody } from "./body";
import { PEER_HEADER } from "./client-ip";

export type WebHandler = (request: Request) => Promise<Response>;

export interface RunningServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

/**
 * Request bodies up to this size, with a declared Content-Length, are read before the handler runs:
 * one Buffer instead of a Node → Web stream bridge, which cost more than the read itself. Larger or
 * chunked bodies stream to the handler, which enforces its own limit while reading.
 */
const READ_AHEAD_LIMIT = 64 * 1024;

function readAhead(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.once("error", reject);
    req.once("close", () => {
      if (!req.complete) reject(new Error("request body cut short"));
    });
  });
}

/**
 * The request's URL: its Host (when it is a plain host[:port]; otherwise "localhost", and the
 * handler judges the header itself) and its path. Only origin-form targets ("/path?query") are
 * served: "//host/path" would otherwise become another URL's authority, and "*" or absolute-form
 * targets are for proxies. null → 400.
 */
function requestUrl(req: http.IncomingMessage): string | null {
  const target = req.url ?? "/";
  if (!target.startsWith("/") || target.startsWith("//")) return null;
  const host = req.headers.host ?? "";
  let authority = "localhost";
  if (host && URL.canParse(`http://${host}`)) {
    const u = new URL(`http://${host}`);
    if (u.pathname === "/" && !u.search && !u.hash && !u.username && !u.password && `http://${host}/`.toLowerCase() === u.href) authority = u.host;
  }
  const url = `http://${authority}${target}`;
  return URL.canParse(url) ? url : null;
}

export interface ListenerOptions {
  /** Headers set on every response unless the handler set them (the baseline security headers). */
  headers?: Readonly<Record<string, string>>;
}

export function nodeListener(handler: WebHandler, options: ListenerOptions = {}): http.RequestListener {
  return async (req, res) => {
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    try {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined || name === PEER_HEADER) continue;
        headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      headers.set(PEER_HEADER, req.socket.remoteAddress ?? "");
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const declared = Number(req.headers["content-length"] ?? NaN);
      const ahead = hasBody && declared <= READ_AHEAD_LIMIT ? await readAhead(req) : undefined;
      const url = requestUrl(req);
      if (!url) {
        res.writeHead(400, { "content-type": "application/json", connection: "close" });
        res.end(JSON.stringify({ error: "bad_request", message: "The request target must be a path (origin-form)" }));
        return;
      }
      const request = new Request(url, {
        method: req.method,
        headers,
        body: ahead ? (ahead as Uint8Array<ArrayBuffer>) : hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
        // @ts-expect-error -- Node's fetch needs duplex for streamed request bodies
        duplex: "half",
      });
      if (ahead) rememberBody(request, ahead);
      attachClientSignal(request, abort.signal); // handlers read it with clientSignal(request)
      const response = await handler(request);
      const outHeaders: Record<string, string> = { ...options.headers };
      response.headers.forEach((v, k) => (outHeaders[k] = v));
      // Answered before the request body was read (e.g. 413): close the connection afterwards rather
      // than leave the client blocked writing a body nobody reads; drain what is in flight.
      if (hasBody && !req.complete) {
        outHeaders.connection = "close";
        req.resume();
      }
      const whole = bodyInMemory(response);
      if (whole) {
        // One write: headers and body together, with Content-Length instead of chunked encoding.
        outHeaders["content-length"] = String(whole.byteLength);
        res.writeHead(response.status, outHeaders);
        res.end(whole);
        return;
      }
      res.writeHead(response.status, outHeaders);
      if (response.body) {
        const reader = response.body.getReader();
        abort.signal.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (!res.write(value)) await new Promise((r) => res.once("drain", r));
        }
      }
      res.end();
    } catch {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end();
    }
  };
}

/** Listens on 127.0.0.1 and a free port. */
export async function serve(handler: WebHandler, options: ListenerOptions = {}): Promise<RunningServer> {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, nodeListener(handler, options));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
