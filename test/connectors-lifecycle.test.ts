// Connector lifecycle through the admin API with the real vault: create → PENDING, Test → ACTIVE,
// the spec's status table (each status × each action), kill/re-enable/rotate/delete, Change Log
// entries without credentials, outbox events, circuit breaker.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as typesRoute from "@/app/api/v1/connector-types/route";
import { changeLog, connectors, outboxEvents, vaultSecrets, type ConnectorStatus } from "@/db/schema";
import { onConnectorsChanged } from "@/lib/connectors/events";
import { LIFECYCLE, type LifecycleAction } from "@/lib/connectors/lifecycle";
import { getDb } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { allowLoopback, api, connectorRow, runAction, structured } from "./connectors-helpers";
import { startZendeskFake, ZENDESK_EMAIL, ZENDESK_TOKEN, type ZendeskFake } from "./fakes/zendesk";
import { call, newOrg } from "./helpers";

let zd: ZendeskFake;
beforeAll(async () => {
  allowLoopback();
  zd = await startZendeskFake();
});
afterAll(async () => {
  expect(zd.violations).toEqual([]);
  await zd.close();
});

const body = (over: Record<string, unknown> = {}) => ({
  type: "zendesk",
  name: "Zendesk Support",
  config: { subdomain: "acme", email: ZENDESK_EMAIL, base_url: zd.url },
  credentials: { api_token: ZENDESK_TOKEN },
  ...over,
});

async function setStatus(orgId: string, id: string, status: ConnectorStatus) {
  const db = await getDb();
  await db.update(connectors).set({ status }).where(and(eq(connectors.id, id), eq(connectors.orgId, orgId)));
}

