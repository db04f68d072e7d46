// The audit chain's canonical JSON (lib/audit/canonical.ts) is a file format: every exported chain is
// re-hashed with it by whoever verifies it. These examples pin the form, including JavaScript's own
// property order that it inherits (integer-like keys first, in numeric order), so that a rewrite —
// a one-pass writer was tried for speed and was slower, and got that order wrong — cannot change it.
import { describe, expect, it } from "vitest";
import { canonicalJson } from "@/lib/audit/canonical";

describe("canonicalJson (the audit chain's hashed form)", () => {
  it("sorts keys at every depth, drops undefined members, writes dates as ISO and -0 as 0", () => {
    const at = new Date("2026-11-23T10:00:00.000Z");
    expect(canonicalJson({ b: 1, a: { d: [undefined, at], c: undefined }, z: -0 })).toBe('{"a":{"d":[null,"2026-11-23T10:00:00.000Z"]},"b":1,"z":0}');
  });

  it("puts integer-like keys first, in numeric order, as the chains already written have them", () => {
    expect(canonicalJson({ b: 1, "10": 2, a: 3, "9": 4, "01": 5 })).toBe('{"9":4,"10":2,"01":5,"a":3,"b":1}');
  });
});
