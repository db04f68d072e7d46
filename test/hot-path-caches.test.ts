// The hot-path caches (lib/cache, lib/connectors/cache.ts, lib/vault/secret-rows.ts) end to end:
// once warm, a governed MCP call and a PAT request read neither connectors nor vault secrets; and
// every change that matters reaches the next call at once — kill switch, breaker, re-enable,
// crypto-shred, rotation, tier — here through this instance's own announcement, and from another
// instance through the bus. The max-age is set so long here that only a change message can
// refresh an entry: a test that passes proves the message did it.
import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as createKeyRoute } from "@/app/api/v1/api-keys/route";
import { DELETE as revokePatKeyRoute } from "@/app/api/v1/pat-keys/[id]/route";
import { PATCH as patchOrg } from "@/app/api/v1/org/route";
import { connectors, patKeys, vaultSecrets } from "@/db/schema";
import { setOrgRowsMaxAgeForTests } from "@/lib/cache/shared";
import { runConnectorAction } from "@/lib/connectors/run";
import { SYSTEM_ACTOR } from "@/lib/context";
import { getDb } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { createMcpHandler } from "@/lib/gateway/mcp/handler";
import { serve, type RunningServer } from "@/lib/http/node-adapter";
import { assignRole, createRole } from "@/lib/policy";
import { closePolicyBus, policyBus, redisBus, type PolicyBus } from "@/lib/policy/bus";
import { resetPolicySnapshotsForTests } from "@/lib/policy/snapshot";
import { closeRedis } from "@/lib/redis";
import { destroySecret, rotateSecret, sealObject, storeSecret, withSecret } from "@/lib/vault";
import { actionRow, allowLoopback, api, connectorRow, principalFor } from "./connectors-helpers";
import { startZendeskFake, ZENDESK_EMAIL, ZENDESK_TOKEN, type ZendeskFake } from "./fakes/zendesk";
import { call, newOrg } from "./helpers";
import { queryLog, readsOf, type QueryLog } from "./support/query-log";
import { patWorld } from "./support/pat-setup";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function reachableRedis(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}
const redisUp = await reachableRedis();

let zd: ZendeskFake;
let server: RunningServer;
let log: QueryLog;

/** An org with an API key, an ACTIVE Zendesk connector (made through the admin API) and a role. */
async function mcpOrg() {
  const owner = await newOrg("Hot Path Corp");
  const key: string = (await call(createKeyRoute, { token: owner.token, body: { name: "claude" } })).json.key;
  const created = await api.create(owner.token, {
    type: "zendesk",
    name: "Zendesk",
    slug: "zendesk",
    config: { subdomain: "acme", email: ZENDESK_EMAIL, base_url: zd.url },
    credentials: { api_token: ZENDESK_TOKEN },
  });
  expect(created.status, created.text).toBe(201);
  const connectorId: string = created.json.id;
  expect((await api.test(owner.token, connectorId)).json.connector.status).toBe("ACTIVE");
  const db = await getDb();
  const actor = { type: "user" as const, id: owner.user.id, label: owner.email };
  const grants = ["get_ticket", "list_tickets"].map((action) => ({ resource: { kind: "connector_action" as const, connectorId, action }, effect: "allow" as const }));
  const role = await createRole(db, owner.org.id, { name: "Agent", grants }, { actor });
  await assignRole(db, owner.org.id, role.id, { kind: "user", id: owner.user.id }, { actor });
  const secretId = (await connectorRow(owner.org.id, connectorId)).secretId!;
  return { ...owner, key, connectorId, secretId };
}

let nextId = 1;
/** tools/call zendesk__get_ticket, stateless (2026-07-28), as an assistant would send it. */
async function getTicket(key: string): Promise<{ ok: boolean; body: any }> {
  const res = await fetch(`${server.url}/v1/mcp`, {
    method: "POST",
    headers: {
      "x-api-key": key,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "zendesk__get_ticket",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: nextId++,
      method: "tools/call",
      params: {
        name: "zendesk__get_ticket",
        arguments: { id: 1 },
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientInfo": { name: "test", version: "1" },
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    }),
  });
  const body = await res.json();
  return { ok: res.status === 200 && !body.error && !body.result?.isError && JSON.stringify(body).includes("Ticket 1"), body };
}

