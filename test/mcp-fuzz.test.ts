// 10,000 generated malformed JSON-RPC bodies against /v1/mcp (both eras): never a 5xx, always the
// error code the spec gives for the kind of damage, and the endpoint still serves afterwards.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { McpHandler } from "@/lib/gateway/mcp/handler";
import { startFakeZendesk, type FakeZendesk } from "./fakes/zendesk-lite";
import { mcpHeaders, modernMeta, setupMcpOrg, StandInPolicy, testHandler, type McpOrg } from "./mcp-fixtures";

let vendor: FakeZendesk;
let org: McpOrg;
let handler: McpHandler;
let sid: string;
const policy = new StandInPolicy();

const KNOWN = new Set(["initialize", "ping", "tools/list", "tools/call", "server/discover", "subscriptions/listen"]);

type Case = { body: string | Uint8Array; era: "legacy" | "modern"; expect: { status: number; code?: number } };

const nonJson = fc
  .oneof(
    fc.string(),
    fc.constantFrom("{", "}", "[", '{"jsonrpc":"2.0",', "nul", "tru", "{'a':1}", '{"a":1,}', "NaN", "01", '"\\x"', ""),
    fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
  )
  .filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  });

const invalidUtf8 = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => {
  const out = new Uint8Array(bytes.length + 3);
  out.set([0x7b, 0xff, 0xfe]); // "{" then bytes that are never valid UTF-8
  out.set(bytes, 3);
  return out;
});

const id = fc.oneof(fc.integer(), fc.string({ maxLength: 20 }));
const badId = fc.oneof(fc.double({ noInteger: true }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const notObject = fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.integer(), fc.string(), fc.boolean(), fc.constant(null));

const badEnvelope = fc.oneof(
  // wrong or missing "jsonrpc"
  fc.record({ jsonrpc: fc.oneof(fc.constant("1.0"), fc.constant(2), fc.constant(null), fc.string()).filter((v) => v !== "2.0"), id, method: fc.string() }),
  fc.record({ id, method: fc.constantFrom("ping", "tools/list") }),
  // id of a type MCP forbids
  fc.record({ jsonrpc: fc.constant("2.0"), id: badId, method: fc.constantFrom("ping", "tools/list", "tools/call") }),
  // method that is not a non-empty string
  fc.record({ jsonrpc: fc.constant("2.0"), id, method: fc.oneof(fc.integer(), fc.constant(""), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })) }),
  // params that is not an object
  fc.record({ jsonrpc: fc.constant("2.0"), id, method: fc.constantFrom("ping", "tools/list", "tools/call"), params: fc.oneof(fc.array(fc.integer()), fc.integer(), fc.string(), fc.constant(null)) }),
  // neither request nor response, or both
  fc.record({ jsonrpc: fc.constant("2.0"), id }),
  fc.record({ jsonrpc: fc.constant("2.0"), id, method: fc.constant("ping"), result: fc.jsonValue({ maxDepth: 1 }) }),
  fc.record({ jsonrpc: fc.constant("2.0"), id, result: fc.jsonValue({ maxDepth: 1 }), error: fc.jsonValue({ maxDepth: 1 }) }),
  fc.record({ jsonrpc: fc.constant("2.0"), foo: fc.jsonValue({ maxDepth: 1 }) }),
);

const unknownMethod = fc.record({
  jsonrpc: fc.constant("2.0"),
  id,
  method: fc.string({ minLength: 1, maxLength: 40 }).filter((m) => !KNOWN.has(m) && /^[\x21-\x7e]+$/.test(m)),
  params: fc.option(fc.object({ maxDepth: 2 }), { nil: undefined }),
});

const badToolCall = fc.record({
  jsonrpc: fc.constant("2.0"),
  id,
  method: fc.constant("tools/call"),
  params: fc.oneof(
    fc.record({ name: fc.oneof(fc.integer(), fc.constant(null), fc.constant(""), fc.array(fc.string(), { maxLength: 1 }), fc.string({ minLength: 257, maxLength: 300 })) }),
    fc.record({ name: fc.constant("zendesk__list_tickets"), arguments: fc.oneof(fc.array(fc.integer()), fc.integer(), fc.string(), fc.constant(null)) }),
    fc.record({ arguments: fc.object({ maxDepth: 1 }) }),
  ),
});

const badCursor = fc.record({
  jsonrpc: fc.constant("2.0"),
  id,
  method: fc.constant("tools/list"),
  params: fc.record({ cursor: fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.integer(), fc.constant(""), fc.object({ maxDepth: 1 })) }),
});

