// PAT Fortress end to end: the official SDK → a real HTTP server running the gateway → a fake
// Anthropic that records what it receives. Transparency (bytes, headers), streaming usage, tool use,
// count_tokens, models, upstream errors, and what gets logged.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, patRequests, patSpend } from "@/db/schema";
import { getDb } from "@/lib/db";
import { costMicros } from "@/lib/gateway/pat/pricing";
import { eventually, patWorld, REAL_KEY, type PatWorld } from "./support/pat-setup";

let w: PatWorld;
beforeAll(async () => {
  w = await patWorld({ models: ["claude-sonnet-4-6", "claude-sonnet-4-5", "claude-haiku-4-5-20251001"], max_tokens: 4096, monthly_cap_usd: 100 });
});
afterAll(async () => {
  await w?.close();
});

const last = () => w.fake.requests[w.fake.requests.length - 1];
const lastResponse = () => w.fake.responses[w.fake.responses.length - 1];
/** What the fake sent with this request-id (which Fortress passes through unchanged). */
function sentWith(requestId: string | null) {
  const found = w.fake.responses.find((r) => r.headers["request-id"] === requestId);
  if (!found) throw new Error(`the fake sent no answer with request-id ${requestId}`);
  return found;
}

async function rowFor(requestId: string) {
  const db = await getDb();
  let row: typeof patRequests.$inferSelect | undefined;
  await eventually(async () => {
    [row] = await db.select().from(patRequests).where(eq(patRequests.id, requestId));
    return !!row;
  });
  return row!;
}

