// The production HTTP front (scripts/server.ts → lib/http/front.ts): /v1/* goes to the gateways
// without Next's routing once the /v1 route module has published them; everything else, and /v1
// before that, goes to Next. Every request carries the socket's peer, never a client's claim.
import http, { type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { PatGateway } from "@/lib/gateway/pat/gateway";
import { gatewayRouter, gatewaySegments, isGatewayPath } from "@/lib/gateway/router";
import { parseEnv } from "@/lib/env";
import { createFrontListener, gatewayFrontSource, publishedGatewayFront, publishGatewayFront } from "@/lib/http/front";

async function listen(listener: RequestListener) {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

/** A stand-in for one side (Next or the gateway front) that says who answered and what peer it saw. */
const answerer = (name: string) => (req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ by: name, peer: req.headers["x-fortress-peer"] }));
};

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  publishGatewayFront(undefined as unknown as RequestListener);
});

describe("the HTTP front", () => {
  it("sends /v1 and below to the published gateways and the rest to Next, with the socket's peer", async () => {
    const s = await listen(createFrontListener(answerer("next"), () => answerer("gateway")));
    opened.push(s);
    const who = async (path: string) => {
      const r = await fetch(`${s.url}${path}`, { headers: { "x-fortress-peer": "203.0.113.9" } });
      return (await r.json()) as { by: string; peer: string };
    };
    for (const path of ["/v1", "/v1/mcp", "/v1/messages?beta=true", "/v1/messages/count_tokens", "/v1/models/claude-sonnet-4-6", "/v1/files"]) {
      expect(await who(path), path).toEqual({ by: "gateway", peer: "127.0.0.1" });
    }
    for (const path of ["/", "/v1x", "/v10/messages", "/api/v1/pat-keys", "/traffic", "/readyz?v1/mcp"]) {
      expect(await who(path), path).toEqual({ by: "next", peer: "127.0.0.1" });
    }
  });

  it("leaves /v1 to Next until the gateways are published, and under --dev", async () => {
    let published: RequestListener | undefined;
    const s = await listen(createFrontListener(answerer("next"), () => published));
    opened.push(s);
    expect(await (await fetch(`${s.url}/v1/mcp`)).json()).toMatchObject({ by: "next" });
    published = answerer("gateway");
    expect(await (await fetch(`${s.url}/v1/mcp`)).json()).toMatchObject({ by: "gateway" });
  });

  it("is on by default; off under --dev and with FORTRESS_GATEWAY_FRONT=off", () => {
    const listener = answerer("gateway");
    publishGatewayFront(listener);
    expect(parseEnv({}).FORTRESS_GATEWAY_FRONT).toBe("on");
    expect(() => parseEnv({ FORTRESS_GATEWAY_FRONT: "maybe" })).toThrow(/FORTRESS_GATEWAY_FRONT/);
    expect(gatewayFrontSource({ dev: false, setting: parseEnv({}).FORTRESS_GATEWAY_FRONT })()).toBe(listener);
    expect(gatewayFrontSource({ dev: true, setting: "on" })()).toBeUndefined();
    expect(gatewayFrontSource({ dev: false, setting: parseEnv({ FORTRESS_GATEWAY_FRONT: "off" }).FORTRESS_GATEWAY_FRONT })()).toBeUndefined();
  });

  it("loading the /v1 route module publishes the gateways, served with the baseline security headers", async () => {
    expect(publishedGatewayFront()).toBeUndefined();
    await import("@/app/v1/[[...path]]/route");
    const front = publishedGatewayFront();
    expect(front).toBeTypeOf("function");
    const s = await listen(createFrontListener(answerer("next")));
    opened.push(s);
    // No API key: PAT Fortress answers in Anthropic's format, MCP Fortress in JSON-RPC's.
    const pat = await fetch(`${s.url}/v1/messages`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(pat.status).toBe(401);
    expect(await pat.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(pat.headers.get("x-content-type-options")).toBe("nosniff");
    expect(pat.headers.get("x-frame-options")).toBe("DENY");
    expect(pat.headers.get("referrer-policy")).toBe("no-referrer");
    const mcp = await fetch(`${s.url}/v1/mcp`, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", host: "localhost" },
    });
    expect(mcp.status).toBe(401);
    expect(mcp.headers.get("www-authenticate")).toBeTruthy();
  });
});

describe("gateway paths", () => {
  it("are /v1 and below, decoded into segments as Next hands a catch-all route", () => {
    expect(isGatewayPath("/v1")).toBe(true);
    expect(isGatewayPath("/v1/")).toBe(true);
    expect(isGatewayPath("/v1x")).toBe(false);
    expect(isGatewayPath("/api/v1")).toBe(false);
    expect(gatewaySegments("/v1")).toEqual([]);
    expect(gatewaySegments("/v1/models/claude%2Dx")).toEqual(["models", "claude-x"]);
    expect(gatewaySegments("/v1/v1/messages")).toEqual(["v1", "messages"]);
    expect(gatewaySegments("/v1/models/%E0%A4%A")).toEqual(["models", "%E0%A4%A"]);
  });

  it("route /v1/mcp, with or without a trailing slash, to MCP and everything else to PAT", async () => {
    const seen: string[] = [];
    const route = gatewayRouter(() => ({
      mcp: async () => (seen.push("mcp"), new Response(null, { status: 204 })),
      pat: { other: async (_r: Request, path: string[]) => (seen.push(`pat ${path.join("/")}`), new Response(null, { status: 204 })) } as unknown as PatGateway,
    }));
    for (const path of ["/v1/mcp", "/v1/mcp/", "/v1/mcp/x", "/v1/mcpx", "/v1/messages"]) await route(new Request(`http://localhost${path}`, { method: "POST" }));
    expect(seen).toEqual(["mcp", "mcp", "pat mcp/x", "pat mcpx", "pat messages"]);
  });
});
