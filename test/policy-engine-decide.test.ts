// The pure decision: layer 1 toggles, layer 2 roles (deny by default, deny wins), layer 3 rules,
// effective redaction, and the reasons a person reads.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "@/lib/policy/compile";
import { decide, decideWithoutCounting, effectiveRedaction } from "@/lib/policy/engine";
import type { PolicySource, RoleSource, RuleSource } from "@/lib/policy/types";
import { ORG, USER, request, role, rule, source } from "./policy-engine-helpers";

const NOW = new Date("2026-11-24T15:00:00Z"); // a Tuesday, 10:00 in New York
const CONNECTORS = ["c1", "c2"];
const ACTIONS = ["list_tickets", "create_ticket", "update_ticket", "delete_ticket"];

const arbGrant = fc.record({
  connectorId: fc.constantFrom(...CONNECTORS),
  action: fc.constantFrom(...ACTIONS),
  effect: fc.constantFrom("allow" as const, "deny" as const),
});
const arbRoles = fc.array(fc.array(arbGrant, { maxLength: 8 }), { minLength: 0, maxLength: 5 }).map((gs) =>
  gs.map(
    (grants, i): RoleSource => ({
      id: `r${i}`,
      name: `Role ${i}`,
      grants: grants.map((g) => ({ kind: "connector_action" as const, ...g })),
    }),
  ),
);
const arbPolicy = arbRoles.chain((roles) =>
  fc.subarray(roles.map((r) => r.id)).map((held) =>
    source({ roles, assignments: held.map((roleId) => ({ roleId, subjectKind: "user" as const, subjectId: USER.id })) }),
  ),
);

/** Independent oracle for layers 1–2 with no rules. */
function oracle(src: PolicySource, connectorId: string, action: string, enabled: boolean): "allow" | "deny" {
  if (!enabled) return "deny";
  const held = new Set(src.assignments.filter((a) => a.subjectId === USER.id).map((a) => a.roleId));
  const effects = src.roles
    .filter((r) => held.has(r.id))
    .flatMap((r) => r.grants)
    .filter((g) => g.kind === "connector_action" && g.connectorId === connectorId && g.action === action)
    .map((g) => g.effect);
  if (effects.includes("deny")) return "deny";
  return effects.includes("allow") ? "allow" : "deny";
}

