// Playwright smoke suite: drives the built app (`npm run build` first) with Debian's Chromium
// (`npx playwright install` cannot download browsers here). The server runs on a fresh embedded
// database in a temporary folder, so every run starts empty; specs seed their own data.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3107);
const baseURL = `http://127.0.0.1:${port}`;

// The config is evaluated by the runner and again by each worker: create the data folder once and
// hand it down through the environment, which workers inherit.
process.env.FORTRESS_E2E_DATA_DIR ??= mkdtempSync(path.join(os.tmpdir(), "fortress-e2e-"));
// The e2e run uses the embedded defaults, whatever the calling shell points at.
delete process.env.DATABASE_URL;
delete process.env.REDIS_URL;

export default defineConfig({
  testDir: "./e2e",
  globalTeardown: "./e2e/global-teardown.ts",
  testMatch: "**/*.spec.ts",
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: process.env.CI ? 2 : undefined,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: "list",
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [{ name: "chromium" }],
  webServer: {
    command: "npm start",
    url: `${baseURL}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PORT: String(port),
      FORTRESS_DATA_DIR: process.env.FORTRESS_E2E_DATA_DIR,
      FORTRESS_SIGNUP: "open",
      FORTRESS_LOG_LEVEL: "warn",
      // The feed spec points a connector at a local stand-in vendor over plain http.
      FORTRESS_OUTBOUND_ALLOW: "127.0.0.1/32",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: "",
      REDIS_URL: "",
    },
  },
});
