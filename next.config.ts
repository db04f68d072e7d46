import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // PGlite loads a wasm file relative to its own module; bundling breaks that path.
  serverExternalPackages: ["@electric-sql/pglite", "drizzle-orm", "pg", "pino", "ioredis"],
  poweredByHeader: false,
  // The console and both gateways are served from one origin; a strict baseline for every response.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default nextConfig;
