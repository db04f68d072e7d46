// Custom patterns: save-time validation against catastrophic backtracking, masks, chunked runs.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactText, validateCustomPattern, type RedactionSettings } from "@/lib/redaction";
import { CHUNK, OVERLAP, compileCustomPattern, literalPrefixLength } from "@/lib/redaction/custom-pattern";

const only = (pattern: string, name = "p"): RedactionSettings => ({ email: false, phone: false, ssn: false, creditCard: false, custom: [{ name, pattern }] });

describe("validateCustomPattern", () => {
  it("accepts ordinary domain patterns", () => {
    for (const p of ["MRN-\\d{8}", "/MRN-\\d{8}/gi", "ACC-[A-Z]{2}\\d{6,10}", "\\bEMP\\d{5}\\b", "(?:DE|FR)\\d{9}", "(?<mrn>MRN)-\\d+", "\\w+@\\w+", "[A-Z]{2}\\d{2}(?: ?\\d{4}){4}"]) {
      expect(validateCustomPattern(p), p).toEqual({ ok: true });
    }
  });

  it("refuses what can backtrack catastrophically, with a reason", () => {
    const cases: [string, RegExp][] = [
      ["(a+)+$", /Repeated group containing a quantifier/],
      ["(\\d*)*x", /Repeated group containing a quantifier/],
      ["(a|aa)+", /Repeated group containing an alternation/],
      ["(?:x|y){2,}", /alternation/],
      ["(\\w)\\1", /Backreference/],
      ["(?<c>a)\\k<c>", /Backreference/],
      ["a(?=b)", /Lookaround/],
      ["(?<!a)b", /Lookaround/],
      [".*a.*b.*c", /too costly/],
      ["\\d{1,999}\\d{1,999}", /too costly/],
      ["a{5000}", /Repetition above/],
      ["a*", /empty string/],
      ["(?:)", /empty string/],
      ["[", /Not a valid regular expression/],
      ["/x/q", /Unknown regex flag/],
      ["x".repeat(201), /longer than/],
      ["", /empty/],
    ];
    for (const [p, msg] of cases) {
      const v = validateCustomPattern(p);
      expect(v.ok, p).toBe(false);
      expect(v.ok ? "" : v.error, p).toMatch(msg);
    }
  });

  it("never throws on arbitrary sources, and every accepted pattern runs in bounded time on hostile input", () => {
    const unit = fc.constantFrom(..."ab\\d+*?{}1,2()[]|^$.-wx:<>=!");
    const hostile = ["a".repeat(20_000), "ab".repeat(10_000), "1".repeat(20_000), "a1-".repeat(7_000), "x".repeat(20_000) + "!"];
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 24 }), (src) => {
        const v = validateCustomPattern(src);
        if (!v.ok) return;
        for (const h of hostile) {
          const t = performance.now();
          redactText(h, only(src));
          // 20 KB of worst-case input: generous bound on a shared 2-core machine.
          expect(performance.now() - t, `${src} on ${h.slice(0, 6)}`).toBeLessThan(2000);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("custom pattern masks and matching", () => {
  it("keeps the literal prefix, masks letters and digits after it", () => {
    expect(redactText("Patient MRN-12345678 admitted", only("/MRN-\\d{8}/gi")).text).toBe("Patient MRN-████████ admitted");
    expect(redactText("mrn-12345678", only("/MRN-\\d{8}/gi")).text).toBe("mrn-████████");
    expect(redactText("acct ACC-DE123456!", only("ACC-[A-Z]{2}\\d{6}", "ACC"))).toEqual({ text: "acct ACC-████████!", counts: { "custom:ACC": 1 } });
    expect(redactText("token SECRET here", only("SECRET")).text).toBe("token ██████ here");
    expect(redactText("id EMP-12.345", only("EMP-\\d{2}\\.\\d{3}")).text).toBe("id EMP-██.███");
    expect(literalPrefixLength("MRN-\\d{8}")).toBe(4);
    expect(literalPrefixLength("MRN?-\\d")).toBe(2);
    expect(literalPrefixLength("\\.x\\d")).toBe(2);
    expect(literalPrefixLength("^AB\\w")).toBe(2);
  });

  it("finds every match in long strings, across chunk boundaries", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5000 }), { minLength: 1, maxLength: 20 }), (gaps) => {
        let text = "";
        const ids: string[] = [];
        for (const [i, g] of gaps.entries()) {
          const id = `MRN-${String(10_000_000 + i * 7919).slice(0, 8)}`;
          text += "z".repeat(g) + " " + id;
          ids.push(id);
        }
        const { text: out, counts } = redactText(text, only("MRN-\\d{8}", "MRN"));
        for (const id of ids) expect(out).not.toContain(id);
        expect(counts).toEqual({ "custom:MRN": ids.length });
        expect(out).toHaveLength(text.length);
      }),
      { numRuns: 300 },
    );
    expect(CHUNK - OVERLAP).toBeGreaterThan(0);
  });

  it("caps open-ended repetitions (what makes the run time bounded)", () => {
    expect(compileCustomPattern("MRN-\\d+").regex.source).toBe("MRN-\\d{1,64}");
    expect(compileCustomPattern("x\\w*y").regex.source).toBe("x\\w{0,64}y");
    expect(compileCustomPattern("[A-Z]{2,}").regex.source).toBe("[A-Z]{2,66}");
  });
});

describe("custom pattern edge cases", () => {
  it("keeps no prefix when the pattern has top-level alternatives", () => {
    expect(redactText("a MRN-12345678 b XYZW123", only("MRN-\\d{8}|XYZW\\d{3}")).text).toBe("a ███-████████ b ███████");
    expect(redactText("a MRN-12345678", only("MRN-(?:\\d{8}|X\\d{7})")).text).toBe("a MRN-████████");
  });

  it("fails closed on a stored pattern that no longer validates", () => {
    expect(() => redactText("x", only("(a+)+$"))).toThrow(/catastrophic/);
  });
});
