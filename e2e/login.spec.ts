import { expect, test } from "@playwright/test";
import { PASSWORD, uniqueEmail } from "./helpers";

test("a wrong password is refused with a plain message", async ({ page }) => {
  const email = uniqueEmail("login");
  const res = await page.request.post("/api/v1/signup", {
    data: { email, password: PASSWORD, org_name: "Login Test Org" },
  });
  expect(res.status()).toBe(201);

  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the right password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Invalid email or password")).toBeVisible();
  await expect(page).toHaveURL(/\/login/);

  // The right password gets in.
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  // The landing page is the Status Board.
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Status Board" })).toBeVisible();
});

test("the console sends signed-out visitors to the login page", async ({ page }) => {
  await page.goto("/settings/api-keys");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});
