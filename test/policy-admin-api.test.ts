// Policy Radar admin API: roles, assignments, rules, redaction, attributes — CRUD with Change Log
// before/after, save-time validation (4xx, never a partial write), permissions and org isolation.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { organisations } from "@/db/schema";
import { GET as listAssignmentsRoute, POST as assignRoute } from "@/app/api/v1/roles/[id]/assignments/route";
import { DELETE as unassignRoute } from "@/app/api/v1/roles/[id]/assignments/[subjectId]/route";
import { DELETE as deleteRoleRoute, GET as getRoleRoute, PUT as putRoleRoute } from "@/app/api/v1/roles/[id]/route";
import { GET as listRolesRoute, POST as createRoleRoute } from "@/app/api/v1/roles/route";
import { GET as allAssignmentsRoute } from "@/app/api/v1/role-assignments/route";
import { DELETE as deleteRuleRoute, GET as getRuleRoute, PUT as putRuleRoute } from "@/app/api/v1/rules/[id]/route";
import { GET as listRulesRoute, POST as createRuleRoute } from "@/app/api/v1/rules/route";
import { POST as previewRoute } from "@/app/api/v1/redaction/preview/route";
import { PUT as roleOverrideRoute } from "@/app/api/v1/redaction/roles/[id]/route";
import { GET as getRedactionRoute, PUT as putRedactionRoute } from "@/app/api/v1/redaction/route";
import { GET as getAttrsRoute, PUT as putAttrsRoute } from "@/app/api/v1/users/[userId]/attributes/route";
import { GET as resourcesRoute } from "@/app/api/v1/policy/resources/route";
import { DELETE as deleteSaRoute } from "@/app/api/v1/service-accounts/[id]/route";
import { POST as createSaRoute } from "@/app/api/v1/service-accounts/route";
import { DELETE as removeMemberRoute } from "@/app/api/v1/users/[userId]/route";
import { getDb } from "@/lib/db";
import { loadPolicySource } from "@/lib/policy/store";
import { call, newOrg } from "./helpers";
import { addMember, changes, seedConnector, seedPatKey } from "./policy-admin-fixtures";

const grant = (connectorId: string, action: string, effect: "allow" | "deny") => ({ kind: "connector_action", connector_id: connectorId, action, effect });

async function setup() {
  const owner = await newOrg("Acme");
  const zendesk = await seedConnector(owner.org.id);
  const key = await seedPatKey(owner.org.id);
  return { owner, zendesk, key };
}

