import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { signUp, uniqueEmail } from "./helpers";

// A minimal stand-in for the Zendesk Support API: the connector's read-only test call is
// GET /api/v2/users/me.json with Basic auth "{email}/token:{api_token}", answered as Zendesk does.
async function startZendesk(email: string, token: string) {
  const expected = `Basic ${Buffer.from(`${email}/token:${token}`).toString("base64")}`;
  const server = http.createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.headers.authorization !== expected) {
      res.writeHead(401).end(JSON.stringify({ error: "Couldn't authenticate you" }));
    } else if (req.method === "GET" && req.url === "/api/v2/users/me.json") {
      res.writeHead(200).end(JSON.stringify({ user: { id: 1, name: "Agent", email, role: "admin" } }));
    } else {
      res.writeHead(404).end(JSON.stringify({ error: "RecordNotFound", description: "Not found" }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

test("the Traffic Feed shows a denied MCP call live", async ({ page, baseURL }) => {
  const zendesk = await startZendesk("agent@example.com", "zd-e2e-token-1234567890");
  try {
    await signUp(page, uniqueEmail("secops"), "Feed Org");
    const headers = { origin: baseURL! };

    const created = await page.request.post("/api/v1/connectors", {
      headers,
      data: {
        type: "zendesk",
        name: "Zendesk",
        slug: "zendesk",
        config: { subdomain: "acme", email: "agent@example.com", base_url: zendesk.url },
        credentials: { api_token: "zd-e2e-token-1234567890" },
      },
    });
    expect(created.status()).toBe(201);
    const connector = await created.json();
    const tested = await page.request.post(`/api/v1/connectors/${connector.id}/test`, { headers });
    expect((await tested.json()).ok).toBe(true);

    const key = await page.request.post("/api/v1/api-keys", { headers, data: { name: "assistant" } });
    expect(key.status()).toBe(201);
    const apiKey = (await key.json()).key as string;

    await page.goto("/traffic");
    await expect(page.getByRole("heading", { name: "Traffic Feed" })).toBeVisible();
    await expect(page.getByText("Live", { exact: true })).toBeVisible();

    // No role grants anything yet: deny by default. Stateless (2026-07-28) request, no session.
    const body = {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        name: "zendesk__delete_ticket",
        arguments: { ticket_id: 123 },
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientInfo": { name: "e2e", version: "1.0.0" },
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    };
    const mcpHeaders = {
      "x-api-key": apiKey,
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "zendesk__delete_ticket",
    };
    const call = await page.request.post("/v1/mcp", { headers: mcpHeaders, data: body });
    const answer = await call.json();
    expect(answer.error?.message).toBe("Policy denied");

    const row = page.getByRole("table", { name: "Live traffic" }).getByRole("row").filter({ hasText: "zendesk__delete_ticket" });
    await expect(row).toBeVisible();
    await expect(row).toHaveAttribute("data-decision", "deny");

    // The first /v1 request loaded the gateways' route; from now on the server's gateway front serves
    // /v1 past Next's routing (lib/http/front.ts). Same answer, same baseline headers.
    const again = await page.request.post("/v1/mcp", { headers: mcpHeaders, data: { ...body, id: 2 } });
    expect((await again.json()).error?.message).toBe("Policy denied");
    expect(again.headers()["x-content-type-options"]).toBe("nosniff");
    expect(again.headers()["x-frame-options"]).toBe("DENY");
    await expect(page.getByRole("table", { name: "Live traffic" }).getByRole("row").filter({ hasText: "zendesk__delete_ticket" })).toHaveCount(2);
  } finally {
    await zendesk.close();
  }
});