const use = (orgId: string, secretId: string, purpose: "connector" | "pat" = "connector") =>
  withSecret({ orgId, secretId }, purpose, (p) => p.toString("utf8"), { actor: SYSTEM_ACTOR });

beforeAll(async () => {
  allowLoopback();
  setOrgRowsMaxAgeForTests(600_000);
  zd = await startZendeskFake();
  server = await serve(createMcpHandler());
  log = await queryLog();
});

afterAll(async () => {
  log?.restore();
  setOrgRowsMaxAgeForTests(undefined);
  await server?.close();
  await zd?.close();
});

describe("hot path without reads", () => {
  it("once warm, an MCP tools/call reads neither connectors nor vault_secrets", async () => {
    const o = await mcpOrg();
    expect((await getTicket(o.key)).ok).toBe(true); // warm-up
    const { result, sql } = await log.during(() => getTicket(o.key));
    expect(result.ok, JSON.stringify(result.body)).toBe(true);
    expect(readsOf(sql, "connectors")).toEqual([]);
    expect(readsOf(sql, "connector_actions")).toEqual([]);
    expect(readsOf(sql, "vault_secrets")).toEqual([]);
    // The log does see this request's queries: its audit events were written.
    expect(sql.some((q) => /insert into "?audit_events"?/i.test(q))).toBe(true);
  });

  it("once warm, a PAT request reads no vault_secrets, pat_keys (nor connectors)", async () => {
    const world = await patWorld({ models: [], max_tokens: 4096, monthly_cap_usd: null });
    try {
      const ask = () => world.client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 64, messages: [{ role: "user", content: "hi" }] });
      await ask(); // warm-up
      // Older than the 500 ms the PAT keys used to be cached for: they now live in the org-row cache.
      await new Promise((r) => setTimeout(r, 600));
      const { result, sql } = await log.during(ask);
      expect(result.content.length).toBeGreaterThan(0);
      expect(readsOf(sql, "vault_secrets")).toEqual([]);
      expect(readsOf(sql, "pat_keys")).toEqual([]);
      expect(readsOf(sql, "connectors")).toEqual([]);
      expect(sql.some((q) => /insert into "?audit_events"?/i.test(q))).toBe(true);
    } finally {
      await world.close();
    }
  });
});

describe("the PAT archive's sealing", () => {
  it("once warm, sealing an archive object reads neither the org nor its key settings", async () => {
    const { org } = await newOrg();
    const seal = () => sealObject({ orgId: org.id, objectId: randomUUID(), purpose: "archive", plaintext: Buffer.from("exchange") });
    await seal(); // warm-up
    const { result, sql } = await log.during(seal);
    expect(result.length).toBeGreaterThan(0);
    expect(readsOf(sql, "org_key_settings")).toEqual([]);
    expect(readsOf(sql, "organisations")).toEqual([]);
  });
});

describe("what is not cached", () => {
  it("an unusually large credential (over 8 KiB sealed) is read on every use: the cache's memory stays bounded", async () => {
    const o = await newOrg();
    const db = await getDb();
    const big = "x".repeat(20_000);
    const s = await storeSecret(db, { orgId: o.org.id, purpose: "connector", type: "api_token", label: "big", plaintext: Buffer.from(big), actor: SYSTEM_ACTOR });
    expect(await use(o.org.id, s.id)).toBe(big);
    const { result, sql } = await log.during(() => use(o.org.id, s.id));
    expect(result).toBe(big);
    expect(readsOf(sql, "vault_secrets")).toHaveLength(1);
  });
});