describe("roles", () => {
  it("creates, reads, updates and deletes a role; each change is in the Change Log with before and after", async () => {
    const { owner, zendesk, key } = await setup();
    const created = await call(createRoleRoute, {
      token: owner.token,
      body: {
        name: "Support Agent",
        description: "Front-line support",
        grants: [grant(zendesk.id, "list_tickets", "allow"), grant(zendesk.id, "delete_ticket", "deny"), { kind: "pat_key", pat_key_id: key.id, effect: "allow" }],
      },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: "Support Agent", counts: { allowed: 2, denied: 1, assignments: 0 } });
    const id = created.json.id;

    const list = await call(listRolesRoute, { token: owner.token });
    expect(list.json.data).toHaveLength(1);
    expect(list.json.data[0].counts).toEqual({ allowed: 2, denied: 1, assignments: 0 });

    const updated = await call(putRoleRoute, {
      method: "PUT",
      token: owner.token,
      params: { id },
      body: { grants: [grant(zendesk.id, "list_tickets", "allow"), grant(zendesk.id, "delete_ticket", "allow")] },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.counts).toMatchObject({ allowed: 2, denied: 0 });
    expect(updated.json.name).toBe("Support Agent");

    // The same grants in another order: no change, no log entry.
    const same = await call(putRoleRoute, {
      method: "PUT",
      token: owner.token,
      params: { id },
      body: { grants: [grant(zendesk.id, "delete_ticket", "allow"), grant(zendesk.id, "list_tickets", "allow")] },
    });
    expect(same.status).toBe(200);
    const log = await changes(owner.org.id, "role");
    expect(log.map((c) => c.action)).toEqual(["create", "update"]);
    expect(log[0].after).toMatchObject({ name: "Support Agent", grants: expect.arrayContaining(["zendesk__delete_ticket: deny", "PAT prod-support: allow"]) });
    expect(log[1].before).toMatchObject({ grants: expect.arrayContaining(["zendesk__delete_ticket: deny"]) });
    expect(log[1].after).toMatchObject({ grants: expect.arrayContaining(["zendesk__delete_ticket: allow"]) });
    expect(log[1].actorLabel).toBe(owner.email);

    expect((await call(deleteRoleRoute, { method: "DELETE", token: owner.token, params: { id } })).status).toBe(204);
    expect((await call(getRoleRoute, { token: owner.token, params: { id } })).status).toBe(404);
    const after = await changes(owner.org.id, "role");
    expect(after.at(-1)).toMatchObject({ action: "delete", entityLabel: "Support Agent" });
    expect(after.at(-1)!.before).toMatchObject({ name: "Support Agent" });
  });

  it("refuses bad grants with 400 and duplicate names with 409, writing nothing", async () => {
    const { owner, zendesk } = await setup();
    const other = await newOrg("Other");
    const foreign = await seedConnector(other.org.id, { slug: "slack", actions: [{ name: "send_message" }] });
    const cases = [
      { name: "R", grants: [grant(zendesk.id, "no_such_action", "allow")] },
      { name: "R", grants: [grant(foreign.id, "send_message", "allow")] },
      { name: "R", grants: [grant(zendesk.id, "list_tickets", "allow"), grant(zendesk.id, "list_tickets", "deny")] },
      { name: "R", grants: [{ kind: "connector_action", connector_id: zendesk.id, action: "list_tickets", effect: "maybe" }] },
      { name: "", grants: [] },
    ];
    for (const body of cases) {
      const r = await call(createRoleRoute, { token: owner.token, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.type).toBe("invalid_request");
    }
    expect((await call(createRoleRoute, { token: owner.token, body: { name: "Engineer" } })).status).toBe(201);
    expect((await call(createRoleRoute, { token: owner.token, body: { name: "engineer" } })).status).toBe(409);
    expect((await call(listRolesRoute, { token: owner.token })).json.data).toHaveLength(1);
    expect(await changes(owner.org.id, "role")).toHaveLength(1);
  });

  it("assigns and unassigns users; Change Log records both; the users screen sees role names", async () => {
    const { owner } = await setup();
    const member = await addMember(owner, "member");
    const role = (await call(createRoleRoute, { token: owner.token, body: { name: "Engineer" } })).json;
    const assigned = await call(assignRoute, { token: owner.token, params: { id: role.id }, body: { kind: "user", id: member.id } });
    expect(assigned.status).toBe(201);
    expect(assigned.json.subject).toMatchObject({ kind: "user", id: member.id, label: member.email });
    // Assigning twice is harmless and logs nothing more.
    expect((await call(assignRoute, { token: owner.token, params: { id: role.id }, body: { kind: "user", id: member.id } })).status).toBe(201);

    const all = await call(allAssignmentsRoute, { token: owner.token });
    expect(all.json.data).toEqual([expect.objectContaining({ role: { id: role.id, name: "Engineer" }, subject: expect.objectContaining({ id: member.id }) })]);
    const listed = await call(listAssignmentsRoute, { token: owner.token, params: { id: role.id } });
    expect(listed.json.data).toHaveLength(1);

    expect((await call(unassignRoute, { method: "DELETE", token: owner.token, params: { id: role.id, subjectId: member.id } })).status).toBe(204);
    expect((await call(unassignRoute, { method: "DELETE", token: owner.token, params: { id: role.id, subjectId: member.id } })).status).toBe(404);
    const log = await changes(owner.org.id, "role_assignment");
    expect(log.map((c) => [c.action, (c.before as { holds_role: boolean }).holds_role, (c.after as { holds_role: boolean }).holds_role])).toEqual([
      ["assign_role", false, true],
      ["unassign_role", true, false],
    ]);

    // A user of another org cannot be assigned: 404.
    const stranger = await newOrg("Stranger");
    expect((await call(assignRoute, { token: owner.token, params: { id: role.id }, body: { kind: "user", id: stranger.user.id } })).status).toBe(404);
  });

  it("removing a member or deleting a service account takes their roles away (no comeback on re-invite)", async () => {
    const { owner } = await setup();
    const member = await addMember(owner, "member");
    const sa = await call(createSaRoute, { token: owner.token, body: { name: "ci-bot" } });
    const role = (await call(createRoleRoute, { token: owner.token, body: { name: "Engineer" } })).json;
    await call(assignRoute, { token: owner.token, params: { id: role.id }, body: { kind: "user", id: member.id } });
    await call(assignRoute, { token: owner.token, params: { id: role.id }, body: { kind: "service_account", id: sa.json.id } });
    await call(putAttrsRoute, { method: "PUT", token: owner.token, params: { userId: member.id }, body: { attributes: { department: "Engineering" } } });
    expect((await loadPolicySource(await getDb(), owner.org.id)).assignments).toHaveLength(2);

    expect((await call(removeMemberRoute, { method: "DELETE", token: owner.token, params: { userId: member.id } })).status).toBe(204);
    expect((await call(deleteSaRoute, { method: "DELETE", token: owner.token, params: { id: sa.json.id } })).status).toBe(204);
    const source = await loadPolicySource(await getDb(), owner.org.id);
    expect(source.assignments).toEqual([]);
    expect(source.attributes).toEqual({});
    const memberLog = (await changes(owner.org.id, "member")).at(-1)!;
    expect(memberLog.before).toMatchObject({ policy_roles: ["Engineer"] });
    const saLog = (await changes(owner.org.id, "service_account")).at(-1)!;
    expect(saLog.before).toMatchObject({ policy_roles: ["Engineer"] });
    expect((await call(getRoleRoute, { token: owner.token, params: { id: role.id } })).json.counts.assignments).toBe(0);
  });

  it("lets auditors read and refuses their writes; members see nothing", async () => {
    const { owner } = await setup();
    const auditor = await addMember(owner, "auditor");
    const member = await addMember(owner, "member");
    expect((await call(listRolesRoute, { token: auditor.token })).status).toBe(200);
    expect((await call(listRulesRoute, { token: auditor.token })).status).toBe(200);
    expect((await call(getRedactionRoute, { token: auditor.token })).status).toBe(200);
    expect((await call(createRoleRoute, { token: auditor.token, body: { name: "X" } })).status).toBe(403);
    expect((await call(putRedactionRoute, { method: "PUT", token: auditor.token, body: { email: false, phone: true, ssn: true, creditCard: true } })).status).toBe(403);
    expect((await call(listRolesRoute, { token: member.token })).status).toBe(403);
  });
});

describe("org isolation", () => {
  it("org B cannot see, edit, delete or assign org A's roles and rules: 404", async () => {
    const a = await setup();
    const b = await newOrg("Org B");
    const role = (await call(createRoleRoute, { token: a.owner.token, body: { name: "Support Agent" } })).json;
    const rule = (
      await call(createRuleRoute, {
        token: a.owner.token,
        body: { name: "Office", condition: { type: "ip_allowlist", cidrs: ["10.0.0.0/8"] } },
      })
    ).json;
    expect((await call(getRoleRoute, { token: b.token, params: { id: role.id } })).status).toBe(404);
    expect((await call(putRoleRoute, { method: "PUT", token: b.token, params: { id: role.id }, body: { name: "Pwned" } })).status).toBe(404);
    expect((await call(deleteRoleRoute, { method: "DELETE", token: b.token, params: { id: role.id } })).status).toBe(404);
    expect((await call(assignRoute, { token: b.token, params: { id: role.id }, body: { kind: "user", id: b.user.id } })).status).toBe(404);
    expect((await call(listAssignmentsRoute, { token: b.token, params: { id: role.id } })).status).toBe(404);
    expect((await call(getRuleRoute, { token: b.token, params: { id: rule.id } })).status).toBe(404);
    expect((await call(deleteRuleRoute, { method: "DELETE", token: b.token, params: { id: rule.id } })).status).toBe(404);
    expect((await call(roleOverrideRoute, { method: "PUT", token: b.token, params: { id: role.id }, body: { email: false } })).status).toBe(404);
    expect((await call(getAttrsRoute, { token: b.token, params: { userId: a.owner.user.id } })).status).toBe(404);
    expect((await call(listRolesRoute, { token: b.token })).json.data).toEqual([]);
    expect((await call(listRulesRoute, { token: b.token })).json.data).toEqual([]);
    expect((await call(resourcesRoute, { token: b.token })).json).toEqual({ connectors: [], pat_keys: [] });
    // B referencing A's role or connector in its own rule: refused.
    const cross = await call(createRuleRoute, {
      token: b.token,
      body: { name: "x", scope: { role_id: role.id }, target: { connector_id: a.zendesk.id }, condition: { type: "rate_limit", limit: 1, windowSeconds: 60, per: "user" } },
    });
    expect(cross.status).toBe(400);
    // A's role is untouched.
    expect((await call(getRoleRoute, { token: a.owner.token, params: { id: role.id } })).json.name).toBe("Support Agent");
  });
});

describe("conditional rules", () => {
  it("creates, replaces and deletes rules with readable summaries and Change Log entries", async () => {
    const { owner, zendesk } = await setup();
    const role = (await call(createRoleRoute, { token: owner.token, body: { name: "Support Agent" } })).json;
    const created = await call(createRuleRoute, {
      token: owner.token,
      body: {
        name: "Zendesk budget",
        scope: { role_id: role.id },
        target: { connector_id: zendesk.id },
        condition: { type: "rate_limit", limit: 10, windowSeconds: 3600, per: "user" },
      },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ enabled: true, summary: "Max 10 calls / hour per user", scope: { role_id: role.id }, target: { connector_id: zendesk.id } });

    const replaced = await call(putRuleRoute, {
      method: "PUT",
      token: owner.token,
      params: { id: created.json.id },
      body: { name: "Business hours", enabled: false, condition: { type: "time_window", days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", timeZone: "America/New_York" } },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json).toMatchObject({ enabled: false, summary: "Mon–Fri, 09:00–17:00 America/New_York", scope: {}, target: {} });

    // Saving the same rule again changes nothing and logs nothing.
    const again = await call(putRuleRoute, { method: "PUT", token: owner.token, params: { id: created.json.id }, body: { name: "Business hours", enabled: false, condition: { type: "time_window", days: [5, 4, 3, 2, 1], start: "09:00", end: "17:00", timeZone: "America/New_York" } } });
    expect(again.status).toBe(200);
    expect((await changes(owner.org.id, "policy_rule")).length).toBe(2);

    expect((await call(deleteRuleRoute, { method: "DELETE", token: owner.token, params: { id: created.json.id } })).status).toBe(204);
    const log = await changes(owner.org.id, "policy_rule");
    expect(log.map((c) => c.action)).toEqual(["create", "update", "delete"]);
    expect(log[0].after).toMatchObject({ applies_to: "role Support Agent", on: "zendesk", condition: "Max 10 calls / hour per user" });
    expect(log[1].before).toMatchObject({ name: "Zendesk budget", enabled: true });
    expect(log[1].after).toMatchObject({ name: "Business hours", enabled: false, applies_to: "everyone" });
    expect(log[2].before).toMatchObject({ name: "Business hours" });
  });

  it("refuses bad expressions, CIDRs, zones, clocks and references with a 400 naming the field", async () => {
    const { owner, zendesk } = await setup();
    const bad: [unknown, string][] = [
      [{ type: "attribute", expression: 'department == "Engineering" &&' }, "condition.expression"],
      [{ type: "attribute", expression: "process.exit()" }, "condition.expression"],
      [{ type: "ip_allowlist", cidrs: ["10.0.0.0/33"] }, "condition.cidrs.0"],
      [{ type: "ip_allowlist", cidrs: ["192.168.1.0/24", "not-an-ip"] }, "condition.cidrs.1"],
      [{ type: "time_window", days: [1], start: "09:00", end: "17:00", timeZone: "Mars/Olympus_Mons" }, "condition.timeZone"],
      [{ type: "time_window", days: [1], start: "9am", end: "17:00", timeZone: "UTC" }, "condition.start"],
      [{ type: "rate_limit", limit: 0, windowSeconds: 60, per: "user" }, "condition.limit"],
      [{ type: "teleport" }, "condition.type"],
    ];
    for (const [condition, field] of bad) {
      const r = await call(createRuleRoute, { token: owner.token, body: { name: "bad", condition } });
      expect(r.status, JSON.stringify(condition)).toBe(400);
      expect(r.json.error.message).toContain(field);
    }
    const badTarget = await call(createRuleRoute, {
      token: owner.token,
      body: { name: "bad", target: { connector_id: zendesk.id, action: "nope" }, condition: { type: "rate_limit", limit: 1, windowSeconds: 60, per: "user" } },
    });
    expect(badTarget.status).toBe(400);
    const actionWithoutConnector = await call(createRuleRoute, {
      token: owner.token,
      body: { name: "bad", target: { action: "list_tickets" }, condition: { type: "rate_limit", limit: 1, windowSeconds: 60, per: "user" } },
    });
    expect(actionWithoutConnector.status).toBe(400);
    expect((await call(listRulesRoute, { token: owner.token })).json.data).toEqual([]);
    expect(await changes(owner.org.id, "policy_rule")).toEqual([]);

    const good = await call(createRuleRoute, {
      token: owner.token,
      body: { name: "Engineers only", condition: { type: "attribute", expression: '(department == "Engineering" || team in ["sre", "infra"]) && !contractor == "yes"' } },
    });
    expect([201, 400]).toContain(good.status); // engine grammar decides on `!x == y`; a plain one must pass:
    const plain = await call(createRuleRoute, { token: owner.token, body: { name: "Eng", condition: { type: "attribute", expression: 'department == "Engineering"' } } });
    expect(plain.status).toBe(201);
  });
});

describe("PII redaction settings", () => {
  it("saves toggles with before/after, applies role overrides, previews on sample text", async () => {
    const { owner } = await setup();
    const initial = await call(getRedactionRoute, { token: owner.token });
    expect(initial.json.org).toEqual({ email: true, phone: true, ssn: true, creditCard: true, custom: [] });
    expect(initial.json.custom_patterns_allowed).toBe(false);

    const put = await call(putRedactionRoute, { method: "PUT", token: owner.token, body: { email: false, phone: true, ssn: true, creditCard: true } });
    expect(put.status).toBe(200);
    expect(put.json.org.email).toBe(false);
    const log = await changes(owner.org.id, "redaction_settings");
    expect(log).toHaveLength(1);
    expect(log[0].before).toMatchObject({ email: true });
    expect(log[0].after).toMatchObject({ email: false });

    const role = (await call(createRoleRoute, { token: owner.token, body: { name: "Contractor" } })).json;
    expect((await call(roleOverrideRoute, { method: "PUT", token: owner.token, params: { id: role.id }, body: { email: true } })).status).toBe(200);
    const source = await loadPolicySource(await getDb(), owner.org.id);
    expect(source.redaction.org.email).toBe(false);
    expect(source.roles.find((r) => r.id === role.id)?.redaction).toEqual({ email: true });

    const preview = await call(previewRoute, {
      token: owner.token,
      body: { text: "Mail jane.doe@example.com now", settings: { email: true, phone: false, ssn: false, creditCard: false, custom: [] } },
    });
    expect(preview.status).toBe(200);
    expect(preview.json.text).toBe("Mail ████@████.███ now");
    expect(preview.json.counts.email).toBe(1);
  });

  it("refuses custom patterns on SOHO (403) and catastrophic ones on Bank (400)", async () => {
    const { owner } = await setup();
    const withCustom = (pattern: string) => ({ email: true, phone: true, ssn: true, creditCard: true, custom: [{ name: "MRN", pattern }] });
    const soho = await call(putRedactionRoute, { method: "PUT", token: owner.token, body: withCustom("MRN-\\d{8}") });
    expect(soho.status).toBe(403);
    expect(soho.json.error.message).toMatch(/Bank and Zero Trust/);

    const db = await getDb();
    await db.update(organisations).set({ tier: "BANK" }).where(eq(organisations.id, owner.org.id));
    const ok = await call(putRedactionRoute, { method: "PUT", token: owner.token, body: withCustom("MRN-\\d{8}") });
    expect(ok.status).toBe(200);
    expect(ok.json.org.custom).toEqual([{ name: "MRN", pattern: "MRN-\\d{8}" }]);
    for (const evil of ["(a+)+$", "(x|x)*y", "(\\w+\\s?)*$", "(unclosed"]) {
      const r = await call(putRedactionRoute, { method: "PUT", token: owner.token, body: withCustom(evil) });
      expect(r.status, evil).toBe(400);
      expect(r.json.error.message).toContain("custom.0.pattern");
    }
    // The last good setting is still in force.
    expect((await call(getRedactionRoute, { token: owner.token })).json.org.custom).toEqual([{ name: "MRN", pattern: "MRN-\\d{8}" }]);
  });
});

describe("subject attributes", () => {
  it("reads and replaces a user's attributes with a Change Log entry; bad names are 400", async () => {
    const { owner } = await setup();
    const member = await addMember(owner, "member");
    expect((await call(getAttrsRoute, { token: owner.token, params: { userId: member.id } })).json.attributes).toEqual({});
    const put = await call(putAttrsRoute, {
      method: "PUT",
      token: owner.token,
      params: { userId: member.id },
      body: { attributes: { department: "Engineering", teams: ["sre", "infra"] } },
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ subject: { label: member.email }, attributes: { department: "Engineering" } });
    const log = await changes(owner.org.id, "subject_attributes");
    expect(log[0]).toMatchObject({ before: {}, after: { department: "Engineering", teams: ["sre", "infra"] } });
    const bad = await call(putAttrsRoute, { method: "PUT", token: owner.token, params: { userId: member.id }, body: { attributes: { "bad name!": "x" } } });
    expect(bad.status).toBe(400);
    const nested = await call(putAttrsRoute, { method: "PUT", token: owner.token, params: { userId: member.id }, body: { attributes: { a: { b: 1 } } } });
    expect(nested.status).toBe(400);
  });
});
