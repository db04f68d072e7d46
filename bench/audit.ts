// npm run bench audit — the audit trail's write path under gateway load.
// Measures, on embedded PGlite (default) and on the real Postgres at 127.0.0.1:5432 when reachable
// (a scratch database, dropped afterwards):
//   1. sequential appends, one transaction each (no concurrency): events/s;
//   2. 64 concurrent "requests", one transaction each (serialised by the chain-head lock): events/s;
//   3. the same 64 concurrent requests through auditGovernedRequest (group commit): events/s,
//      transactions, mean batch size;
//   4. latency a governed request waits for its durable audit event: alone, and under that load;
//   5. the commit floor: a bare one-row INSERT (no Fortress code) and a governed request, each timed
//      back to back and then 2 ms apart — the pace of one client calling a gateway at concurrency 1.
//      On a virtual disk a commit after an idle pause can cost twice a back-to-back one; that floor
//      is under every gateway figure at concurrency 1 (docs/benchmarks.md, PAT, session 8).
// Each phase runs for a fixed time so the whole bench stays well under 60 s.
process.env.FORTRESS_LOG_LEVEL ??= "silent";
process.env.FORTRESS_DATA_DIR = "memory://";
import { randomUUID } from "node:crypto";
import { summarise } from "./_stats";

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 3000);
const CONCURRENCY = 64;

async function pgReachable(): Promise<boolean> {
  const { Client } = await import("pg");
  const c = new Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres", connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** Latency of `fn` called `n` times, one at a time, with an idle pause of `gapMs` before each call. */
async function paced(fn: () => Promise<unknown>, n: number, gapMs: number) {
  for (let i = 0; i < 100; i++) await fn(); // warm-up
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    const t = performance.now();
    await fn();
    lat.push(performance.now() - t);
  }
  return summarise(lat);
}

async function runOn(label: string, url: string | undefined) {
  const { openDatabase } = await import("../db/client");
  const { organisations } = await import("../db/schema");
  const { recordAuditEvent } = await import("../lib/audit/record");
  const { AuditGroupCommitter, auditGovernedRequest } = await import("../lib/audit/gateway");
  const handle = await openDatabase({ url, dataDir: "memory://", poolSize: 20 } as never);
  await handle.migrate();
  const db = handle.db;
  const [org] = await db.insert(organisations).values({ name: "Bench", slug: `bench-${randomUUID().slice(0, 8)}` }).returning();
  const actor = { type: "user" as const, id: randomUUID(), label: "bench@example.com" };
  const input = (i: number) => ({
    orgId: org.id,
    product: "mcp" as const,
    actor,
    action: "tools/call",
    resourceType: "connector",
    resourceId: "zendesk",
    decision: (i % 10 ? "allow" : "deny") as "allow" | "deny",
    latencyMs: 12,
    meta: { requestId: randomUUID(), clientIp: "203.0.113.7" },
    metadata: { tool: "zendesk__list_tickets", args: { status: "open" } },
  });

  const rows: string[] = [];
  // 1. sequential
  {
    let n = 0;
    const lat: number[] = [];
    const end = performance.now() + PHASE_MS;
    while (performance.now() < end) {
      const t = performance.now();
      await recordAuditEvent(db, input(n++));
      lat.push(performance.now() - t);
    }
    const s = summarise(lat);
    rows.push(`  sequential, 1 tx/event           ${(n / (PHASE_MS / 1000)).toFixed(0).padStart(7)} events/s   p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms`);
  }
  // 2. concurrent, one transaction each
  {
    let n = 0;
    const lat: number[] = [];
    const end = performance.now() + PHASE_MS;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          await recordAuditEvent(db, input(n++));
          lat.push(performance.now() - t);
        }
      }),
    );
    const s = summarise(lat);
    rows.push(`  ${CONCURRENCY} concurrent, 1 tx/event       ${(n / (PHASE_MS / 1000)).toFixed(0).padStart(7)} events/s   p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms`);
  }
  // 3 + 4. group commit
  const committer = new AuditGroupCommitter(async () => db);
  {
    const lat: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await auditGovernedRequest(input(i), committer);
      lat.push(performance.now() - t);
    }
    const s = summarise(lat);
    rows.push(`  governed request alone            latency added p50 ${s.p50.toFixed(2)} ms  p90 ${s.p90.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms`);
  }
  {
    const before = { ...committer.stats };
    let n = 0;
    const lat: number[] = [];
    const end = performance.now() + PHASE_MS;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          await auditGovernedRequest(input(n++), committer);
          lat.push(performance.now() - t);
        }
      }),
    );
    const s = summarise(lat);
    const batches = committer.stats.batches - before.batches;
    rows.push(
      `  ${CONCURRENCY} concurrent, group commit      ${(n / (PHASE_MS / 1000)).toFixed(0).padStart(7)} events/s   p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms   (${batches} tx, ${(n / batches).toFixed(1)} events/tx)`,
    );
  }
  // 5. the commit floor
  {
    const { sql } = await import("drizzle-orm");
    await db.execute(sql`create table bench_commit_floor (id bigserial primary key, v text not null)`);
    const bare = () => db.execute(sql`insert into bench_commit_floor (v) values ('x')`);
    let i = 0;
    const governed = () => auditGovernedRequest(input(i++), committer);
    for (const [name, fn] of [["bare one-row INSERT", bare], ["governed request alone", governed]] as const) {
      const line = [`  ${name.padEnd(24)}`];
      for (const gapMs of [0, 2]) {
        const s = await paced(fn, 400, gapMs);
        line.push(`${gapMs ? "2 ms apart" : "back to back"} p50 ${s.p50.toFixed(2)} ms p90 ${s.p90.toFixed(2)} ms`);
      }
      rows.push(line.join("   "));
    }
  }
  const { verifyStoredChain } = await import("../lib/audit/verify");
  const v = await verifyStoredChain(db, org.id, "events");
  console.log(`\n${label}`);
  for (const r of rows) console.log(r);
  console.log(`  chain after the run: ${v.ok ? `verified, ${v.checked} rows` : `BROKEN at ${v.firstBadSeq}`}`);
  await handle.close();
}

process.on("uncaughtException", (err) => {
  if ((err as { code?: string }).code === "57P01") return; // a pooled connection closed at the end
  throw err;
});
console.log(`audit write path — ${PHASE_MS / 1000} s per phase, ${CONCURRENCY} concurrent requests`);
await runOn("PGlite (embedded, in memory)", undefined);
if (await pgReachable()) {
  const { Client } = await import("pg");
  const name = `fortress_bench_${process.pid}`;
  const admin = new Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
  await admin.connect();
  await admin.query(`create database ${name}`);
  try {
    await runOn("Postgres 127.0.0.1:5432 (fsync on, scratch database)", `postgres://postgres@127.0.0.1:5432/${name}`);
  } finally {
    await admin.query(`drop database ${name}`).catch(() => undefined);
    await admin.end();
  }
} else console.log("\n(Postgres at 127.0.0.1:5432 not reachable: skipped)");
process.exit(0);
