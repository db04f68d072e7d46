// Connector call overhead: runConnectorAction(get_ticket) against the local Zendesk fake vs calling
// the fake directly (same keep-alive undici pool), at concurrency 1 and 20. Fortress's part is
// argument validation, SSRF preflight, the vault (withSecret: lookup, decrypt, audited use) and the
// connector's own request building. Embedded PGlite, in-process; run: npm run bench connectors
export {};
process.env.FORTRESS_DATA_DIR = "memory://"; // DATABASE_URL (if set) wins: real Postgres
process.env.FORTRESS_LOG_LEVEL = "silent";
process.env.FORTRESS_OUTBOUND_ALLOW = "127.0.0.1/32";
process.env.FORTRESS_JOBS = "off";

const { randomUUID } = await import("node:crypto");
const { Agent, fetch } = await import("undici");
const { summarise } = await import("./_stats");
const { startZendeskFake, ZENDESK_EMAIL, ZENDESK_TOKEN } = await import("../test/fakes/zendesk");
const { getDb } = await import("../lib/db");
const { signUp } = await import("../lib/accounts/sign-up");
const { createConnector, testConnector } = await import("../lib/connectors/service");
const { runConnectorAction } = await import("../lib/connectors/run");
const { connectors, connectorActions } = await import("../db/schema");
const { and, eq } = await import("drizzle-orm");

const fake = await startZendeskFake();
const db = await getDb();
const meta = { requestId: randomUUID(), clientIp: null };
const { org, user } = await signUp(db, { email: `bench-${randomUUID().slice(0, 8)}@example.com`, password: "correct horse battery staple", org_name: "Bench" }, meta);
const ctx = {
  db,
  orgId: org.id,
  org: { id: org.id, name: org.name, slug: org.slug, tier: org.tier, products: org.products },
  user: { id: user.id, email: user.email, name: null },
  role: "owner",
  actor: { type: "user", id: user.id, label: user.email },
  meta,
  via: "access",
} as unknown as Parameters<typeof createConnector>[0];
const created = await createConnector(ctx, { type: "zendesk", name: "Bench", config: { subdomain: "acme", email: ZENDESK_EMAIL, base_url: fake.url }, credentials: { api_token: ZENDESK_TOKEN } });
await testConnector(ctx, created.id);
const [connector] = await db.select().from(connectors).where(eq(connectors.id, created.id));
const [action] = await db.select().from(connectorActions).where(and(eq(connectorActions.connectorId, created.id), eq(connectorActions.name, "get_ticket")));
const principal = { orgId: org.id, tier: "SOHO", products: ["MCP"], kind: "user", id: user.id, label: user.email, apiKeyId: randomUUID(), consoleRole: "owner" } as const;

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
const auth = `Basic ${Buffer.from(`${ZENDESK_EMAIL}/token:${ZENDESK_TOKEN}`).toString("base64")}`;
async function directCall() {
  const r = await fetch(`${fake.url}/api/v2/tickets/1.json`, { headers: { authorization: auth, accept: "application/json" }, dispatcher: agent });
  await r.json();
}
async function viaFortress() {
  const r = await runConnectorAction({ connector, action, args: { id: 1 }, principal: principal as never, requestId: randomUUID() });
  if (r.isError) throw new Error(r.content[0].text);
}

async function measure(fn: () => Promise<void>, total: number, concurrency: number) {
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const t = performance.now();
        await fn();
        samples.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { ...summarise(samples), rps: total / seconds };
}

const fmt = (n: number) => n.toFixed(2).padStart(7);
console.log("connector call: direct to fake vs runConnectorAction (ms)");
console.log("concurrency | path     |     p50 |     p90 |     p99 |   req/s");
for (const concurrency of [1, 20]) {
  const n = concurrency === 1 ? 1500 : 3000;
  await measure(directCall, 200, concurrency); // warm-up
  await measure(viaFortress, 200, concurrency);
  const d = await measure(directCall, n, concurrency);
  const f = await measure(viaFortress, n, concurrency);
  console.log(`${String(concurrency).padStart(11)} | direct   | ${fmt(d.p50)} | ${fmt(d.p90)} | ${fmt(d.p99)} | ${d.rps.toFixed(0).padStart(7)}`);
  console.log(`${String(concurrency).padStart(11)} | fortress | ${fmt(f.p50)} | ${fmt(f.p90)} | ${fmt(f.p99)} | ${f.rps.toFixed(0).padStart(7)}`);
  console.log(`${String(concurrency).padStart(11)} | added    | ${fmt(f.p50 - d.p50)} |         | ${fmt(f.p99 - d.p99)} | ratio ${(f.rps / d.rps).toFixed(2)}`);
}
await fake.close();
await agent.close();
process.exit(0);
