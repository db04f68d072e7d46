// A local stand-in for the Anthropic API, shaped like its documented wire format, that records every
// request it receives (method, path, headers, exact body bytes). Used by the PAT tests and benchmark.
//  - POST /v1/messages: a Message, or (stream: true) the SSE sequence message_start →
//    content_block_start → ping → content_block_delta… → content_block_stop → message_delta →
//    message_stop. With `tools` in the request the answer is a tool_use block (stop_reason "tool_use").
//  - POST /v1/messages/count_tokens → { input_tokens }
//  - GET /v1/models, GET /v1/models/{id}
//  - errors in Anthropic's shape with a request-id header: put FAKE_ERROR_<status> (400, 401, 429,
//    529, 500) in a user message, or call failNext(status). A wrong x-api-key is a 401.
//  - every response carries request-id and anthropic-ratelimit-* headers.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface FakeAnthropicOptions {
  /** Keys the fake accepts (default: any key starting with "sk-ant-"). */
  apiKeys?: string[];
  /** Delay before the response starts, and between SSE events (ms). */
  latencyMs?: number;
  eventDelayMs?: number;
  /** Text deltas per streamed answer. */
  deltas?: number;
  /** Keep every request (tests); the benchmark turns it off. */
  record?: boolean;
}

export const FAKE_MODELS = [
  { type: "model", id: "claude-sonnet-4-6", display_name: "Claude Sonnet 4.6", created_at: "2026-02-17T00:00:00Z" },
  { type: "model", id: "claude-opus-4-6", display_name: "Claude Opus 4.6", created_at: "2026-02-05T00:00:00Z" },
  { type: "model", id: "claude-sonnet-4-5-20250929", display_name: "Claude Sonnet 4.5", created_at: "2025-09-29T00:00:00Z" },
  { type: "model", id: "claude-haiku-4-5-20251001", display_name: "Claude Haiku 4.5", created_at: "2025-10-01T00:00:00Z" },
  { type: "model", id: "claude-opus-4-1-20250805", display_name: "Claude Opus 4.1", created_at: "2025-08-05T00:00:00Z" },
  { type: "model", id: "claude-opus-4-20250514", display_name: "Claude Opus 4", created_at: "2025-05-14T00:00:00Z" },
];

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

