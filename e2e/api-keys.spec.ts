import { expect, test } from "@playwright/test";
import { signUp, uniqueEmail } from "./helpers";

test("an API key is shown once, then only its prefix, and can be revoked", async ({ page }) => {
  await signUp(page, uniqueEmail("keys"), "Keys Test Org");
  await expect(page.getByText("Keys Test Org")).toBeVisible();

  // Create
  await page.getByRole("button", { name: "Create API key" }).click();
  const create = page.getByRole("dialog", { name: "Create API key" });
  await create.getByLabel("Key name").fill("e2e laptop");
  await create.getByRole("button", { name: "Create key" }).click();

  // Shown once, in full
  const reveal = page.getByRole("dialog", { name: "Save your API key" });
  await expect(reveal.getByText("You will not see this key again")).toBeVisible();
  const key = ((await reveal.getByTestId("new-api-key").textContent()) ?? "").trim();
  expect(key).toMatch(/^fk_live_[0-9A-Za-z]{40}$/);
  const prefix = key.slice(0, "fk_live_".length + 4);
  await reveal.getByRole("button", { name: "Done" }).click();
  await expect(reveal).toBeHidden();

  // After a reload: only the masked prefix, the key itself nowhere
  await page.reload();
  const row = page.getByRole("row").filter({ hasText: "e2e laptop" });
  await expect(row).toContainText(`${prefix}…`);
  await expect(row).toContainText("Active");
  expect(await page.content()).not.toContain(key);
  await expect(page.locator("body")).not.toContainText(key);

  // Revoke
  await row.getByRole("button", { name: "Revoke" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("e2e laptop");
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(confirm).toBeHidden();
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button", { name: "Revoke" })).toHaveCount(0);

  // Still revoked after a reload (the server says so, not only the page)
  await page.reload();
  await expect(page.getByRole("row").filter({ hasText: "e2e laptop" })).toContainText("Revoked");
});
