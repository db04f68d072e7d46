import { expect, test } from "@playwright/test";
import { signUp, uniqueEmail } from "./helpers";

// Every console page an owner can open renders its heading, with no error screen and no failed API
// call behind it. Pages are listed by hand so a new one is a deliberate addition here.
const PAGES = [
  "/",
  "/policy/roles",
  "/policy/rules",
  "/policy/redaction",
  "/policy/simulator",
  "/traffic",
  "/vault/connectors",
  "/vault/pat-keys",
  "/change-log",
  "/audit",
  "/settings/users",
  "/settings/service-accounts",
  "/settings/api-keys",
  "/settings/encryption-keys",
  "/settings/webhooks",
  "/settings/pat-usage",
  "/settings/pat-requests",
  "/settings/evidence",
];

test("every console page renders for an owner", async ({ page }) => {
  await signUp(page, uniqueEmail("tour"), "Tour Org");
  const failures: string[] = [];
  page.on("response", (r) => {
    if (r.url().includes("/api/v1/") && r.status() >= 500) failures.push(`${r.status()} ${r.url()}`);
  });
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  for (const path of PAGES) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 }).first(), path).toBeVisible();
    await page.waitForLoadState("networkidle");
    if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `test-results/pages${path.replace(/\//g, "_") || "_"}.png`, fullPage: true });
    await expect(page.getByText(/Application error|Something went wrong/i), path).toHaveCount(0);
  }
  expect(failures).toEqual([]);
});
