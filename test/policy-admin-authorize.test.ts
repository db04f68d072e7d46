// authorize() end to end: rows in the database → snapshot → engine → counters → outbox, with the
// principal a gateway gets from a real org API key; the simulator over the same snapshot; the
// client address only from trusted proxies.
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { connectorActions, connectors, outboxEvents } from "@/db/schema";
import { POST as createKeyRoute } from "@/app/api/v1/api-keys/route";
import { POST as simulateRoute } from "@/app/api/v1/policy/simulate/route";
import { POST as createSaRoute } from "@/app/api/v1/service-accounts/route";
import { POST as assignRoute } from "@/app/api/v1/roles/[id]/assignments/route";
import { PUT as putRoleRoute } from "@/app/api/v1/roles/[id]/route";
import { POST as createRoleRoute } from "@/app/api/v1/roles/route";
import { PUT as putRuleRoute } from "@/app/api/v1/rules/[id]/route";
import { POST as createRuleRoute } from "@/app/api/v1/rules/route";
import { PUT as putAttrsRoute } from "@/app/api/v1/users/[userId]/attributes/route";
import { getDb } from "@/lib/db";
import { clientIp, parseCidrList, PEER_HEADER } from "@/lib/http/client-ip";
import { authenticateApiKey } from "@/lib/identity/authenticate-api-key";
import type { Principal } from "@/lib/identity/principal";
import { allowedResources, authorize, type PolicyResource } from "@/lib/policy";
import { call, newOrg } from "./helpers";
import { addMember, seedConnector, seedPatKey } from "./policy-admin-fixtures";

/** The resource the MCP gateway would build from the connector and action rows. */
async function toolResource(connectorId: string, action: string): Promise<PolicyResource & { kind: "connector_action" }> {
  const db = await getDb();
  const [row] = await db
    .select({ c: connectors, a: connectorActions })
    .from(connectors)
    .innerJoin(connectorActions, eq(connectorActions.connectorId, connectors.id))
    .where(and(eq(connectors.id, connectorId), eq(connectorActions.name, action)));
  return {
    kind: "connector_action",
    connectorId,
    connectorSlug: row.c.slug,
    action,
    enabled: row.c.enabled && row.c.status !== "KILLED",
    destructive: row.a.destructive,
  };
}

const mcp = (resource: PolicyResource, ip: string | null = "10.1.2.3") => ({ product: "mcp" as const, resource, clientIp: ip });

/** Org with Zendesk (4 actions), a "Support Agent" role (list/create allowed, delete denied), a member holding it. */
async function world() {
  const owner = await newOrg("Acme");
  const zendesk = await seedConnector(owner.org.id);
  const member = await addMember(owner, "member");
  const role = await call(createRoleRoute, {
    token: owner.token,
    body: {
      name: "Support Agent",
      grants: [
        { kind: "connector_action", connector_id: zendesk.id, action: "list_tickets", effect: "allow" },
        { kind: "connector_action", connector_id: zendesk.id, action: "create_ticket", effect: "allow" },
        { kind: "connector_action", connector_id: zendesk.id, action: "delete_ticket", effect: "deny" },
      ],
    },
  });
  expect(role.status).toBe(201);
  expect((await call(assignRoute, { token: owner.token, params: { id: role.json.id }, body: { kind: "user", id: member.id } })).status).toBe(201);
  const key = await call(createKeyRoute, { token: member.token, body: { name: "claude" } });
  const principal = await authenticateApiKey(new Headers({ "x-api-key": key.json.key }));
  return { owner, zendesk, member, roleId: role.json.id as string, principal };
}

async function addRule(token: string, body: unknown) {
  const r = await call(createRuleRoute, { token, body });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json;
}

