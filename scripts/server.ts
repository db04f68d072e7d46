// Fortress's HTTP server: Next.js behind a thin node:http layer that
//  1. validates every setting before anything starts (one clear line per bad setting, exit 1);
//  2. stamps the socket's peer address into x-fortress-peer, replacing anything a client sent, so
//     the app can tell a trusted proxy's X-Forwarded-For from a spoofed one (Next fills that header
//     only when absent, so it cannot be trusted by itself);
//  3. serves the gateways (/v1/*) without Next's routing once they are loaded (lib/http/front.ts;
//     not under --dev, where Next's route keeps hot reload working, nor with FORTRESS_GATEWAY_FRONT=off);
//  4. shuts down cleanly on SIGTERM/SIGINT (closing PGlite flushes it to disk).
// Migrations run inside the app process at start (instrumentation.ts): PGlite allows one process.
import { createServer } from "node:http";
import next from "next";
import { parseEnv } from "../lib/env";
import { createFrontListener, gatewayFrontSource } from "../lib/http/front";
import { runShutdownHooks } from "../lib/shutdown";

const dev = process.argv.includes("--dev");
let settings;
try {
  settings = parseEnv(process.env);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
if (!dev) (process.env as Record<string, string>).NODE_ENV = "production";
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

const port = settings.PORT;
// next-auth builds its callback and sign-out URLs from NEXTAUTH_URL (default http://localhost:3000).
process.env.NEXTAUTH_URL = settings.FORTRESS_PUBLIC_URL ?? `http://localhost:${port}`;
const app = next({ dev, port, hostname: "localhost" });
const handle = app.getRequestHandler();

await app.prepare();

const server = createServer(createFrontListener(handle, gatewayFrontSource({ dev, setting: settings.FORTRESS_GATEWAY_FRONT })));
server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
server.listen(port, () => {
  const url = settings.FORTRESS_PUBLIC_URL ?? `http://localhost:${port}`;
  console.error(`Fortress is ready at ${url} (database: ${settings.DATABASE_URL ? "Postgres" : `embedded, ${settings.FORTRESS_DATA_DIR}`})`);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.error(`${signal} received, shutting down`);
  server.close();
  server.closeIdleConnections();
  // Hooks registered by the app (e.g. giving unused spend leases back) need the database: run them first.
  await runShutdownHooks();
  const state = (globalThis as { __fortressDb?: { handle?: Promise<{ close(): Promise<void> }> } }).__fortressDb;
  await state?.handle?.then((h) => h.close()).catch(() => {});
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