describe("changes reach the next call on this instance at once", () => {
  it("kill switch: the very next call is refused, the vendor untouched; re-enable serves again", async () => {
    const o = await mcpOrg();
    expect((await getTicket(o.key)).ok).toBe(true);
    const before = await connectorRow(o.org.id, o.connectorId); // an ACTIVE row, as a caller may hold it
    expect((await api.kill(o.token, o.connectorId, { reason: "leaked" })).json.status).toBe("KILLED");
    const vendorCalls = zd.requests.length;
    const refused = await getTicket(o.key);
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused.body)).toMatch(/Policy denied|KILLED/);
    // A row read before the kill does not get past runConnectorAction's own check either.
    const stale = await runConnectorAction({ connector: before, action: await actionRow(o.connectorId, "get_ticket"), args: { id: 1 }, principal: principalFor(o.org.id, o.user.id), requestId: "stale" });
    expect(stale.content[0].text).toContain("KILLED");
    expect(zd.requests.length).toBe(vendorCalls);
    expect((await api.enable(o.token, o.connectorId)).json.connector.status).toBe("ACTIVE");
    expect((await getTicket(o.key)).ok).toBe(true);
  });

  it("circuit breaker: once OFFLINE, the next call does not reach the vendor", async () => {
    const o = await mcpOrg();
    expect((await getTicket(o.key)).ok).toBe(true);
    for (let i = 0; i < 5; i++) zd.queued.push({ status: 503, body: { error: "ServiceUnavailable", description: "Maintenance" } });
    for (let i = 0; i < 5; i++) expect((await getTicket(o.key)).ok).toBe(false);
    expect((await connectorRow(o.org.id, o.connectorId)).status).toBe("OFFLINE");
    const vendorCalls = zd.requests.length;
    const refused = await getTicket(o.key);
    expect(JSON.stringify(refused.body)).toContain("OFFLINE");
    expect(zd.requests.length).toBe(vendorCalls);
  });

  it("a secret destroyed by the vault itself stops decrypting at once", async () => {
    const o = await newOrg();
    const db = await getDb();
    const s = await storeSecret(db, { orgId: o.org.id, purpose: "connector", type: "api_token", label: "t", plaintext: Buffer.from("value-one-1234567"), actor: SYSTEM_ACTOR });
    expect(await use(o.org.id, s.id)).toBe("value-one-1234567");
    await destroySecret(db, { orgId: o.org.id, secretId: s.id }, { actor: SYSTEM_ACTOR });
    await expect(use(o.org.id, s.id)).rejects.toMatchObject({ code: "not_found" });
  });

  it("a rotated secret: the next use decrypts the new value", async () => {
    const o = await newOrg();
    const db = await getDb();
    const s = await storeSecret(db, { orgId: o.org.id, purpose: "connector", type: "api_token", label: "t", plaintext: Buffer.from("value-one-1234567"), actor: SYSTEM_ACTOR });
    expect(await use(o.org.id, s.id)).toBe("value-one-1234567");
    await rotateSecret(db, { orgId: o.org.id, secretId: s.id }, Buffer.from("value-two-7654321"), { actor: SYSTEM_ACTOR });
    expect(await use(o.org.id, s.id)).toBe("value-two-7654321");
  });

  it("crypto-shreds inside a caller's transaction (connector delete, PAT key revoke) apply to the next use", async () => {
    const o = await mcpOrg();
    expect((await getTicket(o.key)).ok).toBe(true);
    expect(await use(o.org.id, o.secretId)).toContain(ZENDESK_TOKEN);
    expect((await api.remove(o.token, o.connectorId)).status).toBe(204);
    await expect(use(o.org.id, o.secretId)).rejects.toMatchObject({ code: "not_found" });
    expect((await getTicket(o.key)).ok).toBe(false);

    const world = await patWorld({ models: [], max_tokens: 4096, monthly_cap_usd: null });
    try {
      await world.client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 64, messages: [{ role: "user", content: "hi" }] });
      const [row] = await (await getDb()).select().from(patKeys).where(eq(patKeys.id, world.patKey.id));
      expect(await use(world.org.id, row.secretId!, "pat")).toContain("REALKEY");
      const revoked = await call(revokePatKeyRoute, { token: world.token, method: "DELETE", params: { id: world.patKey.id } });
      expect(revoked.status, revoked.text).toBe(200);
      await expect(use(world.org.id, row.secretId!, "pat")).rejects.toMatchObject({ code: "not_found" });
    } finally {
      await world.close();
    }
  });

  it("a tier change applies to the next use (Zero Trust refuses a locally protected credential)", async () => {
    const o = await mcpOrg();
    expect(await use(o.org.id, o.secretId)).toContain(ZENDESK_TOKEN);
    const patched = await call(patchOrg, { token: o.token, method: "PATCH", body: { tier: "ZERO_TRUST" } });
    expect(patched.status, patched.text).toBe(200);
    await expect(use(o.org.id, o.secretId)).rejects.toMatchObject({ code: "unavailable", details: { failure: "misconfigured" } });
  });
});