describe("authorize", () => {
  it("allows what the role allows, denies the rest with a reason a person reads", async () => {
    const { zendesk, principal } = await world();
    expect(principal.kind).toBe("user");

    const list = await authorize(principal, mcp(await toolResource(zendesk.id, "list_tickets")));
    expect(list).toMatchObject({ effect: "allow" });

    const del = await authorize(principal, mcp(await toolResource(zendesk.id, "delete_ticket")));
    expect(del).toMatchObject({ effect: "deny", layer: "role", reason: "Role: Support Agent, action not permitted" });

    const update = await authorize(principal, mcp(await toolResource(zendesk.id, "update_ticket")));
    expect(update).toMatchObject({ effect: "deny", layer: "role" });

    // Layer 1: a disabled connector denies everything under it, whatever the role says.
    const db = await getDb();
    await db.update(connectors).set({ enabled: false }).where(eq(connectors.id, zendesk.id));
    const off = await authorize(principal, mcp(await toolResource(zendesk.id, "list_tickets")));
    expect(off).toMatchObject({ effect: "deny", layer: "toggle" });
    expect(off.reason).toMatch(/disabled/);
  });

  it("a service account's API key inherits the service account's roles", async () => {
    const { owner, zendesk, roleId } = await world();
    const sa = await call(createSaRoute, { token: owner.token, body: { name: "ci-bot" } });
    const key = await call(createKeyRoute, { token: owner.token, body: { name: "bot key", service_account_id: sa.json.id } });
    const bot = await authenticateApiKey(new Headers({ "x-api-key": key.json.key }));
    expect(bot).toMatchObject({ kind: "service_account", id: sa.json.id });
    const list = await toolResource(zendesk.id, "list_tickets");
    expect((await authorize(bot, mcp(list))).effect).toBe("deny");
    await call(assignRoute, { token: owner.token, params: { id: roleId }, body: { kind: "service_account", id: sa.json.id } });
    expect((await authorize(bot, mcp(list))).effect).toBe("allow");
  });

  it("denies a subject without roles and another org's principal", async () => {
    const { owner, zendesk, principal } = await world();
    const ownerPrincipal: Principal = { ...principal, id: owner.user.id, label: owner.email };
    expect(await authorize(ownerPrincipal, mcp(await toolResource(zendesk.id, "list_tickets")))).toMatchObject({ effect: "deny", layer: "role" });
    const other = await newOrg("Other");
    const foreign: Principal = { ...principal, orgId: other.org.id };
    expect(await authorize(foreign, mcp(await toolResource(zendesk.id, "list_tickets")))).toMatchObject({ effect: "deny" });
  });

  it("sees a policy change at once (no stale snapshot), and lists only allowed tools", async () => {
    const { owner, zendesk, roleId, principal } = await world();
    const del = await toolResource(zendesk.id, "delete_ticket");
    const list = await toolResource(zendesk.id, "list_tickets");
    expect((await authorize(principal, mcp(del))).effect).toBe("deny");
    expect(await allowedResources(principal, [del, list], "10.1.2.3")).toEqual([list]);

    const put = await call(putRoleRoute, {
      method: "PUT",
      token: owner.token,
      params: { id: roleId },
      body: {
        grants: [
          { kind: "connector_action", connector_id: zendesk.id, action: "list_tickets", effect: "allow" },
          { kind: "connector_action", connector_id: zendesk.id, action: "delete_ticket", effect: "allow" },
        ],
      },
    });
    expect(put.status).toBe(200);
    expect((await authorize(principal, mcp(del))).effect).toBe("allow");
    expect(await allowedResources(principal, [del, list], "10.1.2.3")).toEqual([del, list]);
  });

  it("applies attribute rules against the subject's attributes", async () => {
    const { owner, zendesk, member, principal } = await world();
    await addRule(owner.token, { name: "Engineering only", condition: { type: "attribute", expression: 'department == "Engineering"' } });
    const list = await toolResource(zendesk.id, "list_tickets");
    expect(await authorize(principal, mcp(list))).toMatchObject({ effect: "deny", layer: "rule" });
    await call(putAttrsRoute, { method: "PUT", token: owner.token, params: { userId: member.id }, body: { attributes: { department: "Engineering" } } });
    expect((await authorize(principal, mcp(list))).effect).toBe("allow");
  });

  it("rate limit: denies call N+1 with a retry delay and enqueues user.overage once per window", async () => {
    const { owner, zendesk, principal } = await world();
    const rule = await addRule(owner.token, {
      name: "Zendesk budget",
      target: { connector_id: zendesk.id },
      condition: { type: "rate_limit", limit: 3, windowSeconds: 3600, per: "user" },
    });
    const list = await toolResource(zendesk.id, "list_tickets");
    const at = new Date();
    for (let i = 0; i < 3; i++) expect((await authorize(principal, mcp(list), at)).effect).toBe("allow");
    const denied = await authorize(principal, mcp(list), at);
    expect(denied).toMatchObject({ effect: "deny", layer: "rule", ruleId: rule.id });
    expect(denied.retryAfterSeconds).toBeGreaterThan(0);
    expect(denied.reason).toMatch(/Rate limit: 3 calls per hour per user; retry in/);
    expect((denied as unknown as Record<string, unknown>).rateLimit).toBeUndefined();
    await authorize(principal, mcp(list), at);
    await authorize(principal, mcp(list), at);

    const db = await getDb();
    const events = await db.select().from(outboxEvents).where(and(eq(outboxEvents.orgId, owner.org.id), eq(outboxEvents.type, "user.overage")));
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({
      rule: { id: rule.id, name: "Zendesk budget", limit: 3, window_seconds: 3600, per: "user" },
      subject: { kind: "user", id: principal.id, label: principal.label },
      resource: { tool: "zendesk__list_tickets" },
    });
  });

  it("fails closed when the organisation's policy cannot be loaded", async () => {
    const { zendesk, principal } = await world();
    const ghost: Principal = { ...principal, orgId: "00000000-0000-4000-8000-000000000000" };
    await expect(authorize(ghost, mcp(await toolResource(zendesk.id, "list_tickets")))).rejects.toMatchObject({ code: "unavailable" });
  });

  it("covers PAT keys too", async () => {
    const { owner, roleId, principal } = await world();
    const key = await seedPatKey(owner.org.id, "prod-support");
    const pat: PolicyResource = { kind: "pat_key", patKeyId: key.id, label: key.label, enabled: true };
    expect((await authorize(principal, { product: "pat", resource: pat, clientIp: null })).effect).toBe("deny");
    await call(putRoleRoute, { method: "PUT", token: owner.token, params: { id: roleId }, body: { grants: [{ kind: "pat_key", pat_key_id: key.id, effect: "allow" }] } });
    expect((await authorize(principal, { product: "pat", resource: pat, clientIp: null })).effect).toBe("allow");
    expect((await authorize(principal, { product: "pat", resource: { ...pat, enabled: false }, clientIp: null })).layer).toBe("toggle");
  });
});

