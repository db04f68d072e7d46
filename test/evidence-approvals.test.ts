// Approval workflows: a guarded change does nothing until a DIFFERENT admin approves it; the
// requester cannot approve their own; rejections apply nothing; everything is in the Change Log.
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { DELETE as revokeKey } from "@/app/api/v1/api-keys/[id]/route";
import { POST as createKey } from "@/app/api/v1/api-keys/route";
import { POST as decide } from "@/app/api/v1/approvals/[id]/[decision]/route";
import { GET as listApprovals } from "@/app/api/v1/approvals/route";
import { GET as changes } from "@/app/api/v1/changes/route";
import { GET as getSettings, PUT as putSettings } from "@/app/api/v1/evidence-settings/route";
import { PATCH as patchOrg } from "@/app/api/v1/org/route";
import { apiKeys, memberships, organisations, users } from "@/db/schema";
import { verifyStoredChain } from "@/lib/audit/verify";
import { getDb } from "@/lib/db";
import { call, newOrg, tokenFor, uniqueEmail } from "./helpers";

// Heavy under a loaded machine (2 cores shared): generous per-test time.
vi.setConfig({ testTimeout: 180_000 });

async function addMember(orgId: string, role: "admin" | "auditor" | "member") {
  const db = await getDb();
  const email = uniqueEmail(role);
  const [u] = await db.insert(users).values({ email }).returning();
  await db.insert(memberships).values({ orgId, userId: u.id, consoleRole: role });
  return { id: u.id, email, token: await tokenFor(u.id, orgId, email) };
}

const tierOf = async (orgId: string) => (await (await getDb()).select().from(organisations).where(eq(organisations.id, orgId)))[0].tier;

