// SSRF at the connector level: a connector configured with an internal address (≥ 40 forms) is
// refused before a socket opens and before its credential is decrypted — the vault is never asked
// (no vault.secret.used audit event) and the listening socket never sees a connection. Redirects from
// an allowed host to an internal one are refused too, and nothing reaches the internal host.
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, connectors } from "@/db/schema";
import { notifyConnectorsChanged } from "@/lib/connectors/events";
import { getDb } from "@/lib/db";
import { allowLoopback, api, connectorRow, runAction } from "./connectors-helpers";
import { newOrg } from "./helpers";

let connections = 0;
let port = 0;
const tcp = createTcpServer((s) => {
  connections++;
  s.destroy();
});
let redirector: Server;
let redirectorPort = 0;
let redirectorHits = 0;

beforeAll(async () => {
  await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", () => r()));
  port = (tcp.address() as AddressInfo).port;
  redirector = createHttpServer((req, res) => {
    redirectorHits++;
    res.writeHead(302, { location: decodeURIComponent(req.url!.split("/to/")[1] ?? "") }).end();
  });
  await new Promise<void>((r) => redirector.listen(0, "127.0.0.2", () => r()));
  redirectorPort = (redirector.address() as AddressInfo).port;
  allowLoopback("127.0.0.2/32"); // only the redirector is allowed; 127.0.0.1 is internal
});

afterAll(() => {
  tcp.close();
  redirector.close();
});

const internal = (p: number) => [
  `https://127.0.0.1:${p}`,
  `http://127.0.0.1:${p}`,
  `https://127.1:${p}`,
  `https://127.0.1:${p}`,
  `https://2130706433:${p}`,
  `https://0x7f000001:${p}`,
  `https://0x7f.0x0.0x0.0x1:${p}`,
  `https://0177.0.0.1:${p}`,
  `https://017700000001:${p}`,
  `https://0:${p}`,
  `https://0.0.0.0:${p}`,
  `https://[::1]:${p}`,
  `https://[::]:${p}`,
  `https://[::ffff:127.0.0.1]:${p}`,
  `https://[::ffff:7f00:1]:${p}`,
  `https://[0:0:0:0:0:ffff:127.0.0.1]:${p}`,
  `https://localhost:${p}`,
  `https://LOCALHOST:${p}`,
  `https://localhost.:${p}`,
  `http://localhost:${p}`,
  `https://169.254.169.254/latest/meta-data`,
  `http://169.254.169.254/latest/meta-data`,
  `https://[fe80::1]`,
  `https://[fd00::1]`,
  `https://[fc00::1]`,
  `https://10.0.0.1`,
  `https://10.255.255.255`,
  `https://172.16.0.1`,
  `https://172.31.255.255`,
  `https://192.168.1.1`,
  `https://100.64.0.1`,
  `https://224.0.0.1`,
  `https://255.255.255.255`,
  `https://198.18.0.1`,
  `https://[64:ff9b::7f00:1]`,
  `https://[2002:7f00:1::]`,
  `https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]`,
  `https://[ff02::1]`,
  `https://user:pass@example.com`,
  `https://example.com@127.0.0.1:${p}`,
  `ftp://127.0.0.1:${p}`,
  `file:///etc/passwd`,
  `gopher://127.0.0.1:${p}`,
  `http://example.com`, // plain http to a public host: refused (https only)
];

async function vaultUses(orgId: string): Promise<number> {
  const db = await getDb();
  const rows = await db.select({ id: auditEvents.id }).from(auditEvents).where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, "vault.secret.used")));
  return rows.length;
}

/** Points a connector's URL setting at `url`, bypassing save-time checks (defence in depth is what is tested). */
async function pointAt(orgId: string, id: string, type: string, url: string) {
  const db = await getDb();
  const key = type === "salesforce" ? "instance_url" : type === "mcp" ? "url" : "base_url";
  const row = await connectorRow(orgId, id);
  await db.update(connectors).set({ status: "ACTIVE", config: { ...row.config, [key]: url } }).where(eq(connectors.id, id));
  await notifyConnectorsChanged(orgId); // as the connector service does after its own writes
}

