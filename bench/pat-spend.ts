// PAT spend admission in isolation: what reserving one request's maximum cost against its monthly cap
// costs on the hot path, before anything is forwarded.
//   upsert  the statement admission ran per request before spend leases (one conditional
//           INSERT … ON CONFLICT DO UPDATE, its own committed transaction);
//   lease   LeaseManager.take: from the instance's lease in memory; Postgres only when it runs low.
// At concurrency 1 and 50; figures in microseconds. Settlement is not measured (it runs after the
// response, in the group commit, as before).
// Run: npm run bench pat-spend   (Postgres and Redis: see bench/_services.ts)
import { benchServices } from "./_services";

const services = await benchServices();

const { sql } = await import("drizzle-orm");
const { summarise } = await import("./_stats");
const { closeDatabase, getDb } = await import("../lib/db");
const { newSpendLeases } = await import("../lib/gateway/pat/record");
const { utcMonth } = await import("../lib/gateway/pat/spend");
const { Ticket } = await import("../lib/gateway/pat/lease");
const { newOrg } = await import("../test/helpers");
const { addPatKey } = await import("../test/support/pat-setup");

const AMOUNT = 4_000; // a small Sonnet request's maximum cost, in micro-USD
const CAP = 1_000_000_000_000; // far above what the run reserves: every request is admitted

const db = await getDb();
const { org, token } = await newOrg("Bench Corp");
const keyFor = async (label: string) => ({ orgId: org.id, patKeyId: (await addPatKey(token, { label, monthly_cap_usd: CAP / 1_000_000 })).id, month: utcMonth(new Date()), capMicros: CAP });

/** The pre-lease admission statement, verbatim in effect. */
async function upsert(k: Awaited<ReturnType<typeof keyFor>>): Promise<void> {
  const r = await db.execute(sql`
    INSERT INTO pat_spend (org_id, pat_key_id, month, reserved_micros) VALUES (${k.orgId}::uuid, ${k.patKeyId}::uuid, ${k.month}, ${AMOUNT}::bigint)
    ON CONFLICT (pat_key_id, month) DO UPDATE SET reserved_micros = pat_spend.reserved_micros + ${AMOUNT}::bigint, updated_at = now()
      WHERE pat_spend.reserved_micros + pat_spend.settled_micros + ${AMOUNT}::bigint <= ${k.capMicros}::bigint
    RETURNING reserved_micros`);
  if ((Array.isArray(r) ? r : (r as { rows: unknown[] }).rows).length !== 1) throw new Error("refused");
}

const leases = newSpendLeases();
let synchronous = 0;
async function lease(k: Awaited<ReturnType<typeof keyFor>>): Promise<void> {
  const t = leases.take(k, AMOUNT);
  if (t instanceof Ticket) synchronous++;
  if ((t instanceof Promise ? await t : t) === "refused") throw new Error("refused");
}

async function run(fn: () => Promise<void>, concurrency: number, count: number) {
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        const t0 = performance.now();
        await fn();
        samples.push((performance.now() - t0) * 1000);
      }
    }),
  );
  return { s: summarise(samples), rps: count / ((performance.now() - started) / 1000) };
}

const us = (n: number) => n.toFixed(1).padStart(9);
console.log(`PAT spend admission — ${services.label}; ${AMOUNT} µUSD per request`);
console.log("scenario           |    p50 µs |    p90 µs |    p99 µs |    max µs |      req/s");
for (const concurrency of [1, 50]) {
  const count = concurrency === 1 ? 2_000 : 10_000;
  for (const [name, fn] of [
    ["upsert", upsert],
    ["lease ", lease],
  ] as const) {
    const k = await keyFor(`${name.trim()}-${concurrency}`);
    await run(() => fn(k), concurrency, 200); // warm-up
    synchronous = 0;
    const r = await run(() => fn(k), concurrency, count);
    const extra = name === "lease " ? `  (${synchronous} of ${count} answered synchronously)` : "";
    console.log(`${name} c=${String(concurrency).padEnd(2)}        | ${us(r.s.p50)} | ${us(r.s.p90)} | ${us(r.s.p99)} | ${us(r.s.max)} | ${r.rps.toFixed(0).padStart(10)}${extra}`);
  }
}
await leases.close();
await closeDatabase();
await services.cleanup();
process.exit(0);