describe("a lost message costs at most the max-age", () => {
  it("with the default 500 ms, a change nobody announced is seen once the entry is that old", async () => {
    setOrgRowsMaxAgeForTests(undefined);
    try {
      const o = await newOrg();
      const db = await getDb();
      const s = await storeSecret(db, { orgId: o.org.id, purpose: "connector", type: "api_token", label: "t", plaintext: Buffer.from("value-one-1234567"), actor: SYSTEM_ACTOR });
      expect(await use(o.org.id, s.id)).toBe("value-one-1234567");
      await db.update(vaultSecrets).set({ blob: null, destroyedAt: new Date() }).where(eq(vaultSecrets.id, s.id)); // unannounced
      await new Promise((r) => setTimeout(r, 550));
      await expect(use(o.org.id, s.id)).rejects.toMatchObject({ code: "not_found" });
    } finally {
      setOrgRowsMaxAgeForTests(600_000);
    }
  });
});

describe.skipIf(!redisUp)("changes from another instance (Redis pub/sub)", () => {
  let savedRedisUrl: string | undefined;
  let instance2: PolicyBus;

  beforeAll(async () => {
    savedRedisUrl = process.env.REDIS_URL;
    process.env.REDIS_URL = REDIS_URL;
    resetEnvForTests();
    await closePolicyBus();
    await closeRedis(); // it may have been settled as "no Redis" by the tests above
    resetPolicySnapshotsForTests();
    expect(policyBus().kind).toBe("redis");
    instance2 = redisBus(new Redis(REDIS_URL));
    await Promise.all([policyBus().ready(), instance2.ready()]);
  });

  afterAll(async () => {
    await instance2?.close();
    resetPolicySnapshotsForTests();
    await closePolicyBus();
    await closeRedis();
    if (savedRedisUrl === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = savedRedisUrl;
    resetEnvForTests();
  });

  async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  it("a kill and a crypto-shred committed on instance 2 apply here once its message arrives (and not before)", async () => {
    const o = await mcpOrg();
    expect((await getTicket(o.key)).ok).toBe(true);
    expect(await use(o.org.id, o.secretId)).toContain(ZENDESK_TOKEN);
    const db = await getDb();
    // Instance 2 kills the connector and shreds its credential: its commits, then its message.
    await db.update(connectors).set({ status: "KILLED" }).where(eq(connectors.id, o.connectorId));
    await db.update(vaultSecrets).set({ blob: null, destroyedAt: new Date() }).where(eq(vaultSecrets.id, o.secretId));
    // Until the message arrives this instance still holds its entries (the max-age is 10 minutes
    // here): what refreshes them below is the message.
    expect(await use(o.org.id, o.secretId)).toContain(ZENDESK_TOKEN);
    await instance2.publish(o.org.id);
    expect(await eventually(async () => (await use(o.org.id, o.secretId).catch((e) => e.code)) === "not_found")).toBe(true);
    const refused = await getTicket(o.key);
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused.body)).toMatch(/Policy denied|KILLED/);
  });
});
