// npm run bench front — is what `bench pat` measures what production serves?
// The same PAT Fortress call (POST /v1/messages, JSON and streaming, concurrency 1) three ways:
//   direct      to the local fake Anthropic;
//   in-process  the router behind the node adapter, in this process (what `bench pat` and
//               `bench mcp` measure);
//   production  the built app started as `npm start` does (scripts/server.ts: Next.js, with /v1
//               handed to the gateway front once the /v1 route has loaded), in a child process.
// Needs `npm run build` first and Postgres (bench/_services.ts: the child process must see the org
// the benchmark sets up). Flags: --requests=N per scenario (default 1000),
// --via-next serves /v1 through Next's route in the child as well (FORTRESS_GATEWAY_FRONT=off).
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { benchServices } from "./_services";

if (!existsSync(".next/BUILD_ID")) {
  console.error("bench front needs a production build: run `npm run build` first.");
  process.exit(1);
}
const services = await benchServices();
if (!services.postgres) {
  console.error("bench front needs Postgres (DATABASE_URL, or one at 127.0.0.1:5432): the app runs in a second process.");
  process.exit(1);
}
const count = Number(process.argv.find((a) => a.startsWith("--requests="))?.split("=")[1] ?? 1000);
const viaNext = process.argv.includes("--via-next");

const { spawn } = await import("node:child_process");
const { createServer } = await import("node:net");
const { Agent, request } = await import("undici");
const { summarise } = await import("./_stats");
const { timedMessages } = await import("./_pat");
const { startFakeAnthropic } = await import("../test/fakes/anthropic");
const { patWorld, REAL_KEY } = await import("../test/support/pat-setup");

const fake = await startFakeAnthropic({ record: false, deltas: 5 });
const world = await patWorld({ models: [], max_tokens: 4096, monthly_cap_usd: 1_000_000 }, {}, fake);

const port = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const p = (probe.address() as AddressInfo).port;
    probe.close(() => resolve(p));
  });
});
const app = spawn(process.execPath, ["--import", "tsx", "scripts/server.ts"], {
  env: {
    ...process.env,
    PORT: String(port),
    FORTRESS_ANTHROPIC_UPSTREAM: fake.url,
    FORTRESS_OUTBOUND_ALLOW: "127.0.0.0/8",
    FORTRESS_LOG_LEVEL: "warn",
    FORTRESS_JOBS: "off",
    ...(viaNext ? { FORTRESS_GATEWAY_FRONT: "off" } : {}),
  },
  stdio: ["ignore", "ignore", "inherit"],
});
const production = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  const ok = await request(`${production}/readyz`).then((r) => r.body.text().then(() => r.statusCode === 200), () => false);
  if (ok) break;
  if (i > 300) throw new Error("the app did not become ready");
  await new Promise((r) => setTimeout(r, 100));
}

const agent = new Agent({ connections: 8, keepAliveTimeout: 30_000 });
async function run(origin: string, key: string, stream: boolean, n: number) {
  const samples = [];
  for (let i = 0; i < n; i++) samples.push(await timedMessages(agent, origin, key, stream));
  return { total: summarise(samples.map((s) => s.total)), ttfb: summarise(samples.map((s) => s.ttfb)) };
}

const targets = [
  ["direct", fake.url, REAL_KEY],
  ["in-process", world.server.url, world.orgKey],
  [viaNext ? "production (via Next)" : "production", production, world.orgKey],
] as const;
console.log(`PAT Fortress, concurrency 1, ${count} requests per row — ${services.label}; production = scripts/server.ts on :${port}`);
console.log("scenario                          |  p50 ms |  p90 ms | ttfb p50 | added p50");
for (const stream of [false, true]) {
  let direct = 0;
  for (const [name, origin, key] of targets) {
    await run(origin, key, stream, 500); // warm-up (the first /v1 request also loads the route)
    const r = await run(origin, key, stream, count);
    if (name === "direct") direct = r.total.p50;
    const label = `${name.padEnd(22)} ${stream ? "stream" : "json  "}`;
    console.log(`${label.padEnd(33)} | ${r.total.p50.toFixed(2).padStart(7)} | ${r.total.p90.toFixed(2).padStart(7)} | ${r.ttfb.p50.toFixed(2).padStart(8)} | ${name === "direct" ? "" : (r.total.p50 - direct).toFixed(2).padStart(9)}`);
  }
}

app.kill("SIGTERM");
await new Promise((r) => app.once("exit", r));
await agent.close();
await world.close();
const { closeDatabase } = await import("../lib/db");
await closeDatabase();
await services.cleanup();
process.exit(0);