export interface FakeAnthropic {
  url: string;
  requests: Recorded[];
  /** What the fake sent back, per request, as exact bytes (for byte-for-byte comparisons). */
  responses: { status: number; headers: Record<string, string>; body: Buffer }[];
  /** Usage the fake reported on each /v1/messages answer, in order. */
  usages: { input_tokens: number; output_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number }[];
  failNext(status: number): void;
  options: FakeAnthropicOptions;
  reset(): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString("base64url")}`;

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const fake: FakeAnthropic = {
    url: "",
    requests: [],
    responses: [],
    usages: [],
    options: { deltas: 3, record: true, ...options },
    failNext(status) {
      forced.push(status);
    },
    reset() {
      fake.requests.length = 0;
      fake.responses.length = 0;
      fake.usages.length = 0;
      forced.length = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const forced: number[] = [];

  function baseHeaders(requestId: string): Record<string, string> {
    const reset = new Date(Date.now() + 60_000).toISOString();
    return {
      "request-id": requestId,
      "anthropic-organization-id": "00000000-0000-4000-8000-000000000000",
      "anthropic-ratelimit-requests-limit": "4000",
      "anthropic-ratelimit-requests-remaining": "3999",
      "anthropic-ratelimit-requests-reset": reset,
      "anthropic-ratelimit-tokens-limit": "400000",
      "anthropic-ratelimit-tokens-remaining": "399000",
      "anthropic-ratelimit-tokens-reset": reset,
    };
  }

  function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer) {
    if (fake.options.record) fake.responses.push({ status, headers, body });
    res.writeHead(status, { ...headers, "content-length": String(body.length) });
    res.end(body);
  }

  function sendError(res: ServerResponse, status: number, requestId: string, message?: string) {
    const type = ERROR_TYPES[status] ?? "api_error";
    const headers: Record<string, string> = { ...baseHeaders(requestId), "content-type": "application/json" };
    if (status === 429) headers["retry-after"] = "17";
    if (status === 429) headers["anthropic-ratelimit-requests-remaining"] = "0";
    const body = { type: "error", error: { type, message: message ?? (status === 529 ? "Overloaded" : `${type} (fake)`) }, request_id: requestId };
    send(res, status, headers, Buffer.from(JSON.stringify(body)));
  }

  function keyOk(req: IncomingMessage): boolean {
    const key = req.headers["x-api-key"];
    if (typeof key !== "string") return false;
    return fake.options.apiKeys ? fake.options.apiKeys.includes(key) : key.startsWith("sk-ant-");
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", "http://fake");
    if (fake.options.record) fake.requests.push({ method: req.method ?? "", path: `${url.pathname}${url.search}`, headers: { ...req.headers }, body });
    const requestId = id("req");
    if (fake.options.latencyMs) await sleep(fake.options.latencyMs);
    if (!keyOk(req)) return sendError(res, 401, requestId, "invalid x-api-key");
    if (forced.length) return sendError(res, forced.shift()!, requestId);

    if (req.method === "GET" && url.pathname === "/v1/models") {
      const out = { data: FAKE_MODELS, has_more: false, first_id: FAKE_MODELS[0].id, last_id: FAKE_MODELS[FAKE_MODELS.length - 1].id };
      return send(res, 200, { ...baseHeaders(requestId), "content-type": "application/json" }, Buffer.from(JSON.stringify(out)));
    }
    if (req.method === "GET" && url.pathname.startsWith("/v1/models/")) {
      const m = FAKE_MODELS.find((x) => x.id === decodeURIComponent(url.pathname.slice("/v1/models/".length)));
      if (!m) return sendError(res, 404, requestId, "model not found");
      return send(res, 200, { ...baseHeaders(requestId), "content-type": "application/json" }, Buffer.from(JSON.stringify(m)));
    }
    if (req.method !== "POST" || (url.pathname !== "/v1/messages" && url.pathname !== "/v1/messages/count_tokens")) {
      return sendError(res, 404, requestId, `Not found: ${url.pathname}`);
    }
    let parsed: any;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      return sendError(res, 400, requestId, "There was an issue with the format of your request: invalid JSON");
    }
    const forcedByText = /FAKE_ERROR_(\d{3})/.exec(body.toString("utf8"));
    if (forcedByText) return sendError(res, Number(forcedByText[1]), requestId);
    // Deterministic and never above one token per body byte (what PAT Fortress reserves).
    const inputTokens = Math.max(1, Math.ceil(body.length / 8));
    if (url.pathname === "/v1/messages/count_tokens") {
      return send(res, 200, { ...baseHeaders(requestId), "content-type": "application/json" }, Buffer.from(JSON.stringify({ input_tokens: inputTokens })));
    }
    if (typeof parsed.max_tokens !== "number") return sendError(res, 400, requestId, "max_tokens: Field required");
    const cacheRead = JSON.stringify(parsed).includes("cache_control") ? 7 : 0;
    const toolUse = Array.isArray(parsed.tools) && parsed.tools.length > 0;
    const words = ["Hello", " from", " the", " fake", " Anthropic", " API", "."];
    const deltas = Math.min(fake.options.deltas ?? 3, 50);
    const outputTokens = Math.min(parsed.max_tokens, toolUse ? 9 : deltas * 2 + 1);
    const usage = { input_tokens: inputTokens, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: cacheRead };
    fake.usages.push(usage);
    const msgId = id("msg");
    const tool = toolUse ? parsed.tools[0] : null;
    const toolId = id("toolu");

    if (parsed.stream !== true) {
      const content = toolUse
        ? [
            { type: "text", text: "Let me look that up." },
            { type: "tool_use", id: toolId, name: tool.name, input: { location: "San Francisco, CA" } },
          ]
        : [{ type: "text", text: Array.from({ length: deltas }, (_, i) => words[i % words.length]).join("") }];
      const message = {
        id: msgId,
        type: "message",
        role: "assistant",
        model: parsed.model,
        content,
        stop_reason: toolUse ? "tool_use" : "end_turn",
        stop_sequence: null,
        usage: { ...usage, service_tier: "standard" },
      };
      return send(res, 200, { ...baseHeaders(requestId), "content-type": "application/json" }, Buffer.from(JSON.stringify(message)));
    }

    const headers = { ...baseHeaders(requestId), "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
    res.writeHead(200, headers);
    const sent: Buffer[] = [];
    const event = async (name: string, data: unknown) => {
      const b = Buffer.from(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      sent.push(b);
      res.write(b);
      if (fake.options.eventDelayMs) await sleep(fake.options.eventDelayMs);
    };
    await event("message_start", {
      type: "message_start",
      message: {
        id: msgId,
        type: "message",
        role: "assistant",
        model: parsed.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: cacheRead, output_tokens: 1, service_tier: "standard" },
      },
    });
    if (toolUse) {
      await event("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: toolId, name: tool.name, input: {} } });
      await event("ping", { type: "ping" });
      for (const part of ['{"location":', ' "San Francisco, CA"}']) {
        await event("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: part } });
      }
    } else {
      await event("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
      await event("ping", { type: "ping" });
      for (let i = 0; i < deltas; i++) {
        await event("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: words[i % words.length] } });
      }
    }
    await event("content_block_stop", { type: "content_block_stop", index: 0 });
    await event("message_delta", {
      type: "message_delta",
      delta: { stop_reason: toolUse ? "tool_use" : "end_turn", stop_sequence: null },
      usage: { output_tokens: outputTokens },
    });
    await event("message_stop", { type: "message_stop" });
    if (fake.options.record) fake.responses.push({ status: 200, headers, body: Buffer.concat(sent) });
    res.end();
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.destroy(err as Error);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
