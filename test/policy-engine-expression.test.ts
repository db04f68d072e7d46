// Attribute expressions: parser errors with positions, semantics against an oracle, no code execution.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateExpression, ExpressionError, MAX_EXPRESSION_DEPTH, parseExpression } from "@/lib/policy/expression";
import { ZRuleCondition } from "@/lib/policy/rule-condition";

const ev = (src: string, attrs: Record<string, string | string[]>) => evaluateExpression(parseExpression(src), attrs);

describe("attribute expressions", () => {
  const user = { department: "Engineering", location: "DE", groups: ["eng", "oncall"], "idp.clearance": "secret" };

  it("evaluates the operators", () => {
    expect(ev('department == "Engineering"', user)).toBe(true);
    expect(ev("department == 'Sales'", user)).toBe(false);
    expect(ev('department != "Sales"', user)).toBe(true);
    expect(ev('location in ["DE", "FR"]', user)).toBe(true);
    expect(ev('"oncall" in groups', user)).toBe(true);
    expect(ev('groups in ["hr", "eng"]', user)).toBe(true);
    expect(ev('!(location in ["RU", "KP"]) && (department == "Engineering" || department == "Security")', user)).toBe(true);
    expect(ev('idp.clearance == "secret"', user)).toBe(true);
    expect(ev('department == "Engineering" && location == "US" || "eng" in groups', user)).toBe(true); // && binds tighter
    expect(ev('!!(department == "Engineering")', user)).toBe(true);
    expect(ev("department == location", { department: "x", location: "x" })).toBe(true);
  });

  it("a missing attribute makes comparisons false, != included", () => {
    expect(ev('title == "CTO"', user)).toBe(false);
    expect(ev('title != "CTO"', user)).toBe(false);
    expect(ev('title in ["CTO"]', user)).toBe(false);
    expect(ev('!(title == "CTO")', user)).toBe(true);
    expect(evaluateExpression(parseExpression('a == "b"'), undefined)).toBe(false);
    // Prototype names are not attributes.
    expect(ev('constructor != "x"', {})).toBe(false);
    expect(ev('__proto__ != "x"', {})).toBe(false);
  });

  it("refuses what does not parse, saying where", () => {
    const cases: [string, RegExp][] = [
      ['department = "Engineering"', /Unexpected "=" \(use == to compare\) at position 11/],
      ['department == "Engineering', /Unterminated string at position 14/],
      ["department", /Expected ==, != or in after department at position 10/],
      ['(a == "b"', /Expected "\)" at position 9/],
      ['a == "b" & b == "c"', /Unexpected "&" \(use &&\) at position 9/],
      ['a == "b" "c"', /Unexpected string "c"; expected && or \|\| or the end at position 9/],
      ['a in ["x", b]', /Expected a string in the list at position 11/],
      ["a == process.exit()", /Unexpected "\(" at position 17|Unexpected character|Unexpected/],
      ["", /empty/],
      ["a == `x`", /Unexpected character "`" at position 5/],
    ];
    for (const [src, msg] of cases) {
      expect(() => parseExpression(src), src).toThrow(ExpressionError);
      expect(() => parseExpression(src), src).toThrow(msg);
    }
  });

  it("bounds length and depth", () => {
    expect(() => parseExpression(`${"(".repeat(MAX_EXPRESSION_DEPTH + 2)}a == "b"${")".repeat(MAX_EXPRESSION_DEPTH + 2)}`)).toThrow(/nested deeper/);
    expect(() => parseExpression(`${"!".repeat(MAX_EXPRESSION_DEPTH + 2)}a == "b"`)).toThrow(/nested deeper/);
    expect(() => parseExpression(`a == "${"x".repeat(3000)}"`)).toThrow(/longer than/);
    expect(parseExpression(`${"(".repeat(10)}a == "b"${")".repeat(10)}`).attributes).toEqual(["a"]);
  });

  it("never throws anything but ExpressionError on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80, unit: fc.constantFrom(..."ab()[]!=&|\"', in.x\\") }), (src) => {
        try {
          parseExpression(src);
        } catch (err) {
          expect(err).toBeInstanceOf(ExpressionError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("agrees with an oracle on random well-formed expressions", () => {
    type Node = { k: "cmp"; a: string; op: "==" | "!=" | "in"; v: string | string[] } | { k: "not"; x: Node } | { k: "and" | "or"; l: Node; r: Node };
    const names = ["dept", "loc", "groups", "missing"];
    const vals = ["a", "b", "c"];
    const { node } = fc.letrec<{ node: Node }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.record({
          k: fc.constant("cmp" as const),
          a: fc.constantFrom(...names),
          op: fc.constantFrom("==" as const, "!=" as const),
          v: fc.constantFrom(...vals),
        }),
        fc.record({ k: fc.constant("cmp" as const), a: fc.constantFrom(...names), op: fc.constant("in" as const), v: fc.subarray(vals) }),
        fc.record({ k: fc.constant("not" as const), x: tie("node") }),
        fc.record({ k: fc.constantFrom("and" as const, "or" as const), l: tie("node"), r: tie("node") }),
      ),
    }));
    const print = (n: Node): string => {
      if (n.k === "cmp") return `${n.a} ${n.op} ${typeof n.v === "string" ? JSON.stringify(n.v) : `[${n.v.map((x) => JSON.stringify(x)).join(", ")}]`}`;
      if (n.k === "not") return `!(${print(n.x)})`;
      return `(${print(n.l)}) ${n.k === "and" ? "&&" : "||"} (${print(n.r)})`;
    };
    const depth = (n: Node): number => (n.k === "cmp" ? 0 : n.k === "not" ? 1 + depth(n.x) : 1 + Math.max(depth(n.l), depth(n.r)));
    const attrs = fc.record({ dept: fc.constantFrom(...vals), loc: fc.constantFrom(...vals), groups: fc.subarray(vals) });
    const oracle = (n: Node, a: Record<string, string | string[]>): boolean => {
      if (n.k === "not") return !oracle(n.x, a);
      if (n.k !== "cmp") return n.k === "and" ? oracle(n.l, a) && oracle(n.r, a) : oracle(n.l, a) || oracle(n.r, a);
      const x = a[n.a];
      if (x === undefined) return false;
      if (n.op === "in") return typeof x === "string" ? (n.v as string[]).includes(x) : x.some((e) => (n.v as string[]).includes(e));
      if (typeof x !== "string") return false;
      return n.op === "==" ? x === n.v : x !== n.v;
    };
    fc.assert(
      fc.property(node, attrs, (n, a) => {
        fc.pre(depth(n) < MAX_EXPRESSION_DEPTH / 2);
        expect(evaluateExpression(parseExpression(print(n)), a)).toBe(oracle(n, a));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("ZRuleCondition (save-time validation)", () => {
  it("accepts good conditions and refuses bad ones with a reason", () => {
    const good = [
      { type: "time_window", days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", timeZone: "America/New_York" },
      { type: "time_window", days: [5, 6], start: "22:00", end: "06:00", timeZone: "Australia/Sydney" },
      { type: "rate_limit", limit: 10, windowSeconds: 3600, per: "user" },
      { type: "ip_allowlist", cidrs: ["192.168.1.0/24", "10.0.0.0/8", "2001:db8::/32"] },
      { type: "attribute", expression: 'department == "Engineering"' },
    ];
    for (const g of good) expect(ZRuleCondition.safeParse(g).success, JSON.stringify(g)).toBe(true);
    const bad: [unknown, RegExp][] = [
      [{ type: "time_window", days: [1], start: "9am", end: "17:00", timeZone: "UTC" }, /HH:MM/],
      [{ type: "time_window", days: [1], start: "09:00", end: "17:00", timeZone: "Mars/Olympus" }, /IANA/],
      [{ type: "time_window", days: [], start: "09:00", end: "17:00", timeZone: "UTC" }, /at least one day/],
      [{ type: "time_window", days: [7], start: "09:00", end: "17:00", timeZone: "UTC" }, /.+/],
      [{ type: "time_window", days: [1], start: "09:00", end: "09:00", timeZone: "UTC" }, /differ/],
      [{ type: "rate_limit", limit: 0, windowSeconds: 3600, per: "user" }, /at least 1/],
      [{ type: "rate_limit", limit: 1.5, windowSeconds: 3600, per: "user" }, /.+/],
      [{ type: "rate_limit", limit: 5, windowSeconds: 3600, per: "team" }, /.+/],
      [{ type: "ip_allowlist", cidrs: ["10.0.0.0/33"] }, /CIDR/],
      [{ type: "ip_allowlist", cidrs: [] }, /at least one/],
      [{ type: "attribute", expression: 'department = "Engineering"' }, /use == to compare\) at position 11/],
      [{ type: "shell", command: "rm" }, /.+/],
    ];
    for (const [b, msg] of bad) {
      const r = ZRuleCondition.safeParse(b);
      expect(r.success, JSON.stringify(b)).toBe(false);
      expect(r.error!.issues.map((i) => i.message).join("; ")).toMatch(msg);
    }
  });
});