describe("approval workflows", () => {
  it("a guarded tier change does nothing until a different admin approves it", async () => {
    const { org, token, user } = await newOrg("Guarded");
    const admin2 = await addMember(org.id, "admin");
    const auditor = await addMember(org.id, "auditor");

    // Not guarded yet: applies at once.
    expect((await call(patchOrg, { token, method: "PATCH", body: { tier: "BANK" } })).status).toBe(200);
    expect(await tierOf(org.id)).toBe("BANK");

    const put = await call(putSettings, { token, method: "PUT", body: { guarded_changes: ["org.tier"] } });
    expect(put.status, put.text).toBe(200);
    expect(put.json.guarded_changes).toEqual(["org.tier"]);

    const req = await call(patchOrg, { token, method: "PATCH", body: { tier: "ZERO_TRUST" } });
    expect(req.status).toBe(202);
    const approval = req.json.pending_approval;
    expect(approval).toMatchObject({ kind: "org.tier", status: "pending", summary: "Change tier BANK → ZERO_TRUST" });
    expect(await tierOf(org.id)).toBe("BANK"); // nothing changed

    // The requester cannot approve (nor reject) their own change; an auditor cannot decide at all.
    const self = await call(decide, { token, method: "POST", params: { id: approval.id, decision: "approve" } });
    expect(self.status).toBe(403);
    expect(self.json.error.message).toMatch(/own change/);
    expect((await call(decide, { token: auditor.token, method: "POST", params: { id: approval.id, decision: "approve" } })).status).toBe(403);
    expect(await tierOf(org.id)).toBe("BANK");

    // Another org's admin cannot even see it.
    const stranger = await newOrg("Stranger");
    expect((await call(decide, { token: stranger.token, method: "POST", params: { id: approval.id, decision: "approve" } })).status).toBe(404);

    const pending = await call(listApprovals, { token: admin2.token, path: "/api/v1/approvals?status=pending" });
    expect(pending.json.data.map((a: any) => a.id)).toEqual([approval.id]);

    const ok = await call(decide, { token: admin2.token, method: "POST", params: { id: approval.id, decision: "approve" }, body: { note: "Contract signed" } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json).toMatchObject({ status: "applied", decided_by: { id: admin2.id }, requested_by: { id: user.id } });
    expect(await tierOf(org.id)).toBe("ZERO_TRUST");

    // Deciding twice is a conflict.
    expect((await call(decide, { token: admin2.token, method: "POST", params: { id: approval.id, decision: "reject" } })).status).toBe(409);

    // All of it recorded: request, the applied change (by the approver), the approval.
    const log = await call(changes, { token, path: "/api/v1/changes?limit=10" });
    const kinds = log.json.data.map((c: any) => `${c.action}:${c.entity.type}`);
    expect(kinds.slice(0, 3)).toEqual(["approve:pending_change", "update:organisation", "request_approval:pending_change"]);
    const tierChange = log.json.data.find((c: any) => c.entity.type === "organisation");
    expect(tierChange).toMatchObject({ before: { tier: "BANK" }, after: { tier: "ZERO_TRUST" }, actor: { label: admin2.email } });
    await expect(verifyStoredChain(await getDb(), org.id, "changes")).resolves.toMatchObject({ ok: true });
  });

  it("a rejected guarded revocation leaves the key working; members revoking their own keys are never delayed", async () => {
    const { org, token } = await newOrg("Keys");
    const admin2 = await addMember(org.id, "admin");
    const member = await addMember(org.id, "member");
    await call(putSettings, { token, method: "PUT", body: { guarded_changes: ["api_key.revoke"] } });
    const memberKey = await call(createKey, { token: member.token, body: { name: "laptop" } });
    expect(memberKey.status).toBe(201);

    const req = await call(revokeKey, { token, method: "DELETE", params: { id: memberKey.json.id } });
    expect(req.status).toBe(202);
    const db = await getDb();
    const keyRow = async () => (await db.select().from(apiKeys).where(eq(apiKeys.id, memberKey.json.id)))[0];
    expect((await keyRow()).revokedAt).toBeNull();
    const rej = await call(decide, { token: admin2.token, method: "POST", params: { id: req.json.pending_approval.id, decision: "reject" } });
    expect(rej.json.status).toBe("rejected");
    expect((await keyRow()).revokedAt).toBeNull();

    const own = await call(revokeKey, { token: member.token, method: "DELETE", params: { id: memberKey.json.id } });
    expect(own.status).toBe(204);
    expect((await keyRow()).revokedAt).not.toBeNull();
  });

  it("one admin alone cannot remove a guard, and retention stays within the tier's limits", async () => {
    const { org, token } = await newOrg("Four eyes");
    const admin2 = await addMember(org.id, "admin");
    await call(putSettings, { token, method: "PUT", body: { guarded_changes: ["org.tier", "retention.reduce"] } });
    const off = await call(putSettings, { token, method: "PUT", body: { guarded_changes: [] } });
    expect(off.status).toBe(202);
    expect((await call(getSettings, { token })).json.guarded_changes).toEqual(["org.tier", "retention.reduce"]);
    await call(decide, { token: admin2.token, method: "POST", params: { id: off.json.pending_approval.id, decision: "approve" } });
    expect((await call(getSettings, { token })).json.guarded_changes).toEqual([]);

    expect((await call(putSettings, { token, method: "PUT", body: { retention_days: 10 } })).status).toBe(400);
    expect((await call(putSettings, { token, method: "PUT", body: { guarded_changes: ["no.such.kind"] } })).status).toBe(400);
    const ok = await call(putSettings, { token, method: "PUT", body: { retention_days: 180 } });
    expect(ok.json).toMatchObject({ retention_days: 180, retention_limits: { default: 90, min: 30, max: 365 } });
    expect(org.id).toBeTruthy();
  });
});

describe("guarded redaction", () => {
  it("switching PII redaction off waits for a second admin; switching it on does not", async () => {
    const { PUT: putRedaction, GET: getRedactionRoute } = await import("@/app/api/v1/redaction/route");
    const { org, token } = await newOrg("Redaction");
    const admin2 = await addMember(org.id, "admin");
    await call(putSettings, { token, method: "PUT", body: { guarded_changes: ["redaction.disable"] } });
    const off = await call(putRedaction, { token, method: "PUT", body: { email: false, phone: true, ssn: true, creditCard: true, custom: [] } });
    expect(off.status, off.text).toBe(202);
    expect(off.json.pending_approval.summary).toBe("Disable PII redaction of email");
    expect((await call(getRedactionRoute, { token })).json.org.email).toBe(true);
    const ok = await call(decide, { token: admin2.token, method: "POST", params: { id: off.json.pending_approval.id, decision: "approve" } });
    expect(ok.json.status).toBe("applied");
    expect((await call(getRedactionRoute, { token })).json.org.email).toBe(false);
    const on = await call(putRedaction, { token, method: "PUT", body: { email: true, phone: true, ssn: true, creditCard: true, custom: [] } });
    expect(on.status).toBe(200);
    expect((await call(putRedaction, { token, method: "PUT", body: { credit_card: false } })).status).toBe(400);
  });
});
