import { expect, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";

export const PASSWORD = "correct horse battery staple";

/** A unique address per call, so specs can run in parallel and again on the same database. */
export const uniqueEmail = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@e2e.fortress.test`;

/** Signs up through the UI and waits for the console. */
export async function signUp(page: Page, email: string, orgName = "E2E Org") {
  await page.goto("/signup");
  await page.getByLabel("Organisation name").fill(orgName);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create organisation" }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await expect(page.getByRole("heading", { name: "API keys" })).toBeVisible();
}
