import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { clientIp, parseCidrList } from "@/lib/http/client-ip";

describe("settings", () => {
  it("works with no settings at all", () => {
    const e = parseEnv({});
    expect(e).toMatchObject({ PORT: 3000, FORTRESS_DATA_DIR: "./.data", FORTRESS_SIGNUP: "open" });
    expect(e.DATABASE_URL).toBeUndefined();
    expect(e.REDIS_URL).toBeUndefined();
  });

  it("names every bad setting on its own line", () => {
    try {
      parseEnv({ PORT: "http", DATABASE_URL: "mysql://x", FORTRESS_SIGNUP: "maybe", FORTRESS_TRUSTED_PROXIES: "10.0.0.0/99" });
      expect.unreachable();
    } catch (err) {
      const lines = (err as Error).message.split("\n").slice(1);
      expect(lines).toHaveLength(4);
      expect(lines.join("\n")).toMatch(/PORT/);
      expect(lines.join("\n")).toMatch(/DATABASE_URL: must be a URL with scheme postgres or postgresql/);
      expect(lines.join("\n")).toMatch(/FORTRESS_SIGNUP/);
      expect(lines.join("\n")).toMatch(/FORTRESS_TRUSTED_PROXIES/);
    }
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", PORT: "" }).PORT).toBe(3000);
  });
});

describe("client address", () => {
  const h = (peer: string, xff?: string) => new Headers({ "x-fortress-peer": peer, ...(xff ? { "x-forwarded-for": xff } : {}) });
  const trusted = parseCidrList("10.0.0.0/8, 2001:db8::/32");

  it("ignores a spoofed X-Forwarded-For from an untrusted peer", () => {
    expect(clientIp(h("198.51.100.7", "1.2.3.4"), trusted)).toBe("198.51.100.7");
    expect(clientIp(h("198.51.100.7", "10.0.0.1"), [])).toBe("198.51.100.7");
  });

  it("believes X-Forwarded-For through trusted proxies, from the right", () => {
    expect(clientIp(h("10.0.0.5", "203.0.113.9"), trusted)).toBe("203.0.113.9");
    expect(clientIp(h("10.0.0.5", "6.6.6.6, 203.0.113.9, 10.1.1.1"), trusted)).toBe("203.0.113.9");
  });

  it("unwraps IPv4-mapped IPv6 peers", () => {
    expect(clientIp(h("::ffff:10.0.0.5", "203.0.113.9"), trusted)).toBe("203.0.113.9");
    expect(clientIp(h("::ffff:198.51.100.7"), trusted)).toBe("198.51.100.7");
  });

  it("returns null without a known peer", () => {
    expect(clientIp(new Headers({ "x-forwarded-for": "1.2.3.4" }), trusted)).toBeNull();
  });
});
