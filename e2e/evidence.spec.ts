import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { parseExport, verifyExport } from "../lib/audit/export-verify";
import { signUp, uniqueEmail } from "./helpers";

test("the Change Log shows a console role change with its before and after", async ({ page, baseURL }) => {
  await signUp(page, uniqueEmail("owner"), "Change Log Org");
  const invitee = uniqueEmail("member");
  const headers = { origin: baseURL! };
  const invite = await page.request.post("/api/v1/users", { data: { email: invitee, console_role: "member" }, headers });
  expect(invite.status()).toBe(201);
  const token = new URL((await invite.json()).invite_url).pathname.split("/").pop();
  const accepted = await page.request.post("/api/v1/invitations/accept", { data: { token, password: "another long passphrase" }, headers });
  expect(accepted.status()).toBe(201);
  const members = (await (await page.request.get("/api/v1/users")).json()).data as { id: string; email: string }[];
  const member = members.find((m) => m.email === invitee)!;
  const patched = await page.request.patch(`/api/v1/users/${member.id}`, { data: { console_role: "auditor" }, headers });
  expect(patched.status()).toBe(200);

  await page.goto("/change-log");
  await expect(page.getByRole("heading", { name: "Change Log" })).toBeVisible();
  const row = page.getByRole("row").filter({ hasText: invitee }).filter({ hasText: "Updated member" });
  await expect(row).toBeVisible();
  const diff = row.getByRole("table", { name: "Before and after" });
  await expect(diff.getByRole("row").filter({ hasText: "console_role" })).toContainText("member");
  await expect(diff.getByRole("row").filter({ hasText: "console_role" })).toContainText("auditor");
});

test("the audit export downloads and verifies offline", async ({ page }) => {
  await signUp(page, uniqueEmail("auditor"), "Export Org");
  await page.goto("/audit");
  await expect(page.getByText("Chain intact")).toBeVisible();
  await page.getByRole("button", { name: "Export" }).click();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("menuitem", { name: "JSON Lines" }).click()]);
  const file = await download.path();
  const verdict = verifyExport(parseExport(readFileSync(file, "utf8")));
  expect(verdict).toMatchObject({ ok: true });
});

test("the Change Log shows a Policy Radar role edit with its before and after", async ({ page, baseURL }) => {
  await signUp(page, uniqueEmail("policy"), "Role Edit Org");
  const headers = { origin: baseURL! };
  const created = await page.request.post("/api/v1/roles", { data: { name: "Support Agent", description: "Tier 1 support" }, headers });
  expect(created.status()).toBe(201);
  const role = await created.json();
  const edited = await page.request.put(`/api/v1/roles/${role.id}`, { data: { name: "Support Lead", description: "Tier 2 support" }, headers });
  expect(edited.status()).toBe(200);

  await page.goto("/change-log");
  const row = page.getByRole("row").filter({ hasText: "Support Lead" }).filter({ hasText: "Updated" });
  await expect(row).toBeVisible();
  const diff = row.getByRole("table", { name: "Before and after" });
  const name = diff.getByRole("row").filter({ hasText: /^name/ });
  await expect(name).toContainText("Support Agent");
  await expect(name).toContainText("Support Lead");
  await expect(diff.getByRole("row").filter({ hasText: "description" })).toContainText("Tier 2 support");
});
