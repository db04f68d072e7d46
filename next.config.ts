import type { NextConfig } from "next";
import { SECURITY_HEADERS } from "./lib/http/security-headers";

const nextConfig: NextConfig = {
  // PGlite loads a wasm file relative to its own module; bundling breaks that path.
  serverExternalPackages: ["@electric-sql/pglite", "drizzle-orm", "pg", "pino", "ioredis"],
  poweredByHeader: false,
  // The console and both gateways are served from one origin; a strict baseline for every response
  // (the gateway front adds the same to /v1, which it serves without Next).
  async headers() {
    return [
      {
        source: "/:path*",
        headers: Object.entries(SECURITY_HEADERS).map(([key, value]) => ({ key, value })),
      },
    ];
  },
};

export default nextConfig;
