// The node adapter in front of the gateways (lib/http/node-adapter.ts): small request bodies are read
// ahead into one Buffer, whole answers are written in one piece with Content-Length, larger or
// chunked bodies still stream, and the handler's own size limit holds on every path.
import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { bodyInMemory, clientSignal, readBodyBytes, wholeResponse } from "@/lib/http/body";
import { serve, type RunningServer } from "@/lib/http/node-adapter";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** One raw HTTP/1.1 exchange, so framing headers (Content-Length, Transfer-Encoding) are visible. */
function raw(url: string, path: string, init: { method?: string; body?: Buffer; chunked?: boolean; agent?: http.Agent } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; socketReused: boolean }>((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method: init.method ?? "POST", agent: init.agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body, socketReused: req.reusedSocket }));
    });
    req.on("error", reject);
    if (init.body && init.chunked) {
      req.setHeader("transfer-encoding", "chunked");
      req.write(init.body.subarray(0, 10));
      req.end(init.body.subarray(10));
    } else req.end(init.body);
  });
}

describe("node adapter", () => {
  it("reads a small body ahead: the handler gets it in memory, and through the stream too", async () => {
    const seen: { inMemory: boolean; bytes: string; streamed?: string }[] = [];
    server = await serve(async (request) => {
      const inMemory = bodyInMemory(request) !== undefined;
      const bytes = Buffer.from(await readBodyBytes(request, 1024)).toString();
      seen.push({ inMemory, bytes, streamed: await request.text() });
      return wholeResponse("ok", { status: 200 });
    });
    await raw(server.url, "/", { body: Buffer.from('{"hello":"world"}') });
    expect(seen).toEqual([{ inMemory: true, bytes: '{"hello":"world"}', streamed: '{"hello":"world"}' }]);
  });

  it("streams a chunked or large body to the handler instead", async () => {
    const seen: { inMemory: boolean; size: number }[] = [];
    server = await serve(async (request) => {
      const inMemory = bodyInMemory(request) !== undefined;
      seen.push({ inMemory, size: (await readBodyBytes(request, 1024 * 1024)).byteLength });
      return wholeResponse("ok", { status: 200 });
    });
    await raw(server.url, "/", { body: Buffer.alloc(100, 1), chunked: true });
    await raw(server.url, "/", { body: Buffer.alloc(200 * 1024, 1) });
    expect(seen).toEqual([
      { inMemory: false, size: 100 },
      { inMemory: false, size: 200 * 1024 },
    ]);
  });

  it("keeps the handler's limit for a body read ahead", async () => {
    server = await serve(async (request) => {
      try {
        await readBodyBytes(request, 10);
        return wholeResponse("read", { status: 200 });
      } catch (err) {
        return wholeResponse((err as Error).message, { status: 413 });
      }
    });
    const r = await raw(server.url, "/", { body: Buffer.alloc(100, 1) });
    expect(r.status).toBe(413);
  });

  it("writes a whole answer with Content-Length and a streamed one chunked", async () => {
    server = await serve(async (request) =>
      new URL(request.url).pathname === "/whole"
        ? wholeResponse('{"a":1}', { status: 200, headers: { "content-type": "application/json" } })
        : new Response(new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode("x")), c.close()) }), { status: 200 }),
    );
    const whole = await raw(server.url, "/whole", { method: "GET" });
    expect(whole.headers["content-length"]).toBe("7");
    expect(whole.headers["transfer-encoding"]).toBeUndefined();
    expect(whole.body).toBe('{"a":1}');
    const streamed = await raw(server.url, "/streamed", { method: "GET" });
    expect(streamed.headers["transfer-encoding"]).toBe("chunked");
    expect(streamed.body).toBe("x");
  });

  it("keeps the connection open when a small body was refused unread (it was read ahead)", async () => {
    server = await serve(async () => wholeResponse("no", { status: 401 }));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await raw(server.url, "/", { body: Buffer.from("{}"), agent });
    const second = await raw(server.url, "/", { body: Buffer.from("{}"), agent });
    expect(first.headers.connection).not.toBe("close");
    expect(second.socketReused).toBe(true);
    agent.destroy();
  });
});

describe("node adapter, odd request lines", () => {
  function rawLine(port: number, target: string, host: string | null): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.write(`POST ${target} HTTP/1.1\r\n${host === null ? "" : `Host: ${host}\r\n`}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
      });
      let data = "";
      socket.on("data", (d) => {
        data += d.toString();
        if (data.includes("\r\n\r\n")) {
          socket.destroy();
          resolve(data.split("\r\n")[0] + " " + (data.split("\r\n\r\n")[1] ?? ""));
        }
      });
      socket.on("error", reject);
    });
  }

  it("never answers 500: a malformed Host reaches the handler (which judges the header); a non-path target is a 400", async () => {
    const seen: { url: string; host: string | null }[] = [];
    server = await serve(async (request) => {
      seen.push({ url: request.url, host: request.headers.get("host") });
      return wholeResponse("ok", { status: 200 });
    });
    for (const host of ["a b", "[::1", "x:99999", "evil.com/x", "user@evil.com"]) {
      expect(await rawLine(server.port, "/v1/mcp", host), host).toMatch(/^HTTP\/1\.1 200 /);
    }
    expect(seen.map((s) => s.url)).toEqual(Array(5).fill("http://localhost/v1/mcp"));
    expect(seen.map((s) => s.host)).toEqual(["a b", "[::1", "x:99999", "evil.com/x", "user@evil.com"]);
    expect(await rawLine(server.port, "/v1/mcp?x=1", "fortress.example.com:8443")).toMatch(/^HTTP\/1\.1 200 /);
    expect(seen.at(-1)!.url).toBe("http://fortress.example.com:8443/v1/mcp?x=1");
    for (const target of ["//evil.com/v1/mcp", "*", "http://evil.com/v1/mcp"]) {
      expect(await rawLine(server.port, target, "localhost"), target).toMatch(/^HTTP\/1\.1 400 .*bad_request/s);
    }
    expect(seen).toHaveLength(6);
  });
});

describe("the client's signal", () => {
  it("fires when the client goes away before the answer is done, and not after a completed exchange", async () => {
    const signals: AbortSignal[] = [];
    server = await serve(async (request) => {
      const signal = clientSignal(request);
      signals.push(signal);
      if (new URL(request.url).pathname === "/done") return new Response("ok");
      // A stream that never ends on its own: only the client's leaving ends it.
      return new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode(": open\n\n")) }), { headers: { "content-type": "text/event-stream" } });
    });
    expect(await (await fetch(`${server.url}/done`)).text()).toBe("ok");
    const abort = new AbortController();
    const res = await fetch(`${server.url}/stream`, { signal: abort.signal });
    await res.body!.getReader().read();
    expect(signals[1].aborted).toBe(false);
    abort.abort();
    await expect.poll(() => signals[1].aborted, { timeout: 3000 }).toBe(true);
    expect(signals[0].aborted).toBe(false);
  });

  it("is the Request's own signal where no adapter attached one (Next.js route handlers)", () => {
    const ac = new AbortController();
    const request = new Request("http://localhost/v1/mcp", { signal: ac.signal });
    ac.abort();
    expect(clientSignal(request).aborted).toBe(true);
  });
});
