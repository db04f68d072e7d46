// Built-in detectors: every generated email, phone, SSN and Luhn-valid card is found and masked;
// Luhn-invalid digit runs, dates and ids are left alone; masks are the product guide's.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EMAIL_MASK, luhnValid, redactText, type RedactionSettings } from "@/lib/redaction";

const ALL: RedactionSettings = { email: true, phone: true, ssn: true, creditCard: true, custom: [] };

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: min, maxLength: max });
const nonZero = fc.constantFrom(..."123456789");

function luhnComplete(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return body + d;
  throw new Error("unreachable");
}

function group(digitsText: string, sep: string): string {
  return sep === "" ? digitsText : (digitsText.match(/.{1,4}/g) ?? []).join(sep);
}

const arbCard = fc.tuple(fc.integer({ min: 13, max: 19 }), fc.constantFrom("", " ", "-"), digits(19, 19)).map(([len, sep, pool]) => group(luhnComplete(pool.slice(0, len - 1)), sep));
const arbBadCard = fc
  .tuple(fc.integer({ min: 13, max: 19 }), fc.constantFrom("", " ", "-"), digits(19, 19), fc.integer({ min: 1, max: 9 }))
  .map(([len, sep, pool, off]) => {
    const good = luhnComplete(pool.slice(0, len - 1));
    const bad = good.slice(0, -1) + String((Number(good.slice(-1)) + off) % 10);
    return group(bad, sep);
  });
const arbSsn = fc.tuple(digits(3, 3), digits(2, 2), digits(4, 4)).map(([a, b, c]) => `${a}-${b}-${c}`);
const arbNanp = fc
  .tuple(nonZero, digits(2, 2), digits(3, 3), digits(4, 4), fc.constantFrom("dash", "dot", "space", "paren", "paren-nospace", "one-dash", "one-space", "plus-one"))
  .map(([a0, a, b, c, form]) => {
    const area = a0 + a;
    switch (form) {
      case "dash":
        return `${area}-${b}-${c}`;
      case "dot":
        return `${area}.${b}.${c}`;
      case "space":
        return `${area} ${b} ${c}`;
      case "paren":
        return `(${area}) ${b}-${c}`;
      case "paren-nospace":
        return `(${area})${b}-${c}`;
      case "one-dash":
        return `1-${area}-${b}-${c}`;
      case "one-space":
        return `1 ${area} ${b} ${c}`;
      default:
        return `+1 ${area} ${b} ${c}`;
    }
  });
const arbIntl = fc
  .tuple(nonZero, digits(0, 2), fc.array(digits(2, 4), { minLength: 2, maxLength: 4 }), fc.constantFrom(" ", "-", ".", ""))
  .filter(([c0, cc, groups]) => {
    const n = 1 + cc.length + groups.join("").length;
    return n >= 8 && n <= 15;
  })
  .map(([c0, cc, groups, sep]) => `+${c0}${cc}${sep || " "}${groups.join(sep)}`);
const arbPhone = fc.oneof(arbNanp, arbIntl);

type Pii = { type: "email" | "phone" | "ssn" | "creditCard"; text: string };
const arbPii: fc.Arbitrary<Pii> = fc.oneof(
  fc.emailAddress().map((text) => ({ type: "email" as const, text })),
  arbPhone.map((text) => ({ type: "phone" as const, text })),
  arbSsn.map((text) => ({ type: "ssn" as const, text })),
  arbCard.map((text) => ({ type: "creditCard" as const, text })),
);
const filler = fc.constantFrom("hello", "Call me at", "the ticket", "Customer", "wrote:", "é ü ß", "see", "Order", "x", "");
const sep = fc.constantFrom(" ", ", ", "\n", "; ", " | ", ": ", "\t");

describe("built-in detectors (properties)", () => {
  it("find and mask every generated email, phone, SSN and valid card in surrounding text", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(filler, sep, arbPii, sep), { minLength: 1, maxLength: 8 }), filler, (parts, tail) => {
        const text = parts.map(([f, s1, p, s2]) => f + s1 + p.text + s2).join("") + tail;
        const { text: out, counts } = redactText(text, ALL);
        for (const [, , p] of parts) expect(out).not.toContain(p.text);
        expect(out).not.toMatch(/\d/); // fillers hold no digits: every PII digit was masked
        const expected: Record<string, number> = {};
        for (const [, , p] of parts) expected[p.type] = (expected[p.type] ?? 0) + 1;
        expect(counts).toEqual(expected);
        expect(out.split(EMAIL_MASK).length - 1).toBe(expected.email ?? 0);
      }),
      { numRuns: 1500 },
    );
  });

  it("leave Luhn-invalid digit runs alone (and everything around them)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(filler, sep, arbBadCard), { minLength: 1, maxLength: 6 }), (parts) => {
        const text = parts.map(([f, s, c]) => f + s + c).join(" ");
        expect(redactText(text, ALL)).toEqual({ text, counts: {} });
      }),
      { numRuns: 1500 },
    );
  });

  it("mask digits one for one, keeping separators, so the shape stays readable", () => {
    fc.assert(
      fc.property(fc.oneof(arbPhone, arbSsn, arbCard), (t) => {
        const out = redactText(t, ALL).text;
        expect(out).toHaveLength(t.length);
        expect(out).toBe(t.replace(/\d/g, "█"));
      }),
      { numRuns: 500 },
    );
  });

  it("respect the switches", () => {
    fc.assert(
      fc.property(arbPii, (p) => {
        const off: RedactionSettings = { ...ALL, [p.type]: false };
        const out = redactText(`x ${p.text} y`, off);
        expect(out.counts[p.type]).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

describe("built-in detectors (examples from the product guide and false-positive guards)", () => {
  it("uses the guide's masks", () => {
    expect(redactText("user@domain.com", ALL).text).toBe("████@████.███");
    expect(redactText("+1-555-123-4567", ALL).text).toBe("+█-███-███-████");
    expect(redactText("123-45-6789", ALL).text).toBe("███-██-████");
    expect(redactText("4111-1111-1111-1111", ALL).text).toBe("████-████-████-████");
    expect(redactText("Reach jane.doe+tickets@mail.example.co.uk today.", ALL).text).toBe("Reach ████@████.███ today.");
  });

  it("leaves dates, times, versions, IPs, bare ids and Luhn-invalid cards alone", () => {
    const keep = [
      "2024-01-15",
      "2024-01-15T10:30:00Z",
      "15/01/2024 10:30",
      "v1.2.3",
      "10.1.2.3",
      "order 5551234567",
      "id 1700000000001",
      "4111-1234-5678-9012", // fails Luhn
      "ticket #12345",
      "12-34-5678",
      "123-456-78901",
      "user@localhost",
      "a@b.c",
      "@mention",
      "price 1,234,567.89",
    ];
    for (const t of keep) expect(redactText(t, ALL).text, t).toBe(t);
  });

  it("is linear on hostile input", () => {
    const hostile = [
      "1 ".repeat(200_000),
      "+1".repeat(200_000),
      "a@".repeat(200_000),
      `${"a".repeat(200_000)}@`,
      `x@${"a.".repeat(200_000)}`,
      "1-".repeat(200_000),
      "(555) ".repeat(100_000),
    ];
    for (const h of hostile) {
      const t = performance.now();
      redactText(h, ALL);
      expect(performance.now() - t, h.slice(0, 10)).toBeLessThan(1500);
    }
  });
});
