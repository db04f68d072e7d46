// How PAT Fortress hands the upstream's answer back: a JSON answer is read whole while the admission
// audit event commits and handed over in one piece (one write, with its Content-Length); a stream is
// relayed event by event; a JSON answer that the upstream cuts short is a clean Anthropic-format 502,
// never a 200 with a truncated body.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { patRequests, patSpend } from "@/db/schema";
import { getDb } from "@/lib/db";
import { bodyInMemory } from "@/lib/http/body";
import { eventually, patWorld, type PatWorld } from "./support/pat-setup";

let w: PatWorld;
beforeAll(async () => {
  w = await patWorld({ models: [], max_tokens: 4096, monthly_cap_usd: 100 });
});
afterAll(async () => {
  await w?.close();
});

const messages = (world: PatWorld, stream: boolean) =>
  new Request(`${world.server.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": world.orgKey, "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 64, stream, messages: [{ role: "user", content: "hi" }] }),
  });

describe("PAT relay", () => {
  it("a JSON answer is handed over whole, byte for byte, with the upstream's Content-Length", async () => {
    const res = await w.gateway.messages(messages(w, false));
    expect(res.status).toBe(200);
    const whole = bodyInMemory(res);
    expect(whole).toBeDefined();
    const sent = w.fake.responses[w.fake.responses.length - 1];
    expect(Buffer.from(whole!).equals(sent.body)).toBe(true);
    expect(res.headers.get("content-length")).toBe(String(sent.body.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(sent.body)).toBe(true);
  });

  it("a stream is not read whole: it is relayed event by event", async () => {
    const res = await w.gateway.messages(messages(w, true));
    expect(res.status).toBe(200);
    expect(bodyInMemory(res)).toBeUndefined();
    const text = await res.text();
    expect(text).toContain("event: message_stop");
  });

  it("an upstream 204 with Content-Length: 0 is relayed as a 204 without a body (never a 500)", async () => {
    const empty = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(204, { "content-length": "0", "request-id": "req_empty" });
        res.end();
      });
    });
    await new Promise<void>((r) => empty.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(empty.address() as AddressInfo).port}`;
    const world = await patWorld({ models: [], max_tokens: 4096, monthly_cap_usd: 100 }, { upstream: () => url }, w.fake);
    try {
      const res = await fetch(messages(world, false));
      expect(res.status).toBe(204);
      expect(res.headers.get("request-id")).toBe("req_empty");
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    } finally {
      await world.close();
      await new Promise<void>((r) => empty.close(() => r()));
    }
  });

  describe("an upstream that cuts a JSON answer short", () => {
    let broken: Server;
    let cut: PatWorld;
    beforeAll(async () => {
      // Declares 500 bytes, sends 20, then drops the connection.
      broken = createServer((req, res) => {
        req.resume();
        req.on("end", () => {
          res.writeHead(200, { "content-type": "application/json", "content-length": "500", "request-id": "req_cut" });
          res.write('{"id":"msg_cut","typ');
          setTimeout(() => res.socket?.destroy(), 10);
        });
      });
      await new Promise<void>((r) => broken.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
      cut = await patWorld({ models: [], max_tokens: 4096, monthly_cap_usd: 100 }, { upstream: () => url }, w.fake);
    });
    afterAll(async () => {
      await cut?.close();
      await new Promise<void>((r) => broken.close(() => r()));
    });

    it("is a 502 api_error in Anthropic's format, recorded as an error, with nothing left reserved", async () => {
      const res = await fetch(messages(cut, false));
      expect(res.status).toBe(502);
      const body = await res.json();
      expect(body).toMatchObject({ type: "error", error: { type: "api_error" } });
      const id = res.headers.get("x-fortress-request-id")!;
      expect(id).toBeTruthy();
      const db = await getDb();
      let row: typeof patRequests.$inferSelect | undefined;
      await eventually(async () => {
        [row] = await db.select().from(patRequests).where(eq(patRequests.id, id));
        return !!row;
      });
      expect(row).toMatchObject({ status: 502, decision: "error", costMicros: 0 });
      await eventually(async () => {
        await cut.leases.flush(); // unused lease money goes back; what remains was reserved by requests
        const [s] = await db.select().from(patSpend).where(eq(patSpend.patKeyId, cut.patKey.id));
        return !s || s.reservedMicros === 0;
      });
    });
  });
});