describe("PAT gateway through the official SDK", () => {
  it("non-streaming: body byte for byte, real key upstream, upstream bytes and headers back", async () => {
    const { data, response } = await w.client.messages
      .create({ model: "claude-sonnet-4-6", max_tokens: 256, messages: [{ role: "user", content: "Hello! ünïcødé ✓" }] })
      .withResponse();
    expect(data.type).toBe("message");
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    const sent = last();
    // The real Anthropic key went upstream, never the org key.
    expect(sent.headers["x-api-key"]).toBe(REAL_KEY);
    expect(JSON.stringify(sent.headers)).not.toContain(w.orgKey);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(sent.headers["x-fortress-pat-key"]).toBeUndefined();
    // Upstream headers come back; Fortress adds its request id.
    const upstream = lastResponse();
    expect(response.headers.get("request-id")).toBe(upstream.headers["request-id"]);
    expect(response.headers.get("anthropic-ratelimit-requests-remaining")).toBe("3999");
    const fid = response.headers.get("x-fortress-request-id");
    expect(fid).toMatch(/^[0-9a-f-]{36}$/);
    const row = await rowFor(fid!);
    expect(row).toMatchObject({ decision: "allow", status: 200, model: "claude-sonnet-4-6", patKeyId: w.patKey.id, stream: false });
    expect(row.inputTokens).toBe(data.usage.input_tokens);
    expect(row.outputTokens).toBe(data.usage.output_tokens);
    expect(row.costMicros).toBe(costMicros("claude-sonnet-4-6", { inputTokens: data.usage.input_tokens, outputTokens: data.usage.output_tokens, cacheCreationTokens: 0, cacheReadTokens: 0 }));
    expect(row.upstreamRequestId).toBe(upstream.headers["request-id"]);
  });

  it("raw fetch: the exact request bytes reach upstream and the exact response bytes come back", async () => {
    // Deliberately odd formatting: whitespace, key order, escapes — a re-serialisation would change it.
    const raw = `{ "max_tokens" : 100,\n  "messages":[{"role":"user","content":"caf\\u00e9 \\"quoted\\""}],   "model":"claude-haiku-4-5-20251001" , "metadata": {"user_id":"u-1"} }`;
    const res = await fetch(`${w.server.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": w.orgKey, "content-type": "application/json", "anthropic-version": "2023-06-01", "anthropic-beta": "prompt-caching-2024-07-31", "anthropic-custom-thing": "x" },
      body: raw,
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(last().body.equals(Buffer.from(raw))).toBe(true);
    expect(last().headers["anthropic-beta"]).toBe("prompt-caching-2024-07-31");
    expect(last().headers["anthropic-custom-thing"]).toBe("x");
    expect(bytes.equals(lastResponse().body)).toBe(true);
  });

  it("org key as Authorization: Bearer works too", async () => {
    const res = await fetch(`${w.server.url}/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${w.orgKey}`, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    expect(last().headers["x-api-key"]).toBe(REAL_KEY);
    expect(last().headers.authorization).toBeUndefined();
  });

  it("messages.stream: events relayed unchanged, usage counted exactly as the fake reported", async () => {
    w.fake.options.deltas = 5;
    const stream = w.client.messages.stream({ model: "claude-sonnet-4-6", max_tokens: 512, messages: [{ role: "user", content: "Stream please" }] });
    const texts: string[] = [];
    stream.on("text", (t) => texts.push(t));
    const final = await stream.finalMessage();
    const { response } = await stream.withResponse();
    w.fake.options.deltas = 3;
    expect(texts.join("")).toBe("Hello from the fake Anthropic");
    const reported = w.fake.usages[w.fake.usages.length - 1];
    expect(final.usage.input_tokens).toBe(reported.input_tokens);
    expect(final.usage.output_tokens).toBe(reported.output_tokens);
    const row = await rowFor(response.headers.get("x-fortress-request-id")!);
    expect(row.stream).toBe(true);
    expect(row.inputTokens).toBe(reported.input_tokens);
    expect(row.outputTokens).toBe(reported.output_tokens);
    expect(row.cacheReadTokens).toBe(reported.cache_read_input_tokens);
    expect(row.ttftMs).not.toBeNull();
  });

  it("raw SSE bytes come back unchanged", async () => {
    const res = await fetch(`${w.server.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": w.orgKey, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 64, stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(lastResponse().body)).toBe(true);
    expect(bytes.toString()).toContain("event: message_stop");
  });

  it("stream events are relayed as they arrive (no buffering)", async () => {
    w.fake.options.eventDelayMs = 150;
    try {
      const t0 = performance.now();
      const res = await fetch(`${w.server.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": w.orgKey, "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 64, stream: true, messages: [{ role: "user", content: "slow" }] }),
      });
      const reader = res.body!.getReader();
      const first = await reader.read();
      const firstAt = performance.now() - t0;
      expect(new TextDecoder().decode(first.value)).toContain("message_start");
      while (!(await reader.read()).done);
      const total = performance.now() - t0;
      // 9 events 150 ms apart: the first must arrive long before the last.
      expect(total - firstAt).toBeGreaterThan(900);
    } finally {
      w.fake.options.eventDelayMs = 0;
    }
  });

  it("a client that hangs up mid-stream: the row says so and the reservation is settled to what was counted", async () => {
    w.fake.options.eventDelayMs = 100;
    try {
      const ctrl = new AbortController();
      const res = await fetch(`${w.server.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": w.orgKey, "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 64, stream: true, messages: [{ role: "user", content: "hang up" }] }),
        signal: ctrl.signal,
      });
      const id = res.headers.get("x-fortress-request-id")!;
      await res.body!.getReader().read();
      ctrl.abort();
      const row = await rowFor(id);
      expect(row.decision).toBe("error");
      expect(row.reason).toMatch(/disconnected/);
      expect(row.inputTokens).toBeGreaterThan(0); // message_start had arrived
      const db = await getDb();
      await eventually(async () => {
        await w.leases.flush(); // unused lease money goes back; what remains was reserved by requests
        const [s] = await db.select().from(patSpend).where(eq(patSpend.patKeyId, w.patKey.id));
        return s.reservedMicros === 0;
      });
    } finally {
      w.fake.options.eventDelayMs = 0;
    }
  });

  it("tool use, non-streaming and streaming", async () => {
    const tools = [{ name: "get_weather", description: "Weather", input_schema: { type: "object" as const, properties: { location: { type: "string" } }, required: ["location"] } }];
    const msg = await w.client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 300, tools, messages: [{ role: "user", content: "Weather in SF?" }] });
    expect(msg.stop_reason).toBe("tool_use");
    const block = msg.content.find((b) => b.type === "tool_use");
    expect(block).toMatchObject({ name: "get_weather", input: { location: "San Francisco, CA" } });
    const streamed = await w.client.messages.stream({ model: "claude-sonnet-4-6", max_tokens: 300, tools, messages: [{ role: "user", content: "Weather in SF?" }] }).finalMessage();
    expect(streamed.content[0]).toMatchObject({ type: "tool_use", input: { location: "San Francisco, CA" } });
  });

  it("count_tokens works and is governed by the allowlist", async () => {
    const r = await w.client.messages.countTokens({ model: "claude-sonnet-4-6", messages: [{ role: "user", content: "count me" }] });
    expect(r.input_tokens).toBeGreaterThan(0);
    expect(last().path).toBe("/v1/messages/count_tokens");
    await expect(w.client.messages.countTokens({ model: "claude-opus-4-1-20250805", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 403 });
  });

  it("models list shows only the allowed models; a blocked model is not found", async () => {
    const page = await w.client.models.list();
    expect(page.data.map((m) => m.id).sort()).toEqual(["claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929", "claude-sonnet-4-6"]);
    const m = await w.client.models.retrieve("claude-sonnet-4-5-20250929");
    expect(m.id).toBe("claude-sonnet-4-5-20250929");
    await expect(w.client.models.retrieve("claude-opus-4-1-20250805")).rejects.toMatchObject({ status: 404 });
  });

  it("upstream errors pass through as Anthropic sent them, with their headers; reservations are released", async () => {
    for (const status of [400, 401, 429, 529]) {
      const res = await fetch(`${w.server.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": w.orgKey, "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 10, messages: [{ role: "user", content: `FAKE_ERROR_${status}` }] }),
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(res.status).toBe(status);
      // Looked up by request-id, not "the last one": the stream a client hung up on in an earlier
      // test is still being written by the fake, and is recorded when it ends.
      expect(bytes.equals(sentWith(res.headers.get("request-id")).body)).toBe(true);
      if (status === 429) expect(res.headers.get("retry-after")).toBe("17");
      const row = await rowFor(res.headers.get("x-fortress-request-id")!);
      expect(row).toMatchObject({ status, decision: "error", costMicros: 0 });
    }
    // The SDK raises its usual typed errors.
    await expect(w.client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 10, messages: [{ role: "user", content: "FAKE_ERROR_529" }] })).rejects.toMatchObject({ status: 529 });
    const db = await getDb();
    await eventually(async () => {
      await w.leases.flush(); // unused lease money goes back; what remains was reserved by requests
      const [s] = await db.select().from(patSpend).where(eq(patSpend.patKeyId, w.patKey.id));
      return s.reservedMicros === 0;
    });
  });

  it("the SDK works with the spec's base URL ending in /v1 as well", async () => {
    const Anthropic = (await import("@anthropic-ai/sdk")).default;
    const client = new Anthropic({ apiKey: w.orgKey, baseURL: `${w.server.url}/v1`, maxRetries: 0 });
    const msg = await client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
    expect(msg.type).toBe("message");
    expect(last().path).toBe("/v1/messages");
  });

  it("other Anthropic endpoints are refused in Anthropic's format, never forwarded", async () => {
    const before = w.fake.requests.length;
    await expect(w.client.messages.batches.list()).rejects.toMatchObject({ status: 403 });
    const res = await fetch(`${w.server.url}/v1/files`, { headers: { "x-api-key": w.orgKey } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "policy_denied", code: 403 } });
    expect(w.fake.requests.length).toBe(before);
  });

  it("a wrong org key is an Anthropic authentication_error and nothing is forwarded", async () => {
    const Anthropic = (await import("@anthropic-ai/sdk")).default;
    const before = w.fake.requests.length;
    const bad = new Anthropic({ apiKey: "fk_live_" + "x".repeat(40), baseURL: w.server.url, maxRetries: 0 });
    await expect(bad.messages.create({ model: "claude-sonnet-4-6", max_tokens: 10, messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({ status: 401 });
    expect(w.fake.requests.length).toBe(before);
  });

  it("audit events record admission and the archive hash", async () => {
    const { response } = await w.client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 10, messages: [{ role: "user", content: "audit me" }] }).withResponse();
    const id = response.headers.get("x-fortress-request-id")!;
    const db = await getDb();
    await eventually(async () => {
      const rows = await db.select().from(auditEvents).where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.requestId, id)));
      return rows.some((r) => r.action === "pat.messages.completed");
    });
    const rows = await db.select().from(auditEvents).where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.requestId, id)));
    const admitted = rows.find((r) => r.action === "pat.messages")!;
    expect(admitted).toMatchObject({ product: "pat", decision: "allow", actorId: w.user.id, resourceId: w.patKey.id });
    const done = rows.find((r) => r.action === "pat.messages.completed")!;
    const meta = done.metadata as { archive: { sha256: string; stored: boolean }; input_tokens: number };
    expect(meta.archive.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.archive.stored).toBe(true);
    expect(meta.input_tokens).toBeGreaterThan(0);
    for (const r of rows) expect(JSON.stringify(r)).not.toContain(REAL_KEY);
  });
});