const notification = fc.record({ jsonrpc: fc.constant("2.0"), method: fc.string({ minLength: 1, maxLength: 30 }), params: fc.option(fc.object({ maxDepth: 1 }), { nil: undefined }) });

const era = fc.constantFrom<"legacy" | "modern">("legacy", "modern");
const withMeta = (m: Record<string, unknown>, e: "legacy" | "modern") =>
  e === "modern" ? { ...m, params: { ...((m.params as object) ?? {}), _meta: modernMeta() } } : m;

const cases: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ body: nonJson, era, expect: fc.constant({ status: 400, code: -32700 }) }),
  fc.record({ body: invalidUtf8, era, expect: fc.constant({ status: 400, code: -32700 }) }),
  fc.record({ body: notObject.map((v) => JSON.stringify(v)), era, expect: fc.constant({ status: 400, code: -32600 }) }),
  fc.record({ body: badEnvelope.map((v) => JSON.stringify(v)), era, expect: fc.constant({ status: 400, code: -32600 }) }),
  era.chain((e) =>
    unknownMethod.map((m) => ({ body: JSON.stringify(withMeta(m, e)), era: e, expect: e === "modern" ? { status: 404, code: -32601 } : { status: 200, code: -32601 } })),
  ),
  era.chain((e) =>
    badToolCall.map((m) => ({
      body: JSON.stringify(withMeta(m, e)),
      era: e,
      // Modern: a name that is not a string cannot be mirrored into Mcp-Name, so the headers cannot match the body.
      expect: e === "modern" && typeof (m.params as { name?: unknown }).name !== "string" ? { status: 400, code: -32020 } : { status: 200, code: -32602 },
    })),
  ),
  era.chain((e) => badCursor.map((m) => ({ body: JSON.stringify(withMeta(m, e)), era: e, expect: { status: 200, code: -32602 } }))),
  era.chain((e) => notification.map((m) => ({ body: JSON.stringify(m), era: e, expect: { status: 202 } }))),
);

function headersFor(c: Case): Record<string, string> {
  if (c.era === "legacy") return mcpHeaders(org.key, { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" });
  // Modern: mirror the body into the headers when it can be read, as a conforming client would.
  let method = "x";
  let name: string | undefined;
  try {
    const v = JSON.parse(typeof c.body === "string" ? c.body : "");
    if (typeof v?.method === "string" && /^[\x20-\x7e]*$/.test(v.method)) method = v.method;
    if (typeof v?.params?.name === "string") {
      const n: string = v.params.name;
      const plain = /^[\x21-\x7e]*$/.test(n) && !(n.startsWith("=?base64?") && n.endsWith("?="));
      name = plain ? n : `=?base64?${Buffer.from(n, "utf8").toString("base64")}?=`;
    }
  } catch {
    // unreadable body: headers stay generic
  }
  return mcpHeaders(org.key, { "mcp-protocol-version": "2026-07-28", "mcp-method": method, ...(name !== undefined ? { "mcp-name": name } : {}) });
}

async function post(body: string | Uint8Array, headers: Record<string, string>) {
  const res = await handler(new Request("http://127.0.0.1:3000/v1/mcp", { method: "POST", headers, body: body as BodyInit }));
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined, sid: res.headers.get("mcp-session-id") };
}

beforeAll(async () => {
  vendor = await startFakeZendesk();
  org = await setupMcpOrg(vendor.url);
  policy.allow(org.userId, org.connectorId, "list_tickets");
  handler = testHandler({ policy });
  const init = await post(
    JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "fuzz", version: "1" } } }),
    mcpHeaders(org.key),
  );
  expect(init.status).toBe(200);
  sid = init.sid!;
});

afterAll(async () => {
  await vendor?.close();
});

describe("MCP endpoint under 10,000 malformed bodies", () => {
  it("never answers 5xx, always with the right JSON-RPC error code, and keeps serving", async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        runs++;
        const res = await post(c.body, headersFor(c));
        expect(res.status).toBeLessThan(500);
        expect(res.status, res.text).toBe(c.expect.status);
        if (c.expect.code === undefined) {
          expect(res.text).toBe("");
        } else {
          expect(res.json.jsonrpc).toBe("2.0");
          expect(res.json.error.code, res.text).toBe(c.expect.code);
          expect(typeof res.json.error.message).toBe("string");
        }
      }),
      { numRuns: 10_000 },
    );
    expect(runs).toBe(10_000);
    // Still alive and correct.
    const ping = await post(JSON.stringify({ jsonrpc: "2.0", id: "alive", method: "ping" }), mcpHeaders(org.key, { "mcp-session-id": sid }));
    expect(ping.json).toEqual({ jsonrpc: "2.0", id: "alive", result: {} });
  }, 300_000);
});