describe("layers 1 and 2 (properties)", () => {
  it("unknown actions are denied, whatever the roles say about known ones", () => {
    fc.assert(
      fc.property(arbPolicy, fc.constantFrom(...CONNECTORS, "c-unknown"), fc.string({ minLength: 1, maxLength: 20 }), (src, c, suffix) => {
        const action = `unknown_${suffix}`;
        const d = decide(compilePolicy(src), USER, request(c, action), NOW).decision;
        expect(d.effect).toBe("deny");
        expect(d.layer).toBe("role");
      }),
      { numRuns: 300 },
    );
  });

  it("a Deny in any of the subject's roles always wins", () => {
    fc.assert(
      fc.property(arbPolicy, fc.constantFrom(...CONNECTORS), fc.constantFrom(...ACTIONS), fc.integer({ min: 0, max: 4 }), (src, c, a, at) => {
        // Plant a Deny in one held role (adding the role if none is held) next to any Allows.
        const denying: RoleSource = { id: "r-deny", name: "Locked", grants: [{ kind: "connector_action", connectorId: c, action: a, effect: "deny" }] };
        const allowing: RoleSource = { id: "r-allow", name: "Open", grants: [{ kind: "connector_action", connectorId: c, action: a, effect: "allow" }] };
        const roles = [...src.roles];
        roles.splice(Math.min(at, roles.length), 0, denying, allowing);
        const assignments = [...src.assignments, ...["r-allow", "r-deny"].map((roleId) => ({ roleId, subjectKind: "user" as const, subjectId: USER.id }))];
        const d = decide(compilePolicy({ ...src, roles, assignments }), USER, request(c, a), NOW).decision;
        expect(d.effect).toBe("deny");
        expect(d.layer).toBe("role");
        expect(d.reason).toMatch(/^Role: .+, action not permitted$/);
      }),
      { numRuns: 300 },
    );
  });

  it("a disabled toggle denies everything under it, whatever roles and rules say", () => {
    const arbRule = fc.constantFrom<RuleSource["condition"]>(
      { type: "ip_allowlist", cidrs: ["0.0.0.0/0", "::/0"] },
      { type: "rate_limit", limit: 1000, windowSeconds: 60, per: "user" },
      { type: "attribute", expression: 'x in ["a"] || !(x in ["a"])' },
    );
    fc.assert(
      fc.property(arbPolicy, fc.array(arbRule, { maxLength: 3 }), fc.constantFrom(...CONNECTORS), fc.constantFrom(...ACTIONS), (src, conds, c, a) => {
        const allowAll: RoleSource = {
          id: "r-all",
          name: "All",
          grants: CONNECTORS.flatMap((cc) => ACTIONS.map((aa) => ({ kind: "connector_action" as const, connectorId: cc, action: aa, effect: "allow" as const }))),
        };
        const p = compilePolicy({
          ...src,
          roles: [...src.roles, allowAll],
          assignments: [...src.assignments, { roleId: "r-all", subjectKind: "user", subjectId: USER.id }],
          rules: conds.map((cond, i) => rule(`x${i}`, cond)),
        });
        const ev = decide(p, USER, request(c, a, { enabled: false, slug: "zendesk" }), NOW);
        expect(ev.decision).toMatchObject({ effect: "deny", layer: "toggle", reason: "Connector zendesk is disabled" });
        expect(ev.pendingRateLimits).toEqual([]);
        // The same for a PAT key every role allows.
        const pat = compilePolicy({
          ...src,
          roles: [...src.roles, { id: "r-pat", name: "PAT", grants: [{ kind: "pat_key", patKeyId: "k1", effect: "allow" }] }],
          assignments: [...src.assignments, { roleId: "r-pat", subjectKind: "user", subjectId: USER.id }],
          rules: conds.map((cond, i) => rule(`x${i}`, cond)),
        });
        const patReq = (enabled: boolean) => ({ product: "pat" as const, resource: { kind: "pat_key" as const, patKeyId: "k1", label: "prod", enabled }, clientIp: "10.0.0.1" });
        expect(decide(pat, USER, patReq(false), NOW).decision).toMatchObject({ effect: "deny", layer: "toggle", reason: "PAT key prod is disabled" });
        expect(decide(pat, USER, patReq(true), NOW).decision.effect).toBe("allow");
      }),
      { numRuns: 200 },
    );
  });

  it("agrees with a plain oracle on random roles, assignments and toggles", () => {
    fc.assert(
      fc.property(arbPolicy, fc.constantFrom(...CONNECTORS), fc.constantFrom(...ACTIONS), fc.boolean(), (src, c, a, enabled) => {
        const d = decide(compilePolicy(src), USER, request(c, a, { enabled }), NOW).decision;
        expect(d.effect).toBe(oracle(src, c, a, enabled));
      }),
      { numRuns: 500 },
    );
  });
});