describe("IP allowlist through the client-ip resolver", () => {
  it("A spoofed X-Forwarded-For from an untrusted peer is ignored; the same header from a trusted proxy is honoured", async () => {
    const { owner, zendesk, principal } = await world();
    await addRule(owner.token, { name: "Corporate network", condition: { type: "ip_allowlist", cidrs: ["10.0.0.0/8", "2001:db8::/32"] } });
    const list = await toolResource(zendesk.id, "list_tickets");
    const trusted = parseCidrList("192.168.0.10");

    // An attacker on the internet claims to be inside the corporate network.
    const spoofed = new Headers({ [PEER_HEADER]: "203.0.113.5", "x-forwarded-for": "10.1.2.3" });
    const spoofedIp = clientIp(spoofed, trusted);
    expect(spoofedIp).toBe("203.0.113.5");
    const denied = await authorize(principal, mcp(list, spoofedIp));
    expect(denied).toMatchObject({ effect: "deny", layer: "rule" });
    expect(denied.reason).toContain("203.0.113.5");

    // The same header through our trusted reverse proxy is believed.
    const viaProxy = new Headers({ [PEER_HEADER]: "192.168.0.10", "x-forwarded-for": "10.1.2.3" });
    const realIp = clientIp(viaProxy, trusted);
    expect(realIp).toBe("10.1.2.3");
    expect((await authorize(principal, mcp(list, realIp))).effect).toBe("allow");

    // IPv4-mapped IPv6 peers are unwrapped before matching.
    const mapped = clientIp(new Headers({ [PEER_HEADER]: "::ffff:10.9.8.7" }), trusted);
    expect((await authorize(principal, mcp(list, mapped))).effect).toBe("allow");
    // Unknown client address: an allowlist cannot be satisfied.
    expect((await authorize(principal, mcp(list, null))).effect).toBe("deny");
  });
});

