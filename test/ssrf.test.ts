// SSRF: every internal address form is refused before a socket opens and before a credential is
// attached; redirects to internal hosts are refused too; allowlisted destinations work.
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { OutboundAnswerTooLargeError, OutboundBlockedError, safeFetch, safeRequest } from "@/lib/net/outbound";
import { vendorFetch } from "@/lib/connectors/http";
import { ConnectorError } from "@/lib/connectors/types";

let connections = 0;
let port = 0;
const tcp = createTcpServer((s) => {
  connections++;
  s.destroy();
});
let redirector: Server;
let redirectorPort = 0;

beforeAll(async () => {
  await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", () => r()));
  port = (tcp.address() as AddressInfo).port;
  redirector = createHttpServer((req, res) => {
    if (req.url === "/ok") {
      res.end("hello");
      return;
    }
    if (req.url === "/huge") {
      // 17 MiB in 1 MiB chunks, no content-length: the limit must hold while streaming.
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      let sent = 0;
      const more = () => {
        while (sent < 17) {
          sent++;
          if (!res.write(chunk)) return void res.once("drain", more);
        }
        res.end();
      };
      more();
      return;
    }
    res.writeHead(302, { location: decodeURIComponent(req.url!.slice("/to/".length)) }).end();
  });
  await new Promise<void>((r) => redirector.listen(0, "127.0.0.2", () => r()));
  redirectorPort = (redirector.address() as AddressInfo).port;
  process.env.FORTRESS_OUTBOUND_ALLOW = "127.0.0.2/32";
  resetEnvForTests();
});

afterAll(() => {
  tcp.close();
  redirector.close();
  delete process.env.FORTRESS_OUTBOUND_ALLOW;
  resetEnvForTests();
});

const forms = (p: number) => [
  `https://127.0.0.1:${p}/`,
  `http://127.0.0.1:${p}/`,
  `https://127.1:${p}/`,
  `https://127.0.1:${p}/`,
  `https://2130706433:${p}/`, // decimal
  `https://0x7f000001:${p}/`, // hex
  `https://0x7f.0x0.0x0.0x1:${p}/`,
  `https://0177.0.0.1:${p}/`, // octal
  `https://017700000001:${p}/`,
  `https://0:${p}/`,
  `https://0.0.0.0:${p}/`,
  `https://[::1]:${p}/`,
  `https://[::]:${p}/`,
  `https://[::ffff:127.0.0.1]:${p}/`,
  `https://[::ffff:7f00:1]:${p}/`,
  `https://[0:0:0:0:0:ffff:127.0.0.1]:${p}/`,
  `https://localhost:${p}/`,
  `https://LOCALHOST:${p}/`,
  `https://localhost.:${p}/`,
  `https://169.254.169.254/latest/meta-data/`,
  `https://[fe80::1]/`,
  `https://[fd00::1]/`,
  `https://[fc00::1]/`,
  `https://10.0.0.1/`,
  `https://10.255.255.255/`,
  `https://172.16.0.1/`,
  `https://172.31.255.255/`,
  `https://192.168.1.1/`,
  `https://100.64.0.1/`, // carrier-grade NAT
  `https://224.0.0.1/`, // multicast
  `https://255.255.255.255/`,
  `https://192.0.0.8/`,
  `https://198.18.0.1/`, // benchmarking
  `https://[64:ff9b::7f00:1]/`, // NAT64 of 127.0.0.1
  `https://[2002:7f00:1::]/`, // 6to4 of 127.0.0.1
  `https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/`, // Teredo
  `https://[ff02::1]/`,
  `https://user:pass@example.com/`,
  `https://example.com@127.0.0.1:${p}/`,
  `https://127.0.0.1%2f@example.com/`,
  `ftp://127.0.0.1:${p}/`,
  `file:///etc/passwd`,
  `gopher://127.0.0.1:${p}/`,
  `javascript:alert(1)`,
  `data:text/plain,hi`,
  `not a url`,
  `http://127.0.0.2:${redirectorPort}/to/${encodeURIComponent(`http://127.0.0.1:${p}/`)}`, // redirect to internal
  `http://127.0.0.2:${redirectorPort}/to/${encodeURIComponent("http://169.254.169.254/latest/meta-data/")}`,
  `http://127.0.0.2:${redirectorPort}/to/${encodeURIComponent("file:///etc/passwd")}`,
  `http://127.0.0.2:${redirectorPort}/to/${encodeURIComponent(`http://localhost:${p}/`)}`,
];

// Both outbound entry points: safeFetch (streams: webhooks, upstream MCP, key providers) and
// safeRequest (whole answers: the vendor connectors).
const entryPoints = {
  safeFetch: async (url: string, init: () => { headers: Record<string, string> }) => void (await (await safeFetch(url, init)).text()),
  safeRequest: async (url: string, init: () => { headers: Record<string, string> }) => void (await safeRequest(url, init)),
};

describe.each(Object.entries(entryPoints))("outbound SSRF protection (%s)", (_name, send) => {
  beforeAll(() => {
    connections = 0;
  });

  it("blocks every internal address form before a socket opens and before credentials are built", async () => {
    const list = forms(port);
    expect(list.length).toBeGreaterThanOrEqual(40);
    let credentialsBuilt = 0;
    const blocked: string[] = [];
    for (const url of list) {
      const redirecting = url.includes("/to/");
      try {
        await send(url, () => {
          credentialsBuilt++;
          return { headers: { authorization: "Bearer canary-credential" } };
        });
      } catch (err) {
        expect(err, url).toBeInstanceOf(OutboundBlockedError);
        blocked.push(url);
        // The redirecting hop itself is allowlisted, so its request was built; nothing else is.
        if (!redirecting) continue;
      }
    }
    expect(blocked).toEqual(list);
    expect(credentialsBuilt).toBe(4); // only the four allowlisted redirector hops
    expect(connections).toBe(0);
  });

  it("allows an allowlisted destination over plain http", async () => {
    const res = await safeFetch(`http://127.0.0.2:${redirectorPort}/ok`);
    expect(await res.text()).toBe("hello");
    const whole = await safeRequest(`http://127.0.0.2:${redirectorPort}/ok`, () => ({}));
    expect(whole).toMatchObject({ status: 200, text: "hello" });
  });
});

describe("outbound answer size", () => {
  it("safeRequest stops reading past its limit, and a vendor call turns that into a clear connector error", async () => {
    const url = `http://127.0.0.2:${redirectorPort}/huge`;
    await expect(safeRequest(url, () => ({}), { maxBytes: 1024 * 1024 })).rejects.toBeInstanceOf(OutboundAnswerTooLargeError);
    const err = await vendorFetch({ vendor: "Acme", url, headers: () => ({}) }).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.message).toBe("Acme: The answer is larger than 16 MiB; ask for fewer results");
  });
});
