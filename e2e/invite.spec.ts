import { expect, test } from "@playwright/test";
import { signUp, uniqueEmail } from "./helpers";

test("an invited person joins through the link and sees the member's console", async ({ page, browser, baseURL }) => {
  await signUp(page, uniqueEmail("owner"), "Invite Test Org");
  const invitee = uniqueEmail("invitee");

  await page.getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await page.getByRole("button", { name: "Invite user" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite user" });
  await dialog.getByLabel("Email").fill(invitee);
  await dialog.getByRole("button", { name: "Create invitation" }).click();
  const link = ((await page.getByTestId("invite-url").textContent()) ?? "").trim();
  expect(link).toMatch(/\/invite\/[0-9A-Za-z]+$/);
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("table", { name: "Pending invitations" })).toContainText(invitee);

  // The invitee, in a separate browser profile. The link names the configured public URL; the test
  // server is reached through baseURL.
  const context = await browser.newContext();
  const guest = await context.newPage();
  await guest.goto(new URL(new URL(link).pathname, baseURL).toString());
  await guest.getByLabel("Your name").fill("Ivy Invitee");
  await guest.getByLabel("Password", { exact: true }).fill("another long passphrase");
  await guest.getByLabel("Confirm password").fill("another long passphrase");
  await guest.getByRole("button", { name: "Join organisation" }).click();
  await expect(guest).toHaveURL(/\/settings\/api-keys$/);
  await expect(guest.getByText("Invite Test Org")).toBeVisible();
  // A member manages only their own keys and does not see the people settings.
  await expect(guest.getByRole("button", { name: "Create API key" })).toBeVisible();
  await expect(guest.getByRole("link", { name: "Users" })).toHaveCount(0);
  await context.close();

  await page.reload();
  await expect(page.getByRole("table", { name: "Members" })).toContainText(invitee);
  await expect(page.getByRole("table", { name: "Pending invitations" })).not.toContainText(invitee);
});