describe("connector admin API", () => {
  it("lists the catalog", async () => {
    const { token } = await newOrg();
    const r = await call(typesRoute.GET, { token });
    expect(r.status).toBe(200);
    expect(r.json.data.map((t: any) => t.type)).toEqual(["zendesk", "slack", "github", "jira", "salesforce", "openapi", "mcp"]);
    const zendesk = r.json.data[0];
    expect(zendesk.actions.find((a: any) => a.name === "delete_ticket").destructive).toBe(true);
    expect(zendesk.credential_fields[0]).toMatchObject({ name: "api_token", secret: true });
  });

  it("creates PENDING with the secret in the vault only; Test → ACTIVE; the action runs", async () => {
    const { org, user, token } = await newOrg();
    const created = await api.create(token, body());
    expect(created.status).toBe(201);
    const c = created.json;
    expect(c).toMatchObject({ status: "PENDING", slug: "zendesk_support", type: "zendesk", tools: { total: 5, exposed: 5, pending_approval: 0 }, allowed_actions: ["retry", "delete"] });
    expect(c.credential).toMatchObject({ type: "api_token", rotated_at: null });
    expect(created.text).not.toContain(ZENDESK_TOKEN);
    const db = await getDb();
    const [secret] = await db.select().from(vaultSecrets).where(eq(vaultSecrets.orgId, org.id));
    expect(Buffer.from(secret.blob!).toString("latin1")).not.toContain(ZENDESK_TOKEN);
    // Not ACTIVE yet: refuses to run.
    const pending = await runAction(org.id, user.id, c.id, "get_ticket", { id: 1 });
    expect(pending.isError).toBe(true);
    expect(pending.content[0].text).toContain("PENDING");
    const tested = await api.test(token, c.id);
    expect(tested.status).toBe(200);
    expect(tested.json).toMatchObject({ ok: true, error: null, connector: { status: "ACTIVE" } });
    const r = await runAction(org.id, user.id, c.id, "get_ticket", { id: 1 });
    expect(r.isError).toBeUndefined();
    expect(structured(r).ticket.id).toBe(1);
    // Invalid arguments never reach the vendor.
    const before = zd.requests.length;
    const bad = await runAction(org.id, user.id, c.id, "get_ticket", { id: "one", extra: true });
    expect(bad.isError).toBe(true);
    expect(bad.content[0].text).toMatch(/Invalid arguments/);
    expect(zd.requests.length).toBe(before);
    // The Change Log has create + retry with before/after and never the token.
    const changes = await db.select().from(changeLog).where(eq(changeLog.orgId, org.id));
    const mine = changes.filter((ch) => ch.entityType === "connector");
    expect(mine.map((ch) => ch.action)).toEqual(["create", "retry"]);
    expect(mine[1].before).toMatchObject({ status: "PENDING" });
    expect(mine[1].after).toMatchObject({ status: "ACTIVE" });
    expect(JSON.stringify(changes)).not.toContain(ZENDESK_TOKEN);
  });

  it("bad input is a clear 400; another org's connector is 404", async () => {
    const { token } = await newOrg();
    expect((await api.create(token, body({ type: "nope" }))).json.error.message).toContain("unknown connector type");
    expect((await api.create(token, body({ credentials: {} }))).json.error.message).toContain("credentials.api_token: is required");
    expect((await api.create(token, body({ credentials: { api_token: "x", password: "y" } }))).status).toBe(400);
    expect((await api.create(token, body({ config: { subdomain: "acme", email: "not-an-email" } }))).json.error.message).toContain("email");
    expect((await api.create(token, body({ slug: "bad__slug" }))).status).toBe(400);
    expect((await api.create(token, body({ config: { email: ZENDESK_EMAIL, base_url: "ftp://x" } }))).status).toBe(400);
    const ok = await api.create(token, body({ slug: "zd" }));
    expect((await api.create(token, body({ slug: "zd" }))).status).toBe(409);
    const other = await newOrg("Other");
    expect((await api.get(other.token, ok.json.id)).status).toBe(404);
    expect((await api.remove(other.token, ok.json.id)).status).toBe(404);
    expect((await api.get(token, "not-a-uuid")).status).toBe(404);
  });

  it("enforces the spec's status table: every status × every action", async () => {
    const { org, token } = await newOrg();
    const statuses: ConnectorStatus[] = ["PENDING", "ACTIVE", "OFFLINE", "KILLED"];
    const actions: Array<{ name: LifecycleAction; run: (id: string) => ReturnType<typeof api.get> }> = [
      { name: "edit", run: (id) => api.update(token, id, { name: "Renamed" }) },
      { name: "test", run: (id) => api.test(token, id) },
      { name: "rotate", run: (id) => api.rotate(token, id, { credentials: { api_token: ZENDESK_TOKEN } }) },
      { name: "kill", run: (id) => api.kill(token, id, { reason: "test" }) },
      { name: "enable", run: (id) => api.enable(token, id) },
      { name: "delete", run: (id) => api.remove(token, id) },
    ];
    const table: string[] = [];
    for (const status of statuses) {
      for (const action of actions) {
        const c = (await api.create(token, body({ slug: `c_${status.toLowerCase()}_${action.name}` }))).json;
        await setStatus(org.id, c.id, status);
        const r = await action.run(c.id);
        const expected = LIFECYCLE[status].includes(action.name) || (action.name === "test" && LIFECYCLE[status].includes("retry"));
        table.push(`${status} ${action.name} ${r.status}`);
        if (expected) expect(r.status, `${status} × ${action.name}`).toBeLessThan(300);
        else {
          expect(r.status, `${status} × ${action.name}`).toBe(409);
          expect(r.json.error.message).toContain(`A connector that is ${status} cannot be`);
          expect((await connectorRow(org.id, c.id)).status).toBe(status); // nothing changed
        }
      }
    }
    // The spec's table, spelled out.
    const allowedPairs = table.filter((t) => !t.endsWith(" 409")).map((t) => t.split(" ").slice(0, 2).join(" "));
    expect(allowedPairs).toEqual([
      "PENDING test", "PENDING delete",
      "ACTIVE edit", "ACTIVE test", "ACTIVE rotate", "ACTIVE kill", "ACTIVE delete",
      "OFFLINE edit", "OFFLINE test", "OFFLINE rotate", "OFFLINE delete",
      "KILLED rotate", "KILLED enable", "KILLED delete",
    ]);
  });

  it("kill → KILLED + connector.killed event; KILLED never executes; re-enable → tested → ACTIVE", async () => {
    const { org, user, token } = await newOrg();
    const c = (await api.create(token, body())).json;
    await api.test(token, c.id);
    const killed = await api.kill(token, c.id, { reason: "credential leaked" });
    expect(killed.json.status).toBe("KILLED");
    const db = await getDb();
    const events = await db.select().from(outboxEvents).where(and(eq(outboxEvents.orgId, org.id), eq(outboxEvents.type, "connector.killed")));
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ connector_id: c.id, reason: "credential leaked" });
    const before = zd.requests.length;
    const r = await runAction(org.id, user.id, c.id, "get_ticket", { id: 1 });
    expect(r.isError).toBe(true);
    expect(r.content[0].text).toContain("KILLED");
    expect(zd.requests.length).toBe(before);
    // A stale (cached) ACTIVE row does not get past the kill switch either.
    const stale = { ...(await connectorRow(org.id, c.id)), status: "ACTIVE" as const };
    const { runConnectorAction } = await import("@/lib/connectors/run");
    const { actionRow, principalFor } = await import("./connectors-helpers");
    const r2 = await runConnectorAction({ connector: stale, action: await actionRow(c.id, "get_ticket"), args: { id: 1 }, principal: principalFor(org.id, user.id), requestId: "stale" });
    expect(r2.isError).toBe(true);
    expect(r2.content[0].text).toContain("KILLED");
    expect(zd.requests.length).toBe(before);
    const enabled = await api.enable(token, c.id);
    expect(enabled.json).toMatchObject({ ok: true, connector: { status: "ACTIVE" } });
  });

  it("rotate replaces the credential (vault rotateSecret) and re-tests; a bad one turns ACTIVE → OFFLINE", async () => {
    const { org, token } = await newOrg();
    const c = (await api.create(token, body())).json;
    await api.test(token, c.id);
    const bad = await api.rotate(token, c.id, { credentials: { api_token: "revoked-token-000000" } });
    expect(bad.status).toBe(200);
    expect(bad.json).toMatchObject({ ok: false, connector: { status: "OFFLINE" } });
    expect(bad.json.error).toContain("Couldn't authenticate you");
    expect(bad.json.connector.credential.rotated_at).not.toBeNull();
    const good = await api.rotate(token, c.id, { credentials: { api_token: ZENDESK_TOKEN } });
    expect(good.json).toMatchObject({ ok: true, connector: { status: "ACTIVE" } });
    const db = await getDb();
    const changes = await db.select().from(changeLog).where(and(eq(changeLog.orgId, org.id), eq(changeLog.action, "rotate")));
    expect(changes).toHaveLength(2);
    expect(JSON.stringify(changes)).not.toContain("revoked-token");
  });

  it("edit validates config and records before/after; secret fields cannot be edited in", async () => {
    const { org, token } = await newOrg();
    const c = (await api.create(token, body())).json;
    await api.test(token, c.id);
    expect((await api.update(token, c.id, { config: { api_token: "x" } })).status).toBe(400);
    expect((await api.update(token, c.id, { config: { email: "nope" } })).status).toBe(400);
    expect((await api.update(token, c.id, { slug: "other" })).status).toBe(400);
    const r = await api.update(token, c.id, { name: "Support desk", enabled: false });
    expect(r.json).toMatchObject({ name: "Support desk", enabled: false });
    const db = await getDb();
    const [ch] = await db.select().from(changeLog).where(and(eq(changeLog.orgId, org.id), eq(changeLog.action, "update")));
    expect(ch.before).toMatchObject({ name: "Zendesk Support", enabled: true });
    expect(ch.after).toMatchObject({ name: "Support desk", enabled: false });
  });

  it("DELETE crypto-shreds the credential", async () => {
    const { org, token } = await newOrg();
    const c = (await api.create(token, body())).json;
    const db = await getDb();
    const row = await connectorRow(org.id, c.id);
    expect((await api.remove(token, c.id)).status).toBe(204);
    expect(await connectorRow(org.id, c.id)).toBeUndefined();
    const [secret] = await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, row.secretId!));
    expect(secret?.destroyedAt ?? "purged").toBeTruthy();
    const [ch] = await db.select().from(changeLog).where(and(eq(changeLog.orgId, org.id), eq(changeLog.action, "delete")));
    expect(ch.before).toMatchObject({ slug: "zendesk_support" });
  });

  it("shows the Policy Radar roles that allow its actions", async () => {
    const { org, token } = await newOrg();
    const c = (await api.create(token, body())).json;
    expect(c.roles).toEqual([]);
    const { createRole } = await import("@/lib/policy");
    const db = await getDb();
    const actor = { type: "system" as const, id: null, label: "test" };
    await createRole(db, org.id, { name: "Support Agent", grants: [{ resource: { kind: "connector_action", connectorId: c.id, action: "get_ticket" }, effect: "allow" }, { resource: { kind: "connector_action", connectorId: c.id, action: "list_tickets" }, effect: "allow" }] }, { actor });
    await createRole(db, org.id, { name: "Contractor", grants: [{ resource: { kind: "connector_action", connectorId: c.id, action: "delete_ticket" }, effect: "deny" }] }, { actor });
    const got = await api.get(token, c.id);
    expect(got.json.roles.map((r: any) => r.name)).toEqual(["Support Agent"]);
    expect((await api.list(token)).json.data[0].roles.map((r: any) => r.name)).toEqual(["Support Agent"]);
  });

  it("tells onConnectorsChanged listeners", async () => {
    const { org, token } = await newOrg();
    const seen: string[] = [];
    const off = onConnectorsChanged((orgId) => void seen.push(orgId));
    await api.create(token, body());
    off();
    expect(seen).toContain(org.id);
  });

  it("list: newest first, credential metadata, expiring warning", async () => {
    const { token } = await newOrg();
    await api.create(token, body({ slug: "a" }));
    await api.create(token, body({ slug: "b", credential_expires_at: new Date(Date.now() + 3 * 86_400_000).toISOString() }));
    const r = await api.list(token);
    expect(r.json.data.map((c: any) => c.slug)).toEqual(["b", "a"]);
    expect(r.json.data[0].credential.expiring_soon).toBe(true);
    expect(r.json.data[1].credential.expiring_soon).toBe(false);
  });
});

