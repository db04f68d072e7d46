// Guarded change "connector.delete": when the org guards it, DELETE answers 202 with a pending change;
// the connector (and its credential) stay until a second admin approves; the kill switch is not delayed.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as decideRoute from "@/app/api/v1/approvals/[id]/[decision]/route";
import * as acceptRoute from "@/app/api/v1/invitations/accept/route";
import * as usersRoute from "@/app/api/v1/users/route";
import { orgEvidenceSettings, vaultSecrets } from "@/db/schema";
import { getDb } from "@/lib/db";
import { api, connectorRow } from "./connectors-helpers";
import { call, newOrg, PASSWORD, tokenFor, uniqueEmail } from "./helpers";

async function secondAdmin(owner: Awaited<ReturnType<typeof newOrg>>) {
  const email = uniqueEmail("admin");
  const inv = await call(usersRoute.POST, { token: owner.token, body: { email, console_role: "admin" } });
  const acc = await call(acceptRoute.POST, { body: { token: inv.json.invite_url.split("/invite/")[1], password: PASSWORD } });
  return tokenFor(acc.json.user.id, owner.org.id, email);
}

describe("connector.delete as a guarded change", () => {
  it("waits for a second admin, then deletes and crypto-shreds", async () => {
    const owner = await newOrg();
    const db = await getDb();
    await db.insert(orgEvidenceSettings).values({ orgId: owner.org.id, guardedChanges: ["connector.delete"] });
    const c = (await api.create(owner.token, { type: "zendesk", name: "Z", config: { subdomain: "acme", email: "a@b.example" }, credentials: { api_token: "tok-123456" } })).json;
    const res = await api.remove(owner.token, c.id);
    expect(res.status).toBe(202);
    expect(res.json.pending_approval).toMatchObject({ kind: "connector.delete", status: "pending" });
    expect(res.json.pending_approval.summary).toContain('Delete connector "Z"');
    const row = await connectorRow(owner.org.id, c.id);
    expect(row).toBeTruthy();
    // Kill is not delayed.
    await db.update((await import("@/db/schema")).connectors).set({ status: "ACTIVE" }).where(eq((await import("@/db/schema")).connectors.id, c.id));
    expect((await api.kill(owner.token, c.id)).json.status).toBe("KILLED");
    // The requester cannot approve their own change; another admin can.
    const self = await call(decideRoute.POST, { token: owner.token, params: { id: res.json.pending_approval.id, decision: "approve" }, method: "POST" });
    expect(self.status).toBe(403);
    const admin = await secondAdmin(owner);
    const ok = await call(decideRoute.POST, { token: admin, params: { id: res.json.pending_approval.id, decision: "approve" }, method: "POST" });
    expect(ok.status).toBe(200);
    expect(ok.json.status).toBe("applied");
    expect(await connectorRow(owner.org.id, c.id)).toBeUndefined();
    const [secret] = await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, row.secretId!));
    expect(secret?.destroyedAt ?? "purged").toBeTruthy();
  });

  it("unguarded orgs delete at once (204)", async () => {
    const owner = await newOrg();
    const c = (await api.create(owner.token, { type: "zendesk", name: "Z", config: { subdomain: "acme", email: "a@b.example" }, credentials: { api_token: "tok-123456" } })).json;
    expect((await api.remove(owner.token, c.id)).status).toBe(204);
  });
});
