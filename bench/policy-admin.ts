// npm run bench policy-admin
// Measures the policy store around the engine, on the embedded database (PGlite, in memory):
// (1) loading an org's PolicySource from the tables + compiling it — what every instance pays once
//     after a policy change — for 200 roles × 100 grants, 2,000 assignments, 100 rules;
// (2) authorize() with a warm snapshot (snapshot lookup + decide, no rate-limit rule), p50/p99;
// (3) authorize() with one rate-limit rule (in-process counter), p50/p99;
// (4) first authorize() after a policy change (invalidation → reload → compile → decide).
// BENCH_DATABASE_URL=postgres://… runs it on a real Postgres instead (a scratch database).
export {};
process.env.FORTRESS_DATA_DIR = "memory://";
process.env.FORTRESS_LOG_LEVEL = "silent";
if (process.env.BENCH_DATABASE_URL) process.env.DATABASE_URL = process.env.BENCH_DATABASE_URL;
else delete process.env.DATABASE_URL;
delete process.env.REDIS_URL;

const { randomUUID } = await import("node:crypto");
const schema = await import("../db/schema");
const { getDb, closeDatabase } = await import("../lib/db");
const { loadPolicySource, bumpPolicyVersion } = await import("../lib/policy/store");
const { compilePolicy } = await import("../lib/policy/compile");
const { authorize } = await import("../lib/policy");
const { publishPolicyChange } = await import("../lib/policy/bus");
const { summarise } = await import("./_stats");

const ROLES = 200;
const GRANTS = 100;
const CONNECTORS = 10;
const ACTIONS = 50;
const SUBJECTS = 2000;
const RULES = 100;

const db = await getDb();
const [org] = await db.insert(schema.organisations).values({ name: "Bench", slug: `bench-${randomUUID().slice(0, 8)}` }).returning();
const orgId = org.id;
const connectors = await db
  .insert(schema.connectors)
  .values(Array.from({ length: CONNECTORS }, (_, i) => ({ orgId, type: "openapi", slug: `c${i}`, name: `C${i}`, status: "ACTIVE" as const })))
  .returning();
await db.insert(schema.connectorActions).values(connectors.flatMap((c) => Array.from({ length: ACTIONS }, (_, a) => ({ orgId, connectorId: c.id, name: `a${a}` }))));
const roles = await db
  .insert(schema.roles)
  .values(Array.from({ length: ROLES }, (_, r) => ({ orgId, name: `Role ${r}` })))
  .returning();
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const grants = roles.flatMap((role) => {
  const seen = new Set<string>();
  return Array.from({ length: GRANTS }, () => {
    const c = connectors[Math.floor(rand() * CONNECTORS)];
    const action = `a${Math.floor(rand() * ACTIONS)}`;
    const k = `${c.id}/${action}`;
    if (seen.has(k)) return null;
    seen.add(k);
    return { orgId, roleId: role.id, kind: "connector_action" as const, connectorId: c.id, action, effect: rand() < 0.9 ? ("allow" as const) : ("deny" as const) };
  }).filter((g) => g !== null);
});
for (let i = 0; i < grants.length; i += 5000) await db.insert(schema.roleGrants).values(grants.slice(i, i + 5000));
const subjects = Array.from({ length: SUBJECTS }, () => randomUUID());
await db.insert(schema.roleAssignments).values(subjects.map((s, i) => ({ orgId, roleId: roles[i % ROLES].id, subjectKind: "user" as const, subjectId: s })));
await db.insert(schema.policyRules).values(
  Array.from({ length: RULES }, (_, i) => ({
    orgId,
    name: `Rule ${i}`,
    targetConnectorId: connectors[i % CONNECTORS].id,
    condition: { type: "ip_allowlist", cidrs: ["10.0.0.0/8", "192.168.0.0/16"] },
  })),
);

// (1) load + compile
const loads: number[] = [];
const compiles: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  const source = await loadPolicySource(db, orgId);
  const t2 = performance.now();
  compilePolicy(source);
  compiles.push(performance.now() - t2);
  loads.push(t2 - t);
}
const l = summarise(loads);
const cp = summarise(compiles);

const principalFor = (i: number) => ({
  orgId,
  tier: "SOHO" as const,
  products: ["MCP" as const],
  kind: "user" as const,
  id: subjects[i % SUBJECTS],
  label: "bench",
  apiKeyId: "bench",
  consoleRole: null,
});
const request = (i: number) => {
  const c = connectors[i % CONNECTORS];
  return { product: "mcp" as const, clientIp: "10.1.2.3", resource: { kind: "connector_action" as const, connectorId: c.id, connectorSlug: c.slug, action: `a${i % ACTIONS}`, enabled: true } };
};

async function measure(n: number) {
  const samples: number[] = [];
  let allowed = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const d = await authorize(principalFor(i * 7919), request(i * 31));
    samples.push((performance.now() - t) * 1000);
    if (d.effect === "allow") allowed++;
  }
  return { ...summarise(samples), allowed: allowed / n };
}

await authorize(principalFor(0), request(0)); // warm the snapshot
const warm = await measure(50_000);

await db.insert(schema.policyRules).values({ orgId, name: "Budget", condition: { type: "rate_limit", limit: 1_000_000_000, windowSeconds: 3600, per: "user" } });
await bumpPolicyVersion(db, orgId);
await publishPolicyChange(orgId);
const withRate = await measure(50_000);

const reloads: number[] = [];
for (let i = 0; i < 20; i++) {
  await publishPolicyChange(orgId);
  const t = performance.now();
  await authorize(principalFor(i), request(i));
  reloads.push(performance.now() - t);
}
const r = summarise(reloads);

const us = (v: number) => `${v.toFixed(1)} µs`;
console.log(`policy-admin: ${ROLES} roles × ${GRANTS} grants (${grants.length} rows), ${SUBJECTS} assignments, ${RULES} rules, ${process.env.DATABASE_URL ? "Postgres" : "PGlite in memory"}`);
console.log(`  load PolicySource                 p50 ${l.p50.toFixed(1)} ms  p99 ${l.p99.toFixed(1)} ms`);
console.log(`  compilePolicy                     p50 ${cp.p50.toFixed(1)} ms  p99 ${cp.p99.toFixed(1)} ms`);
console.log(`  authorize, warm snapshot          n=${warm.n}  p50 ${us(warm.p50)}  p99 ${us(warm.p99)}  (allowed ${(warm.allowed * 100).toFixed(1)}%)`);
console.log(`  authorize + 1 rate limit (memory) n=${withRate.n}  p50 ${us(withRate.p50)}  p99 ${us(withRate.p99)}`);
console.log(`  first authorize after a change    p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms`);
await closeDatabase();
process.exit(0); // the policy bus may hold a LISTEN connection open