describe("policy simulator", () => {
  it("answers the decision with each layer's trace, by email or subject, without consuming counters", async () => {
    const { owner, zendesk, member, principal } = await world();
    const denied = await call(simulateRoute, { token: owner.token, body: { email: member.email, tool: "zendesk__delete_ticket", ip: "10.1.2.3" } });
    expect(denied.status).toBe(200);
    expect(denied.json.decision).toMatchObject({ effect: "deny", layer: "role", reason: "Role: Support Agent, action not permitted" });
    expect(denied.json.trace.map((t: { layer: string; outcome: string }) => `${t.layer}:${t.outcome}`)).toEqual(["toggle:pass", "role:deny", "rule:skip"]);
    expect(denied.json.subject).toMatchObject({ id: member.id, roles: [{ name: "Support Agent" }] });
    expect(denied.json.resource).toMatchObject({ tool: "zendesk__delete_ticket", destructive: true, enabled: true });

    const rule = await addRule(owner.token, {
      name: "Business hours",
      condition: { type: "time_window", days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", timeZone: "America/New_York" },
    });
    // Monday 2026-03-09 15:00 UTC = 11:00 in New York (EDT): inside. 23:30 UTC = 19:30: outside.
    const inside = await call(simulateRoute, {
      token: owner.token,
      body: { subject: { kind: "user", id: member.id }, tool: "zendesk__list_tickets", at: "2026-03-09T15:00:00Z" },
    });
    expect(inside.json.decision.effect).toBe("allow");
    expect(inside.json.trace.map((t: { layer: string; outcome: string }) => `${t.layer}:${t.outcome}`)).toEqual(["toggle:pass", "role:pass", "rule:pass"]);
    const outside = await call(simulateRoute, {
      token: owner.token,
      body: { subject: member.email, tool: "zendesk__list_tickets", at: "2026-03-09T23:30:00Z" },
    });
    expect(outside.json.decision).toMatchObject({ effect: "deny", layer: "rule", rule_id: rule.id });
    expect(outside.json.decision.reason).toMatch(/Outside time window/);

    // No counters consumed: a limit of 1 survives any number of simulations.
    await call(putRuleRoute, { method: "PUT", token: owner.token, params: { id: rule.id }, body: { name: "One call", condition: { type: "rate_limit", limit: 1, windowSeconds: 3600, per: "user" } } });
    for (let i = 0; i < 3; i++) {
      const s = await call(simulateRoute, { token: owner.token, body: { email: member.email, tool: "zendesk__list_tickets" } });
      expect(s.json.decision.effect).toBe("allow");
    }
    const list = await toolResource(zendesk.id, "list_tickets");
    expect((await authorize(principal, mcp(list))).effect).toBe("allow");
    expect((await authorize(principal, mcp(list))).effect).toBe("deny");
  });

  it("reports a killed connector at layer 1, and refuses unknown tools, subjects and addresses", async () => {
    const { owner, zendesk, member } = await world();
    const db = await getDb();
    await db.update(connectors).set({ status: "KILLED" }).where(eq(connectors.id, zendesk.id));
    const killed = await call(simulateRoute, { token: owner.token, body: { email: member.email, tool: "zendesk__list_tickets" } });
    expect(killed.json.decision).toMatchObject({ effect: "deny", layer: "toggle" });

    expect((await call(simulateRoute, { token: owner.token, body: { email: member.email, tool: "zendesk__nope" } })).status).toBe(404);
    expect((await call(simulateRoute, { token: owner.token, body: { email: member.email, tool: "nonsense" } })).status).toBe(400);
    expect((await call(simulateRoute, { token: owner.token, body: { email: "nobody@example.com", tool: "zendesk__list_tickets" } })).status).toBe(404);
    expect((await call(simulateRoute, { token: owner.token, body: { email: member.email, tool: "zendesk__list_tickets", ip: "999.1.1.1" } })).status).toBe(400);
    expect((await call(simulateRoute, { token: owner.token, body: { email: member.email, tool: "zendesk__list_tickets", at: "yesterday" } })).status).toBe(400);
    expect((await call(simulateRoute, { token: owner.token, body: { tool: "zendesk__list_tickets" } })).status).toBe(400);
    // Another org's member is not a subject here.
    const other = await newOrg("Other");
    expect((await call(simulateRoute, { token: owner.token, body: { email: other.email, tool: "zendesk__list_tickets" } })).status).toBe(404);
  });
});


