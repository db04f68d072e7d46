// The node adapter in front of the gateways (lib/http/node-adapter.ts): small request bodies are read
// ahead into one Buffer, whole answers are written in one piece with Content-Length, larger or
// chunked bodies still stream, and the handler's own size limit holds on every path.
import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { bodyInMemory, readBodyBytes, wholeResponse } from "@/lib/http/body";
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
