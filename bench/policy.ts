// npm run bench policy
// Measures (1) one policy decision — compiled snapshot, layers 1–3, counters excluded (rate-limit
// rules are only collected as pending) — with 1,000 roles × 100 actions and 500 rules, p50/p99 per
// call over random users and actions; (2) compilePolicy on that source; (3) redaction throughput on
// a ~1 MB JSON document of support tickets with PII, three ways: redactJsonText on the raw text,
// redactValue on the parsed value, and parse + redactValue + stringify.
import { compilePolicy } from "../lib/policy/compile";
import { decide } from "../lib/policy/engine";
import type { PolicyRequest } from "../lib/policy/index";
import type { PolicySource, RoleSource, RuleSource, Weekday } from "../lib/policy/types";
import { redactJsonText, redactValue, type RedactionSettings } from "../lib/redaction";
import { summarise } from "./_stats";

// Deterministic PRNG so runs are comparable.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];

const ROLES = 1000;
const ACTIONS_PER_ROLE = 100;
const CONNECTORS = 20;
const ACTIONS_PER_CONNECTOR = 50; // 1,000 distinct actions; each role grants 100 of them
const RULES = 500;
const USERS = 10_000;

const connectorIds = Array.from({ length: CONNECTORS }, (_, i) => `conn-${i}`);
const actionsOf = (c: number) => Array.from({ length: ACTIONS_PER_CONNECTOR }, (_, a) => `action_${c}_${a}`);
const allActions = connectorIds.flatMap((id, c) => actionsOf(c).map((action) => ({ connectorId: id, action })));

const roles: RoleSource[] = Array.from({ length: ROLES }, (_, r) => ({
  id: `role-${r}`,
  name: `Role ${r}`,
  grants: Array.from({ length: ACTIONS_PER_ROLE }, () => {
    const { connectorId, action } = pick(allActions);
    return { kind: "connector_action" as const, connectorId, action, effect: rand() < 0.85 ? ("allow" as const) : ("deny" as const) };
  }),
  redaction: rand() < 0.1 ? { phone: false } : undefined,
}));

const assignments = Array.from({ length: USERS }, (_, u) =>
  Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({ roleId: `role-${Math.floor(rand() * ROLES)}`, subjectKind: "user" as const, subjectId: `user-${u}` })),
).flat();

const zones = ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Tokyo"];
const rules: RuleSource[] = Array.from({ length: RULES }, (_, i) => {
  const kind = i % 4;
  const condition: RuleSource["condition"] =
    kind === 0
      ? { type: "time_window", days: [0, 1, 2, 3, 4, 5, 6] as Weekday[], start: "00:00", end: "24:00", timeZone: pick(zones) }
      : kind === 1
        ? { type: "ip_allowlist", cidrs: ["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32", `172.${16 + (i % 16)}.0.0/16`] }
        : kind === 2
          ? { type: "attribute", expression: '!(location in ["RU", "KP"]) && (department != "Contractors" || "approved" in groups)' }
          : { type: "rate_limit", limit: 1000, windowSeconds: 3600, per: "user" };
  const s = rand();
  const scope = s < 0.1 ? {} : s < 0.8 ? { roleId: `role-${Math.floor(rand() * ROLES)}` } : { subject: { kind: "user" as const, id: `user-${Math.floor(rand() * USERS)}` } };
  const t = rand();
  const target = t < 0.05 ? {} : t < 0.5 ? { connectorId: pick(connectorIds) } : pick(allActions);
  return { id: `rule-${i}`, name: `Rule ${i}`, enabled: true, scope, target, condition };
});

const attributes: PolicySource["attributes"] = {};
for (let u = 0; u < USERS; u++) attributes[`user:user-${u}`] = { department: pick(["Engineering", "Support", "Contractors"]), location: pick(["US", "DE", "FR"]), groups: ["approved"] };

const source: PolicySource = {
  orgId: "org-bench",
  tier: "bank" as PolicySource["tier"],
  version: 1,
  roles,
  assignments,
  rules,
  redaction: { org: { email: true, phone: true, ssn: true, creditCard: true, custom: [] }, connectors: { "conn-0": { email: false } } },
  attributes,
};

const fmtUs = (ms: number) => `${(ms * 1000).toFixed(2)} µs`;

