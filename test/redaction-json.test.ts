// redactValue / redactJsonText: valid JSON out, same shape, keys untouched, safe on big and deep documents.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactJsonText, redactValue, type RedactionSettings } from "@/lib/redaction";

const ALL: RedactionSettings = { email: true, phone: true, ssn: true, creditCard: true, custom: [{ name: "MRN", pattern: "/MRN-\\d{8}/i" }] };

/** Replaces every string by "" so two values can be compared for shape. */
function shape(v: unknown): unknown {
  if (typeof v === "string") return "";
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return v;
}

const pii = fc.constantFrom("jane@example.com", "+1-555-123-4567", "123-45-6789", "4111 1111 1111 1111", "MRN-12345678", "(555) 123-4567");
const piiString = fc.tuple(fc.string({ maxLength: 10 }), pii, fc.string({ maxLength: 10 })).map(([a, p, b]) => `${a} | ${p} | ${b}`); // " | " keeps random digits from gluing onto the PII
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 2 }),
    piiString,
    fc.array(tie("tree"), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), pii), tie("tree"), { maxKeys: 5 }),
  ),
}));

describe("redactValue and redactJsonText", () => {
  it("keep JSON valid and the same shape, redact values and never keys; both paths agree", () => {
    fc.assert(
      fc.property(tree, (v) => {
        const json = JSON.stringify(v);
        const { value, counts } = redactValue(v, ALL);
        const out = JSON.stringify(value);
        const reparsed = JSON.parse(out);
        expect(shape(reparsed)).toEqual(shape(JSON.parse(json)));
        for (const p of ["jane@example.com", "+1-555-123-4567", "123-45-6789", "4111 1111 1111 1111", "MRN-12345678"]) {
          // A PII string may survive only as an object key.
          const asValue = new RegExp(`"[^"]*${p.replace(/[+()]/g, "\\$&")}[^"]*"(?!\\s*:)`);
          expect(out).not.toMatch(asValue);
        }
        const raw = redactJsonText(json, ALL);
        expect(raw.text).toBe(out);
        expect(raw.counts).toEqual(counts);
        const pretty = redactJsonText(JSON.stringify(v, null, 2), ALL);
        expect(JSON.parse(pretty.text)).toEqual(reparsed);
      }),
      { numRuns: 500 },
    );
  });

  it("redacts string values, keeps keys, numbers, booleans and null, and counts per type", () => {
    const input = {
      "jane@example.com": "write to jane@example.com or +44 20 7946 0958",
      ssn: "123-45-6789",
      card: "4111-1111-1111-1111",
      bad: "4111-1111-1111-1112",
      n: 4111111111111111,
      ok: true,
      none: null,
      nested: [{ mrn: "mrn-87654321" }, ["(555) 123-4567"]],
      escaped: "quote \" and \\ and jane@example.com\n",
    };
    const { value, counts } = redactValue(input, ALL);
    expect(value).toEqual({
      "jane@example.com": "write to ████@████.███ or +██ ██ ████ ████",
      ssn: "███-██-████",
      card: "████-████-████-████",
      bad: "4111-1111-1111-1112",
      n: 4111111111111111,
      ok: true,
      none: null,
      nested: [{ mrn: "mrn-████████" }, ["(███) ███-████"]],
      escaped: "quote \" and \\ and ████@████.███\n",
    });
    expect(counts).toEqual({ email: 2, phone: 2, ssn: 1, creditCard: 1, "custom:MRN": 1 });
    expect(input.ssn).toBe("123-45-6789"); // the input is not mutated
    expect(redactJsonText(JSON.stringify(input), ALL).text).toBe(JSON.stringify(value));
  });

  it("handles __proto__ keys as data, and top-level strings and scalars", () => {
    const v = JSON.parse('{"__proto__": {"x": "123-45-6789"}}');
    const { value } = redactValue(v, ALL);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(JSON.stringify(value)).toBe('{"__proto__":{"x":"███-██-████"}}');
    expect(redactValue("a@b.co", ALL).value).toBe("████@████.███");
    expect(redactValue(42, ALL).value).toBe(42);
    expect(redactValue(null, ALL).value).toBe(null);
    expect(redactJsonText('"123-45-6789"', ALL).text).toBe('"███-██-████"');
  });

  it("with everything off returns the same content", () => {
    const off: RedactionSettings = { email: false, phone: false, ssn: false, creditCard: false, custom: [] };
    const v = { a: "jane@example.com 123-45-6789" };
    expect(redactValue(v, off)).toEqual({ value: v, counts: {} });
    expect(redactJsonText(JSON.stringify(v), off).text).toBe(JSON.stringify(v));
  });

  it("walks deep documents without recursion and large ones quickly", () => {
    let deep: unknown = "123-45-6789";
    for (let i = 0; i < 5000; i++) deep = i % 2 ? [deep] : { k: deep };
    const { counts } = redactValue(deep, ALL);
    expect(counts).toEqual({ ssn: 1 });

    const rows = Array.from({ length: 5000 }, (_, i) => ({
      id: i,
      subject: `Ticket ${i} from customer`,
      body: `Hello, I am Jane (jane${i}@example.com, +1-555-123-${String(i % 10000).padStart(4, "0")}). My card 4111 1111 1111 1111 was charged twice on 2024-01-15.`,
      tags: ["billing", "urgent"],
    }));
    const text = JSON.stringify(rows);
    expect(text.length).toBeGreaterThan(900_000);
    const t = performance.now();
    const out = redactJsonText(text, ALL);
    const elapsed = performance.now() - t;
    expect(JSON.parse(out.text)).toHaveLength(5000);
    expect(out.counts).toEqual({ email: 5000, phone: 5000, creditCard: 5000 });
    expect(elapsed).toBeLessThan(3000);
  });

  it("refuses cycles and unterminated JSON strings instead of looping or emitting bad JSON", () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => redactValue(a, ALL)).toThrow(/cycle/);
    expect(() => redactJsonText('{"a": "unterminated', ALL)).toThrow(SyntaxError);
  });
});
