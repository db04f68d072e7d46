// Pure pieces: credential scrubbing (property), Retry-After parsing, Link header paging, ADF, names.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextPage } from "@/lib/connectors/github";
import { retryAfterSeconds } from "@/lib/connectors/http";
import { toAdf } from "@/lib/connectors/jira";
import { upstreamActionName } from "@/lib/connectors/mcp-upstream";
import { actionName } from "@/lib/connectors/openapi/import";
import { scrubCredential } from "@/lib/connectors/run";

const hdr = (h: Record<string, string>) => ({ get: (k: string) => h[k.toLowerCase()] ?? null });

describe("credential scrubbing", () => {
  it("no credential value (≥ 6 chars) or its base64 survives in a message (property)", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom("api_token", "token", "password", "private_key"), fc.string({ minLength: 6, maxLength: 60 }).filter((s) => s.trim().length >= 6 && !s.includes("[redacted]"))),
        fc.string({ maxLength: 40 }),
        (cred, noise) => {
          const values = Object.values(cred);
          if (values.length === 0) return;
          // Values that contain one another make "fully removed" ill-defined; keep them distinct.
          fc.pre(values.every((a) => values.every((b) => a === b || (!a.includes(b) && !b.includes(a)))));
          const message = `${noise} ${values.join(" | ")} ${values.map((v) => Buffer.from(v).toString("base64")).join(" ")} ${noise}`;
          const out = scrubCredential(message, Buffer.from(JSON.stringify(cred)));
          for (const v of values) {
            expect(out.includes(v)).toBe(false);
            expect(out.includes(Buffer.from(v).toString("base64"))).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("redacts Bearer/Basic header values even when unknown", () => {
    expect(scrubCredential("sent Authorization: Bearer abcdefghijkl", Buffer.from("{}"))).toBe("sent Authorization: Bearer [redacted]");
  });
});

describe("rate-limit hints", () => {
  it("Retry-After seconds or date; X-RateLimit-Reset when remaining is 0", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterSeconds(hdr({ "retry-after": "12" }), now)).toBe(12);
    expect(retryAfterSeconds(hdr({ "retry-after": "Thu, 01 Jan 2026 00:01:00 GMT" }), now)).toBe(60);
    expect(retryAfterSeconds(hdr({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 90) }), now)).toBe(90);
    expect(retryAfterSeconds(hdr({ "x-ratelimit-remaining": "10", "x-ratelimit-reset": "1" }), now)).toBeUndefined();
  });
});

describe("helpers", () => {
  it("GitHub Link header → next page", () => {
    expect(nextPage('<https://api.github.com/repositories/1/issues?page=3>; rel="next", <https://api.github.com/repositories/1/issues?page=9>; rel="last"')).toBe(3);
    expect(nextPage('<https://api.github.com/x?page=1>; rel="prev"')).toBeNull();
    expect(nextPage(null)).toBeNull();
  });

  it("ADF paragraphs and hard breaks", () => {
    expect(toAdf("a\nb\n\nc")).toEqual({
      type: "doc",
      version: 1,
      content: [
        { type: "paragraph", content: [{ type: "text", text: "a" }, { type: "hardBreak" }, { type: "text", text: "b" }] },
        { type: "paragraph", content: [{ type: "text", text: "c" }] },
      ],
    });
  });

  it("action names are [a-z0-9_] without double underscores (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        for (const n of [upstreamActionName(s), actionName(s || undefined, "get", "/x/{id}")]) {
          expect(n).toMatch(/^[a-z0-9_]{1,64}$/);
          expect(n.includes("__")).toBe(false);
        }
      }),
    );
    expect(upstreamActionName("deleteFile")).toBe("delete_file");
    expect(actionName(undefined, "get", "/items/{itemId}")).toBe("get_items_item_id");
  });
});