// --- compile ------------------------------------------------------------------------------------
const c0 = performance.now();
const policy = compilePolicy(source);
const compileMs = performance.now() - c0;

// --- decide -------------------------------------------------------------------------------------
const requests: { user: { kind: "user"; id: string; orgId: string }; req: PolicyRequest }[] = Array.from({ length: 20_000 }, () => {
  const { connectorId, action } = pick(allActions);
  return {
    user: { kind: "user", id: `user-${Math.floor(rand() * USERS)}`, orgId: "org-bench" },
    req: {
      product: "mcp",
      resource: { kind: "connector_action", connectorId, connectorSlug: connectorId, action, enabled: rand() > 0.02 },
      clientIp: rand() < 0.5 ? "10.1.2.3" : "::ffff:192.168.4.5",
    },
  };
});
const now = new Date();
let allowed = 0;
let pending = 0;
for (let i = 0; i < 50_000; i++) decide(policy, requests[i % requests.length].user, requests[i % requests.length].req, now); // warm-up
const samples: number[] = [];
const ROUNDS = 200_000;
for (let i = 0; i < ROUNDS; i++) {
  const { user, req } = requests[i % requests.length];
  const t = process.hrtime.bigint();
  const ev = decide(policy, user, req, now);
  samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  if (ev.decision.effect === "allow") allowed++;
  pending += ev.pendingRateLimits.length;
}
const s = summarise(samples);

console.log(`policy: ${ROLES} roles × ${ACTIONS_PER_ROLE} actions, ${RULES} rules, ${USERS} users (1–3 roles each)`);
console.log(`  compilePolicy              ${compileMs.toFixed(1)} ms`);
console.log(`  decide (counters excluded) n=${s.n}  p50 ${fmtUs(s.p50)}  p90 ${fmtUs(s.p90)}  p99 ${fmtUs(s.p99)}  max ${fmtUs(s.max)}   (target p99 ≤ 50 µs)`);
console.log(`    allowed ${((allowed / ROUNDS) * 100).toFixed(1)}%, pending rate limits per call ${(pending / ROUNDS).toFixed(2)}`);

// --- redaction ----------------------------------------------------------------------------------
const settings: RedactionSettings = { email: true, phone: true, ssn: true, creditCard: true, custom: [{ name: "MRN", pattern: "/MRN-\\d{8}/i" }] };
const tickets = [];
let size = 0;
for (let i = 0; size < 1_000_000; i++) {
  const t = {
    id: 100000 + i,
    subject: pick(["Refund request", "Login problem", "Card charged twice", "Change of address"]),
    requester: { name: `Customer ${i}`, email: `customer${i}@example.com` },
    status: pick(["open", "pending", "solved"]),
    created_at: "2026-11-23T10:15:00Z",
    description:
      rand() < 0.3
        ? `Hi, my card 4111 1111 1111 1111 was charged twice. Call me at +1-555-${String(100 + (i % 900))}-4567 or write to jane${i}@example.org. SSN 123-45-6789, file MRN-${String(10000000 + i)}.`
        : "Hello team, the export from last week is missing rows for the EMEA region; could you have a look before Friday? Thanks, and have a nice day.",
    tags: ["support", pick(["billing", "auth", "export"])],
    custom_fields: [{ id: 360001, value: `order ${900000 + i}` }],
  };
  tickets.push(t);
  size += JSON.stringify(t).length + 1;
}
const doc = { tickets, count: tickets.length };
const text = JSON.stringify(doc);
const mb = Buffer.byteLength(text) / 1e6;

function rate(label: string, fn: () => unknown) {
  fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < 8; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  const r = summarise(times);
  console.log(`  ${label.padEnd(38)} p50 ${r.p50.toFixed(1)} ms  →  ${(mb / (r.p50 / 1000)).toFixed(1)} MB/s`);
}

const counts = redactJsonText(text, settings).counts;
console.log(`redaction: ${mb.toFixed(2)} MB JSON, ${tickets.length} tickets; finds ${JSON.stringify(counts)}`);
rate("redactJsonText (raw text)", () => redactJsonText(text, settings));
rate("redactValue (parsed value)", () => redactValue(doc, settings));
rate("JSON.parse + redactValue + stringify", () => JSON.stringify(redactValue(JSON.parse(text), settings).value));
rate("redactJsonText, built-ins only", () => redactJsonText(text, { ...settings, custom: [] }));
