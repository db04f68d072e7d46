// Pure pieces of the MCP endpoint: Host/Origin rules (DNS-rebinding defence), header value decoding,
// Accept negotiation, message classification, cursor round trips.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { acceptsEventStream, checkParamHeaders, decodeHeaderValue, responseMode } from "@/lib/gateway/mcp/headers";
import { classify, RpcError } from "@/lib/gateway/mcp/protocol";
import { hostAllowed, originAllowed } from "@/lib/gateway/mcp/security";
import { decodeCursor, encodeCursor } from "@/lib/gateway/mcp/tools";

const PUBLIC = "https://fortress.example.com";

describe("Host and Origin", () => {
  it.each([
    ["127.0.0.1:3000", null, true],
    ["[::1]:3000", null, true],
    ["10.1.2.3", null, true],
    ["localhost:3000", null, true],
    ["app.localhost", null, true],
    ["fortress.example.com", PUBLIC, true],
    ["FORTRESS.example.com:443", PUBLIC, true],
    ["fortress.example.com", null, false],
    ["evil.example", PUBLIC, false],
    ["fortress.example.com.evil.example", PUBLIC, false],
    ["localhost.evil.example", null, false],
    ["", null, false],
    [null, null, false],
  ])("Host %s (public %s) → %s", (host, pub, ok) => {
    expect(hostAllowed(host, pub)).toBe(ok);
  });

  it.each([
    [null, "127.0.0.1:3000", null, true],
    ["http://127.0.0.1:3000", "127.0.0.1:3000", null, true],
    ["https://localhost:3000", "localhost:3000", null, true],
    [PUBLIC, "10.0.0.5:3000", PUBLIC, true],
    ["http://127.0.0.1:4000", "127.0.0.1:3000", null, false],
    ["https://evil.example", "127.0.0.1:3000", null, false],
    ["http://evil.example:3000", "evil.example:3000", null, false], // rebinding: same as Host, but Host is foreign
    ["null", "127.0.0.1:3000", null, false],
    ["file://", "127.0.0.1:3000", null, false],
    ["chrome-extension://abc", "127.0.0.1:3000", null, false],
    ["not a url", "127.0.0.1:3000", null, false],
  ])("Origin %s with Host %s (public %s) → %s", (origin, host, pub, ok) => {
    expect(originAllowed(origin, host, pub)).toBe(ok);
  });
});

describe("header values and Accept", () => {
  it("decodes the Base64 sentinel and refuses malformed or unsafe values", () => {
    expect(decodeHeaderValue("zendesk__list_tickets")).toBe("zendesk__list_tickets");
    expect(decodeHeaderValue("=?base64?SGVsbG8sIOS4lueVjA==?=")).toBe("Hello, 世界");
    expect(decodeHeaderValue("=?base64?!!?=")).toBeNull();
    expect(decodeHeaderValue("=?base64?/w==?=")).toBeNull(); // not UTF-8
    expect(decodeHeaderValue("a\u0000b")).toBeNull();
  });

  it("round-trips any string through the sentinel", () => {
    fc.assert(fc.property(fc.string(), (s) => decodeHeaderValue(`=?base64?${Buffer.from(s, "utf8").toString("base64")}?=`) === s));
  });

  it("checks x-mcp-header parameters against Mcp-Param-* headers", () => {
    const schema = { type: "object", properties: { region: { type: "string", "x-mcp-header": "Region" }, n: { type: "integer", "x-mcp-header": "N" }, q: { type: "string" } } };
    expect(() => checkParamHeaders(new Headers({ "mcp-param-region": "us-west1", "mcp-param-n": "42" }), schema, { region: "us-west1", n: 42, q: "x" })).not.toThrow();
    expect(() => checkParamHeaders(new Headers(), schema, { q: "x" })).not.toThrow(); // absent values need no header
    const err = (() => {
      try {
        checkParamHeaders(new Headers({ "mcp-param-region": "eu" }), schema, { region: "us-west1" });
      } catch (e) {
        return e as RpcError;
      }
    })();
    expect(err).toMatchObject({ code: -32020, status: 400 });
    expect(() => checkParamHeaders(new Headers(), schema, { region: "us-west1" })).toThrow(/required/);
  });

  it.each([
    ["application/json, text/event-stream", "json"],
    ["text/event-stream", "sse"],
    ["application/json;q=0.5, text/event-stream", "sse"],
    ["*/*", "json"],
    [null, "json"],
    ["text/html", null],
    ["application/json;q=0, text/event-stream;q=0", null],
  ])("Accept %s → %s", (accept, mode) => {
    expect(responseMode(accept)).toBe(mode);
  });

  it("GET needs text/event-stream", () => {
    expect(acceptsEventStream("text/event-stream")).toBe(true);
    expect(acceptsEventStream("*/*")).toBe(true);
    expect(acceptsEventStream("application/json")).toBe(false);
    expect(acceptsEventStream(null)).toBe(false);
  });
});

describe("message classification", () => {
  it("tells requests, notifications and responses apart and refuses the rest with -32600", () => {
    expect(classify({ jsonrpc: "2.0", id: 1, method: "ping" }).kind).toBe("request");
    expect(classify({ jsonrpc: "2.0", method: "notifications/initialized" }).kind).toBe("notification");
    expect(classify({ jsonrpc: "2.0", id: "a", result: {} }).kind).toBe("response");
    for (const bad of [[], null, 1, "x", { jsonrpc: "2.0" }, { jsonrpc: "2.0", id: null, method: "ping" }, { jsonrpc: "2.0", id: 1.5, method: "ping" }, { jsonrpc: "2.0", id: 1, method: "ping", params: [] }]) {
      expect(() => classify(bad)).toThrow(RpcError);
    }
  });
});

describe("cursors", () => {
  it("round-trip any tool name and refuse anything else with -32602", () => {
    fc.assert(fc.property(fc.string(), (name) => decodeCursor(encodeCursor(name)) === name));
    for (const bad of ["", "x", 5, {}, Buffer.from('{"v":2,"after":"a"}').toString("base64url")]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: -32602 }));
    }
  });
});