describe("connector SSRF", () => {
  it("blocks ≥ 40 internal address forms before any socket and before the credential is decrypted", async () => {
    const { org, user, token } = await newOrg();
    const made = {
      zendesk: (await api.create(token, { type: "zendesk", name: "z", config: { subdomain: "acme", email: "a@b.example" }, credentials: { api_token: "canary-zendesk-token" } })).json,
      salesforce: (await api.create(token, { type: "salesforce", name: "s", config: { instance_url: "https://acme.my.salesforce.com" }, credentials: { access_token: "canary-sf-token" } })).json,
      mcp: (await api.create(token, { type: "mcp", name: "m", config: { url: "https://mcp.example.com/mcp" }, credentials: { auth_value: "Bearer canary-mcp" } })).json,
      github: (await api.create(token, { type: "github", name: "g", credentials: { token: "canary-gh-token" } })).json,
    };
    const runs: Array<{ type: keyof typeof made; action: string; args: Record<string, unknown> }> = [
      { type: "zendesk", action: "get_ticket", args: { id: 1 } },
      { type: "salesforce", action: "query", args: { soql: "SELECT Id FROM Account" } },
      { type: "github", action: "get_issue", args: { owner: "acme", repo: "widgets", issue_number: 1 } },
    ];
    const forms = internal(port);
    expect(forms.length).toBeGreaterThanOrEqual(40);
    const usesBefore = await vaultUses(org.id);
    const blocked: string[] = [];
    for (const [i, url] of forms.entries()) {
      const run = runs[i % runs.length];
      const c = made[run.type];
      await pointAt(org.id, c.id, run.type, url);
      const r = await runAction(org.id, user.id, c.id, run.action, run.args);
      expect(r.isError, url).toBe(true);
      expect(r.content[0].text, url).toContain("Outbound request blocked");
      expect(r.content[0].text).not.toContain("canary");
      blocked.push(url);
      // Test Connection takes the same guard (an upstream MCP connector too).
      if (i % 4 === 0) {
        await pointAt(org.id, made.mcp.id, "mcp", url);
        const t = await api.test(token, made.mcp.id);
        expect(t.json.ok, url).toBe(false);
        expect(t.json.error, url).toContain("Outbound request blocked");
      }
    }
    expect(blocked).toHaveLength(forms.length);
    expect(connections).toBe(0);
    expect(await vaultUses(org.id)).toBe(usesBefore); // withSecret never ran: nothing was decrypted
  });

  it("a redirect from an allowed host to an internal one is refused; the internal host sees nothing", async () => {
    const { org, user, token } = await newOrg();
    const c = (await api.create(token, { type: "zendesk", name: "z", config: { subdomain: "acme", email: "a@b.example" }, credentials: { api_token: "canary-zendesk-token" } })).json;
    const targets = [`http://127.0.0.1:${port}/`, "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", `http://localhost:${port}/`];
    for (const t of targets) {
      await pointAt(org.id, c.id, "zendesk", `http://127.0.0.2:${redirectorPort}/to/${encodeURIComponent(t)}`);
      const r = await runAction(org.id, user.id, c.id, "get_ticket", { id: 1 });
      expect(r.isError, t).toBe(true);
      expect(r.content[0].text, t).toContain("Outbound request blocked");
    }
    expect(redirectorHits).toBe(targets.length);
    expect(connections).toBe(0);
  });

  it("save-time checks refuse URLs with credentials or odd schemes", async () => {
    const { token } = await newOrg();
    for (const url of ["https://user:pass@example.com", "ftp://example.com", "file:///etc/passwd", "https://example.com/?x=1"]) {
      const r = await api.create(token, { type: "mcp", name: "m", config: { url }, credentials: {} });
      expect(r.status, url).toBe(400);
    }
  });
});
