// npm run bench vault — decrypt-for-use with the local key provider.
// Measures withSecret end to end (row read, HMAC check, local unwrap of the data key, AES-GCM
// decrypt, the durable "used" audit event, zeroing), and separately the crypto alone (HMAC + unwrap +
// decrypt, service key material cached as in production). Embedded PGlite in memory by default;
// DATABASE_URL=postgres://… measures against a real Postgres (use a scratch database).
process.env.FORTRESS_DATA_DIR ??= "memory://";
process.env.FORTRESS_LOG_LEVEL ??= "silent";

const { randomUUID } = await import("node:crypto");
const { summarise } = await import("./_stats");
const { getDb, closeDatabase } = await import("../lib/db");
const { signUp } = await import("../lib/accounts/sign-up");
const { SYSTEM_ACTOR } = await import("../lib/context");
const { storeSecret, withSecret } = await import("../lib/vault");
const { openVerified, verifyStored } = await import("../lib/vault/envelope");
const { localKeyProvider } = await import("../lib/vault/providers");
const { serviceKeyring } = await import("../lib/vault/service-keys");
const { vaultSecrets } = await import("../db/schema");
const { eq } = await import("drizzle-orm");

const db = await getDb();
const { org } = await signUp(db, { email: `bench-${randomUUID().slice(0, 8)}@example.com`, password: "correct horse battery staple", org_name: "Bench" }, { requestId: randomUUID(), clientIp: null });
const secret = await storeSecret(db, { orgId: org.id, purpose: "connector", type: "api_token", label: "bench", plaintext: Buffer.from("zendesk-api-token-0123456789abcdef0123456789abcdef"), actor: SYSTEM_ACTOR });
const ref = { orgId: org.id, secretId: secret.id };
const [row] = await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, secret.id));

const us = (t0: number) => (performance.now() - t0) * 1000;
const fmt = (s: ReturnType<typeof summarise>) =>
  `n=${s.n}  p50=${s.p50.toFixed(1)} µs  p90=${s.p90.toFixed(1)} µs  p99=${s.p99.toFixed(1)} µs  max=${s.max.toFixed(1)} µs`;

// Crypto only.
const binding = { orgId: org.id, objectId: secret.id, purpose: "connector" };
const keyring = serviceKeyring();
const cryptoSamples: number[] = [];
for (let i = 0; i < 22_000; i++) {
  const t0 = performance.now();
  const parsed = await verifyStored(row.blob!, binding, keyring);
  const p = await openVerified(parsed, binding, localKeyProvider());
  p.fill(0);
  if (i >= 2_000) cryptoSamples.push(us(t0));
}

// End to end.
const useSamples: number[] = [];
const WARMUP = 200;
const N = 3_000;
const deadline = Date.now() + 40_000;
for (let i = 0; i < WARMUP + N && Date.now() < deadline; i++) {
  const t0 = performance.now();
  await withSecret(ref, "connector", (p) => p.length, { actor: SYSTEM_ACTOR });
  if (i >= WARMUP) useSamples.push(us(t0));
}

const { env } = await import("../lib/env");
console.log(`vault decrypt-for-use, local key provider (${env().DATABASE_URL ? "Postgres" : "PGlite in memory"})`);
// The two database round trips withSecret makes, alone: the row read and the audit event.
const { recordAuditEvent } = await import("../lib/audit/record");
const readSamples: number[] = [];
const auditSamples: number[] = [];
for (let i = 0; i < 1_200; i++) {
  let t0 = performance.now();
  await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, secret.id));
  if (i >= 200) readSamples.push(us(t0));
  t0 = performance.now();
  await recordAuditEvent(db, { orgId: org.id, product: "mcp", actor: SYSTEM_ACTOR, action: "bench.audit", decision: "allow" });
  if (i >= 200) auditSamples.push(us(t0));
}
console.log(`  crypto only (HMAC + unwrap + AES-GCM):       ${fmt(summarise(cryptoSamples))}`);
console.log(`  row read alone:                               ${fmt(summarise(readSamples))}`);
console.log(`  audit event alone:                            ${fmt(summarise(auditSamples))}`);
console.log(`  withSecret end to end (incl. audit write):    ${fmt(summarise(useSamples))}`);
await closeDatabase();
export {};