describe("circuit breaker", () => {
  it("5 consecutive vendor failures → OFFLINE (+ connector.error events); a successful Retry → ACTIVE", async () => {
    const { org, user, token } = await newOrg();
    const c = (await api.create(token, body())).json;
    await api.test(token, c.id);
    for (let i = 0; i < 5; i++) zd.queued.push({ status: 503, body: { error: "ServiceUnavailable", description: "Maintenance" } });
    for (let i = 0; i < 4; i++) {
      const r = await runAction(org.id, user.id, c.id, "get_ticket", { id: 1 });
      expect(r.isError).toBe(true);
      expect(r.content[0].text).toContain("Zendesk error (503): ServiceUnavailable — Maintenance");
      expect((await connectorRow(org.id, c.id)).status).toBe("ACTIVE");
    }
    await runAction(org.id, user.id, c.id, "get_ticket", { id: 1 });
    const row = await connectorRow(org.id, c.id);
    expect(row.status).toBe("OFFLINE");
    expect(row.consecutiveFailures).toBe(5);
    const db = await getDb();
    const events = await db.select().from(outboxEvents).where(and(eq(outboxEvents.orgId, org.id), eq(outboxEvents.type, "connector.error")));
    expect(events).toHaveLength(5);
    expect(events[4].payload).toMatchObject({ connector_status: "OFFLINE", action: "get_ticket" });
    // OFFLINE: no execution, not even an attempt.
    const n = zd.requests.length;
    expect((await runAction(org.id, user.id, c.id, "get_ticket", { id: 1 })).isError).toBe(true);
    expect(zd.requests.length).toBe(n);
    const retry = await api.test(token, c.id);
    expect(retry.json).toMatchObject({ ok: true, connector: { status: "ACTIVE", consecutive_failures: 0 } });
  });

  it("a success resets the count; caller errors (404) do not count", async () => {
    const { org, user, token } = await newOrg();
    const c = (await api.create(token, body())).json;
    await api.test(token, c.id);
    for (let i = 0; i < 4; i++) zd.queued.push({ status: 500, body: { error: "InternalError" } });
    for (let i = 0; i < 4; i++) await runAction(org.id, user.id, c.id, "get_ticket", { id: 1 });
    expect((await connectorRow(org.id, c.id)).consecutiveFailures).toBe(4);
    expect((await runAction(org.id, user.id, c.id, "get_ticket", { id: 1 })).isError).toBeUndefined();
    expect((await connectorRow(org.id, c.id)).consecutiveFailures).toBe(0);
    for (let i = 0; i < 6; i++) await runAction(org.id, user.id, c.id, "get_ticket", { id: 9999 });
    expect((await connectorRow(org.id, c.id)).status).toBe("ACTIVE");
  });

  it("a vendor message that echoes the credential is scrubbed before anyone sees it", async () => {
    const { org, user, token } = await newOrg();
    const c = (await api.create(token, body())).json;
    await api.test(token, c.id);
    const basic = Buffer.from(`${ZENDESK_EMAIL}/token:${ZENDESK_TOKEN}`).toString("base64");
    zd.queued.push({ status: 400, body: { error: "BadRequest", description: `token ${ZENDESK_TOKEN} rejected; header was Basic ${basic}` } });
    const r = await runAction(org.id, user.id, c.id, "get_ticket", { id: 1 });
    expect(r.isError).toBe(true);
    expect(r.content[0].text).toContain("[redacted]");
    expect(r.content[0].text).not.toContain(ZENDESK_TOKEN);
    expect(r.content[0].text).not.toContain(basic);
    const db = await getDb();
    const events = await db.select().from(outboxEvents).where(eq(outboxEvents.orgId, org.id));
    expect(JSON.stringify(events)).not.toContain(ZENDESK_TOKEN);
  });

  it("the threshold is a setting", async () => {
    process.env.FORTRESS_CONNECTOR_BREAKER_THRESHOLD = "2";
    resetEnvForTests();
    try {
      const { org, user, token } = await newOrg();
      const c = (await api.create(token, body())).json;
      await api.test(token, c.id);
      zd.queued.push({ status: 502, rawBody: "bad gateway" }, { status: 502, rawBody: "bad gateway" });
      await runAction(org.id, user.id, c.id, "get_ticket", { id: 1 });
      await runAction(org.id, user.id, c.id, "get_ticket", { id: 1 });
      expect((await connectorRow(org.id, c.id)).status).toBe("OFFLINE");
    } finally {
      delete process.env.FORTRESS_CONNECTOR_BREAKER_THRESHOLD;
      allowLoopback();
    }
  });
});