describe("reasons and traces", () => {
  const base = source({
    roles: [
      role("r-support", "Support Agent", [
        ["c1", "list_tickets", "allow"],
        ["c1", "delete_ticket", "deny"],
      ]),
    ],
    assignments: [{ roleId: "r-support", subjectKind: "user", subjectId: USER.id }],
  });

  it("explains each layer", () => {
    const p = compilePolicy(base);
    const allow = decide(p, USER, request("c1", "list_tickets"), NOW).decision;
    expect(allow).toMatchObject({ effect: "allow", layer: "rule", ruleId: "r-support" });
    expect(allow.trace.map((t) => [t.layer, t.outcome])).toEqual([
      ["toggle", "pass"],
      ["role", "pass"],
      ["rule", "pass"],
    ]);
    expect(decide(p, USER, request("c1", "delete_ticket"), NOW).decision).toMatchObject({
      effect: "deny",
      layer: "role",
      ruleId: "r-support",
      reason: "Role: Support Agent, action not permitted",
    });
    expect(decide(p, USER, request("c1", "update_ticket"), NOW).decision.reason).toBe("No role grants zendesk__update_ticket");
    const stranger = decide(p, { ...USER, id: "u-2" }, request("c1", "list_tickets"), NOW).decision;
    expect(stranger.effect).toBe("deny");
    expect(stranger.reason).toBe("No role grants zendesk__list_tickets");
    expect(stranger.trace[1].detail).toBe("No role grants zendesk__list_tickets (no role assigned to this user; deny by default)");
  });

  it("never decides over another org's policy", () => {
    const d = decide(compilePolicy(base), { ...USER, orgId: "org-2" }, request("c1", "list_tickets"), NOW).decision;
    expect(d.effect).toBe("deny");
  });

  it("PAT keys: toggle and grants", () => {
    const p = compilePolicy(
      source({
        roles: [{ id: "r", name: "Dev", grants: [{ kind: "pat_key", patKeyId: "k1", effect: "allow" }] }],
        assignments: [{ roleId: "r", subjectKind: "service_account", subjectId: "sa" }],
      }),
    );
    const sa = { kind: "service_account" as const, id: "sa", orgId: ORG };
    const pat = (patKeyId: string, enabled = true) => ({
      product: "pat" as const,
      resource: { kind: "pat_key" as const, patKeyId, label: "staging-test", enabled },
      clientIp: null,
    });
    expect(decide(p, sa, pat("k1"), NOW).decision.effect).toBe("allow");
    expect(decide(p, sa, pat("k1", false), NOW).decision.reason).toBe("PAT key staging-test is disabled");
    expect(decide(p, sa, pat("k2"), NOW).decision.reason).toBe("No role grants PAT key staging-test");
    // A user with the same id as the service account holds nothing.
    expect(decide(p, { ...sa, kind: "user" }, pat("k1"), NOW).decision.effect).toBe("deny");
  });

  it("layer 3: time window, IP allowlist, attribute; scoped by org, role and subject; targeted by connector and action", () => {
    const src = source({
      ...base,
      attributes: { [`user:${USER.id}`]: { department: "Support", groups: ["eu", "tier2"] } },
      rules: [
        rule("t", { type: "time_window", days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", timeZone: "America/New_York" }, { name: "Business hours", target: { connectorId: "c1" } }),
        rule("ip", { type: "ip_allowlist", cidrs: ["192.168.1.0/24", "10.0.0.0/8"] }, { name: "Office", scope: { roleId: "r-support" } }),
        rule("attr", { type: "attribute", expression: 'department == "Support" && "eu" in groups' }, { name: "EU support", scope: { subject: { kind: "user", id: USER.id } }, target: { connectorId: "c1", action: "list_tickets" } }),
        rule("off", { type: "ip_allowlist", cidrs: ["1.1.1.1/32"] }, { enabled: false }),
        rule("other-role", { type: "ip_allowlist", cidrs: ["1.1.1.1/32"] }, { scope: { roleId: "r-someone-else" } }),
        rule("other-target", { type: "ip_allowlist", cidrs: ["1.1.1.1/32"] }, { target: { connectorId: "c2" } }),
      ],
    });
    const p = compilePolicy(src);
    const ok = decide(p, USER, request("c1", "list_tickets", { ip: "10.9.9.9" }), NOW).decision;
    expect(ok.effect).toBe("allow");
    expect(ok.trace.filter((t) => t.layer === "rule").map((t) => t.detail)).toEqual([
      "Business hours: inside time window Mon–Fri 09:00–17:00 America/New_York",
      "Office: IP 10.9.9.9 is allowed",
      'EU support: department == "Support" && "eu" in groups',
    ]);
    const late = decide(p, USER, request("c1", "list_tickets"), new Date("2026-11-24T23:30:00Z")).decision;
    expect(late).toMatchObject({ effect: "deny", layer: "rule", ruleId: "t", reason: "Outside time window Mon–Fri 09:00–17:00 America/New_York" });
    const far = decide(p, USER, request("c1", "list_tickets", { ip: "203.0.113.9" }), NOW).decision;
    expect(far).toMatchObject({ effect: "deny", ruleId: "ip", reason: "IP 203.0.113.9 is not in the allowed networks (192.168.1.0/24, 10.0.0.0/8)" });
    const mapped = decide(p, USER, request("c1", "list_tickets", { ip: "::ffff:192.168.1.77" }), NOW).decision;
    expect(mapped.effect).toBe("allow");
    const noIp = decide(p, USER, request("c1", "list_tickets", { ip: null }), NOW).decision;
    expect(noIp).toMatchObject({ effect: "deny", ruleId: "ip" });
    const garbageIp = decide(p, USER, request("c1", "list_tickets", { ip: "not-an-ip" }), NOW).decision;
    expect(garbageIp).toMatchObject({ effect: "deny", ruleId: "ip" });

    const moved = compilePolicy({ ...src, attributes: { [`user:${USER.id}`]: { department: "Sales", groups: ["eu"] } } });
    expect(decide(moved, USER, request("c1", "list_tickets"), NOW).decision).toMatchObject({
      effect: "deny",
      ruleId: "attr",
      reason: 'Attribute rule EU support not met: department == "Support" && "eu" in groups',
    });
    const noAttrs = compilePolicy({ ...src, attributes: {} });
    expect(decide(noAttrs, USER, request("c1", "list_tickets"), NOW).decision.effect).toBe("deny");
  });

  it("rate limits are returned pending, keyed per user, role or org, and ignored by decideWithoutCounting", () => {
    const p = compilePolicy(
      source({
        ...base,
        rules: [
          rule("rl-user", { type: "rate_limit", limit: 100, windowSeconds: 3600, per: "user" }, { name: "Hourly" }),
          rule("rl-role", { type: "rate_limit", limit: 5, windowSeconds: 60, per: "role" }, { scope: { roleId: "r-support" } }),
          rule("rl-org", { type: "rate_limit", limit: 1, windowSeconds: 86400, per: "org" }, { target: { connectorId: "c1", action: "list_tickets" } }),
        ],
      }),
    );
    const ev = decide(p, USER, request("c1", "list_tickets"), NOW);
    expect(ev.decision.effect).toBe("allow");
    expect(ev.pendingRateLimits.map((r) => [r.key, r.reasonIfExceeded])).toEqual([
      [`rl:{${ORG}}:rl-user:s:user:${USER.id}`, "Rate limit: 100 calls per hour per user"],
      [`rl:{${ORG}}:rl-role:r:r-support`, "Rate limit: 5 calls per minute per role"],
      [`rl:{${ORG}}:rl-org:org`, "Rate limit: 1 call per day per organisation"],
    ]);
    expect(decideWithoutCounting(p, USER, request("c1", "list_tickets"), NOW).effect).toBe("allow");
    // Nothing to count for a denied call.
    expect(decide(p, USER, request("c1", "delete_ticket"), NOW).pendingRateLimits).toEqual([]);
  });
});

describe("effective redaction", () => {
  const org = { email: true, phone: false, ssn: true, creditCard: true, custom: [{ name: "MRN", pattern: "MRN-\\d{8}" }] };

  it("org → role overrides (most protective among roles) → connector override", () => {
    const p = compilePolicy(
      source({
        roles: [
          role("a", "Finance", [["c1", "x", "allow"]], { redaction: { creditCard: false, phone: false } }),
          role("b", "Support", [["c1", "x", "allow"]], { redaction: { phone: true, custom: [{ name: "ACC", pattern: "ACC-\\d{6}" }] } }),
          role("c", "Audit", [["c1", "x", "allow"]], { redaction: { ssn: false } }),
        ],
        assignments: ["a", "b", "c"].map((roleId) => ({ roleId, subjectKind: "user" as const, subjectId: USER.id })),
        redaction: { org, connectors: { c1: { email: false } } },
      }),
    );
    const d = decide(p, USER, request("c1", "x"), NOW).decision;
    expect(d.redaction).toEqual({
      email: false, // connector override comes last
      phone: true, // Finance says no, Support says yes: redact
      ssn: false, // the only role that speaks says no
      creditCard: false,
      custom: [
        { name: "MRN", pattern: "MRN-\\d{8}" },
        { name: "ACC", pattern: "ACC-\\d{6}" },
      ],
    });
    // Cached and shared, so frozen; the source stays the caller's, untouched.
    expect(Object.isFrozen(d.redaction)).toBe(true);
    expect(Object.isFrozen(org.custom)).toBe(false);
    // On another connector the org's email switch stands; denies carry redaction settings too.
    expect(decide(p, USER, request("c2", "x"), NOW).decision.redaction.email).toBe(true);
  });

  it("with no role overrides, the org settings apply unchanged", () => {
    const p = compilePolicy(source({ redaction: { org, connectors: {} } }));
    expect(effectiveRedaction(p, [], undefined)).toEqual(org);
  });
});

describe("compilation", () => {
  it("refuses corrupted conditions with the rule named", () => {
    expect(() => compilePolicy(source({ rules: [rule("bad", { type: "attribute", expression: "dept = 'x'" }, { name: "Broken" })] }))).toThrow(
      /rule bad \(Broken\): Unexpected "=" \(use == to compare\) at position 5/,
    );
    expect(() => compilePolicy(source({ rules: [rule("tz", { type: "time_window", days: [1], start: "09:00", end: "17:00", timeZone: "Mars/Base" })] }))).toThrow(/IANA/);
    expect(() => compilePolicy(source({ rules: [rule("ip", { type: "ip_allowlist", cidrs: ["10.0.0.0/33"] })] }))).toThrow(/CIDR/);
  });

  it("ignores assignments to roles that do not exist (deny by default)", () => {
    const p = compilePolicy(source({ assignments: [{ roleId: "ghost", subjectKind: "user", subjectId: USER.id }] }));
    expect(decide(p, USER, request("c1", "x"), NOW).decision.effect).toBe("deny");
  });
});
