// Org API keys: shown once, stored only as a hash, scoped by org, revoked everywhere within 1 s.
import { sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { DELETE as revokeRoute } from "@/app/api/v1/api-keys/[id]/route";
import { GET as listRoute, POST as createRoute } from "@/app/api/v1/api-keys/route";
import { POST as inviteRoute } from "@/app/api/v1/users/route";
import { DELETE as removeMemberRoute } from "@/app/api/v1/users/[userId]/route";
import { POST as acceptRoute } from "@/app/api/v1/invitations/accept/route";
import { POST as createSaRoute } from "@/app/api/v1/service-accounts/route";
import { DELETE as deleteSaRoute } from "@/app/api/v1/service-accounts/[id]/route";
import { getDb } from "@/lib/db";
import { authenticateApiKey, REVOCATION_WINDOW_MS } from "@/lib/identity/authenticate-api-key";
import { call, newOrg, PASSWORD, tokenFor, uniqueEmail } from "./helpers";

const keyHeaders = (key: string) => new Headers({ "x-api-key": key });

async function addMember(owner: { token: string; org: { id: string } }, role: string) {
  const email = uniqueEmail(role);
  const inv = await call(inviteRoute, { token: owner.token, body: { email, console_role: role } });
  expect(inv.status).toBe(201);
  const token = inv.json.invite_url.split("/invite/")[1];
  const acc = await call(acceptRoute, { body: { token, password: PASSWORD } });
  expect(acc.status).toBe(201);
  return { id: acc.json.user.id as string, email, token: await tokenFor(acc.json.user.id, owner.org.id, email) };
}

describe("org API keys", () => {
  it("returns the key once; lists show only the prefix; the database holds no plaintext", async () => {
    const owner = await newOrg();
    const created = await call(createRoute, { token: owner.token, body: { name: "laptop" } });
    expect(created.status).toBe(201);
    const key: string = created.json.key;
    expect(key).toMatch(/^fk_live_[0-9A-Za-z]{40}$/);
    expect(created.json.prefix).toBe(key.slice(0, 12));
    expect(created.json.owner).toMatchObject({ type: "user", label: owner.email });

    const list = await call(listRoute, { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.json.data).toHaveLength(1);
    expect(list.text).not.toContain(key);
    expect(list.json.data[0].key).toBeUndefined();

    // Search every table, every column, as text, for the key and its secret part.
    const db = await getDb();
    const tables = await db.execute(sql`select tablename from pg_tables where schemaname = 'public'`);
    const secret = key.slice(12);
    for (const { tablename } of (tables as unknown as { rows: { tablename: string }[] }).rows) {
      const rows = await db.execute(sql.raw(`select t::text as row from "${tablename}" t`));
      for (const { row } of (rows as unknown as { rows: { row: string }[] }).rows) {
        expect(row).not.toContain(secret);
      }
    }

    const principal = await authenticateApiKey(keyHeaders(key));
    expect(principal).toMatchObject({ orgId: owner.org.id, kind: "user", label: owner.email, consoleRole: "owner" });
    // SDKs that send Authorization: Bearer work too.
    expect(await authenticateApiKey(new Headers({ authorization: `Bearer ${key}` }))).toMatchObject({ orgId: owner.org.id });
  });

  it("stops working within 1 s of revocation", async () => {
    const owner = await newOrg();
    const { json } = await call(createRoute, { token: owner.token, body: { name: "ci" } });
    await authenticateApiKey(keyHeaders(json.key)); // warm any cache
    const revoked = await call(revokeRoute, { method: "DELETE", token: owner.token, params: { id: json.id } });
    expect(revoked.status).toBe(204);
    await new Promise((r) => setTimeout(r, REVOCATION_WINDOW_MS + 50));
    await expect(authenticateApiKey(keyHeaders(json.key))).rejects.toMatchObject({ code: "unauthenticated" });
    const list = await call(listRoute, { token: owner.token });
    expect(list.json.data[0].revoked_at).not.toBeNull();
  });

  it("a key in use is re-read in the background: a revocation made elsewhere is seen before the window ends", async () => {
    const owner = await newOrg();
    const { json } = await call(createRoute, { token: owner.token, body: { name: "busy" } });
    // Only the clock is fake: the database and timers run for real.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const t0 = Date.now();
      await authenticateApiKey(keyHeaders(json.key)); // read at t0
      // Revoked by "another instance": straight in the database, this instance's cache not told.
      const db = await getDb();
      await db.execute(sql`update api_keys set revoked_at = now() where id = ${json.id}`);
      vi.setSystemTime(t0 + REVOCATION_WINDOW_MS / 2 + 10);
      // Half the window has passed: answered from the cache at once, and re-read behind the scenes.
      await expect(authenticateApiKey(keyHeaders(json.key))).resolves.toMatchObject({ orgId: owner.org.id });
      await new Promise((r) => setTimeout(r, 300)); // real time: the background read lands
      // Still inside the first read's window (which alone would have answered "valid" until t0 + 500 ms).
      await expect(authenticateApiKey(keyHeaders(json.key))).rejects.toMatchObject({ code: "unauthenticated" });
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses missing, malformed and unknown keys", async () => {
    await expect(authenticateApiKey(new Headers())).rejects.toMatchObject({ code: "unauthenticated" });
    await expect(authenticateApiKey(keyHeaders("sk-ant-something"))).rejects.toMatchObject({ code: "unauthenticated" });
    await expect(authenticateApiKey(keyHeaders("fk_live_" + "A".repeat(40)))).rejects.toMatchObject({ code: "unauthenticated" });
  });

  it("hides one org's keys from another: 404, never the object", async () => {
    const a = await newOrg("Org A");
    const b = await newOrg("Org B");
    const { json } = await call(createRoute, { token: a.token, body: { name: "a-key" } });
    const res = await call(revokeRoute, { method: "DELETE", token: b.token, params: { id: json.id } });
    expect(res.status).toBe(404);
    expect(res.json.error).toMatchObject({ type: "not_found", code: 404 });
    expect((await call(listRoute, { token: b.token })).json.data).toHaveLength(0);
    await expect(authenticateApiKey(keyHeaders(json.key))).resolves.toMatchObject({ orgId: a.org.id });
  });

  it("lets members manage only their own keys", async () => {
    const owner = await newOrg();
    const member = await addMember(owner, "member");
    const ownerKey = (await call(createRoute, { token: owner.token, body: { name: "owner-key" } })).json;
    const mine = await call(createRoute, { token: member.token, body: { name: "member-key" } });
    expect(mine.status).toBe(201);
    const list = await call(listRoute, { token: member.token });
    expect(list.json.data.map((k: { name: string }) => k.name)).toEqual(["member-key"]);
    expect((await call(revokeRoute, { method: "DELETE", token: member.token, params: { id: ownerKey.id } })).status).toBe(404);
    expect((await call(revokeRoute, { method: "DELETE", token: member.token, params: { id: mine.json.id } })).status).toBe(204);
  });

  it("auditors read everything and change nothing", async () => {
    const owner = await newOrg();
    const auditor = await addMember(owner, "auditor");
    await call(createRoute, { token: owner.token, body: { name: "k1" } });
    expect((await call(listRoute, { token: auditor.token })).json.data).toHaveLength(1);
    const res = await call(createRoute, { token: auditor.token, body: { name: "nope" } });
    expect(res.status).toBe(403);
    expect(res.json.error.type).toBe("forbidden");
  });

  it("a removed member's keys stop working", async () => {
    const owner = await newOrg();
    const member = await addMember(owner, "member");
    const { json } = await call(createRoute, { token: member.token, body: { name: "soon-gone" } });
    await expect(authenticateApiKey(keyHeaders(json.key))).resolves.toMatchObject({ kind: "user" });
    expect((await call(removeMemberRoute, { method: "DELETE", token: owner.token, params: { userId: member.id } })).status).toBe(204);
    await new Promise((r) => setTimeout(r, REVOCATION_WINDOW_MS + 50));
    await expect(authenticateApiKey(keyHeaders(json.key))).rejects.toMatchObject({ code: "unauthenticated" });
    // Their admin token is refused too: membership is read on every request.
    expect((await call(listRoute, { token: member.token })).status).toBe(401);
  });

  it("service accounts hold keys; deleting one revokes them", async () => {
    const owner = await newOrg();
    const sa = await call(createSaRoute, { token: owner.token, body: { name: "ci-bot", description: "GitHub Actions" } });
    expect(sa.status).toBe(201);
    const key = await call(createRoute, { token: owner.token, body: { name: "ci", service_account_id: sa.json.id } });
    expect(key.status).toBe(201);
    expect(key.json.owner).toMatchObject({ type: "service_account", label: "ci-bot" });
    await expect(authenticateApiKey(keyHeaders(key.json.key))).resolves.toMatchObject({ kind: "service_account", label: "ci-bot" });
    expect((await call(deleteSaRoute, { method: "DELETE", token: owner.token, params: { id: sa.json.id } })).status).toBe(204);
    await new Promise((r) => setTimeout(r, REVOCATION_WINDOW_MS + 50));
    await expect(authenticateApiKey(keyHeaders(key.json.key))).rejects.toMatchObject({ code: "unauthenticated" });
  });

  it("paginates with a cursor, newest first", async () => {
    const owner = await newOrg();
    for (let i = 0; i < 5; i++) await call(createRoute, { token: owner.token, body: { name: `k${i}` } });
    const first = await call(listRoute, { token: owner.token, path: "/api/v1/api-keys?limit=2" });
    expect(first.json.data.map((k: { name: string }) => k.name)).toEqual(["k4", "k3"]);
    const names: string[] = [...first.json.data.map((k: { name: string }) => k.name)];
    let cursor = first.json.next_cursor;
    while (cursor) {
      const page = await call(listRoute, { token: owner.token, path: `/api/v1/api-keys?limit=2&cursor=${cursor}` });
      names.push(...page.json.data.map((k: { name: string }) => k.name));
      cursor = page.json.next_cursor;
    }
    expect(names).toEqual(["k4", "k3", "k2", "k1", "k0"]);
    expect((await call(listRoute, { token: owner.token, path: "/api/v1/api-keys?cursor=garbage" })).status).toBe(400);
    expect((await call(listRoute, { token: owner.token, path: "/api/v1/api-keys?limit=1000" })).status).toBe(400);
  });
});
