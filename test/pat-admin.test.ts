// PAT admin API: pat-keys CRUD with validation and permissions, org isolation, the key never
// returned, usage per key and org-wide metering, the request log.
import { describe, expect, it } from "vitest";
import * as keysRoute from "@/app/api/v1/pat-keys/route";
import * as keyRoute from "@/app/api/v1/pat-keys/[id]/route";
import * as usageRoute from "@/app/api/v1/pat-keys/[id]/usage/route";
import * as meteringRoute from "@/app/api/v1/metering/usage/route";
import * as requestsRoute from "@/app/api/v1/pat-requests/route";
import * as requestRoute from "@/app/api/v1/pat-requests/[id]/route";
import * as usersRoute from "@/app/api/v1/users/route";
import * as acceptRoute from "@/app/api/v1/invitations/accept/route";
import { call, newOrg, PASSWORD, tokenFor, uniqueEmail } from "./helpers";
import { patWorld, REAL_KEY } from "./support/pat-setup";

async function auditorOf(token: string, orgId: string) {
  const email = uniqueEmail("auditor");
  const inv = await call(usersRoute.POST, { token, body: { email, console_role: "auditor" } });
  const acc = await call(acceptRoute.POST, { body: { token: new URL(inv.json.invite_url).pathname.split("/").pop(), password: PASSWORD } });
  return tokenFor(acc.json.user.id, orgId, email);
}

describe("PAT admin API", () => {
  it("creates, lists, reads, updates and revokes; the Anthropic key is never returned", async () => {
    const { token } = await newOrg();
    const created = await call(keysRoute.POST, {
      token,
      body: { label: "Production PAT", anthropic_key: REAL_KEY, models: ["claude-sonnet-4-5-20250929"], max_tokens: 4000, monthly_cap_usd: 250.5 },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ label: "Production PAT", status: "ACTIVE", enabled: true, models: ["claude-sonnet-4-5-20250929"], max_tokens: 4000, monthly_cap_usd: 250.5, alert_threshold_pct: 80, last_four: REAL_KEY.slice(-4) });
    expect(created.text).not.toContain(REAL_KEY);
    const id = created.json.id;
    const list = await call(keysRoute.GET, { token });
    expect(list.json.data.map((k: { id: string }) => k.id)).toEqual([id]);
    expect(list.text).not.toContain(REAL_KEY);
    const one = await call(keyRoute.GET, { token, params: { id } });
    expect(one.json.spend).toMatchObject({ settled_micros: 0, reserved_micros: 0 });
    const upd = await call(keyRoute.PUT, { token, method: "PUT", params: { id }, body: { models: [], max_tokens: null, alert_threshold_pct: 90 } });
    expect(upd.json).toMatchObject({ models: [], max_tokens: null, alert_threshold_pct: 90 });
    const dup = await call(keysRoute.POST, { token, body: { label: "Production PAT", anthropic_key: REAL_KEY } });
    expect(dup.status).toBe(409);
    const del = await call(keyRoute.DELETE, { token, method: "DELETE", params: { id } });
    expect(del.json.status).toBe("REVOKED");
    expect((await call(keyRoute.PUT, { token, method: "PUT", params: { id }, body: { enabled: true } })).status).toBe(409);
    expect((await call(keysRoute.GET, { token })).json.data).toEqual([]);
    expect((await call(keysRoute.GET, { token, path: "/api/v1/pat-keys?include_revoked=true" })).json.data).toHaveLength(1);
  });

  it("refuses bad input with clear 400s and no partial write", async () => {
    const { token } = await newOrg();
    const cases: unknown[] = [
      {},
      { label: "x" },
      { label: "x", anthropic_key: "has spaces in it" },
      { label: "x", anthropic_key: REAL_KEY, models: ["not a model id!"] },
      { label: "x", anthropic_key: REAL_KEY, max_tokens: 0 },
      { label: "x", anthropic_key: REAL_KEY, monthly_cap_usd: -1 },
      { label: "x", anthropic_key: REAL_KEY, alert_threshold_pct: 101 },
    ];
    for (const body of cases) {
      const r = await call(keysRoute.POST, { token, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.text).not.toContain(REAL_KEY);
    }
    expect((await call(keysRoute.POST, { token, rawBody: "{nope", headers: { "content-type": "application/json" } })).status).toBe(400);
    expect((await call(keysRoute.GET, { token })).json.data).toEqual([]);
    expect((await call(keyRoute.PUT, { token, method: "PUT", params: { id: "not-a-uuid" }, body: { enabled: false } })).status).toBe(404);
  });

  it("auditors read but do not change; another org's key is not found", async () => {
    const a = await newOrg("A");
    const b = await newOrg("B");
    const k = await call(keysRoute.POST, { token: a.token, body: { label: "A key", anthropic_key: REAL_KEY } });
    const auditor = await auditorOf(a.token, a.org.id);
    expect((await call(keysRoute.GET, { token: auditor })).status).toBe(200);
    expect((await call(keysRoute.POST, { token: auditor, body: { label: "nope", anthropic_key: REAL_KEY } })).status).toBe(403);
    expect((await call(keyRoute.GET, { token: b.token, params: { id: k.json.id } })).status).toBe(404);
    expect((await call(keyRoute.DELETE, { token: b.token, method: "DELETE", params: { id: k.json.id } })).status).toBe(404);
    expect((await call(usageRoute.GET, { token: b.token, params: { id: k.json.id } })).status).toBe(404);
  });

  it("usage per key, org metering and the request log reflect real traffic", async () => {
    const w = await patWorld({ monthly_cap_usd: 10, models: [] });
    try {
      for (const model of ["claude-sonnet-4-6", "claude-sonnet-4-6", "claude-haiku-4-5"]) {
        await w.client.messages.create({ model, max_tokens: 20, messages: [{ role: "user", content: "usage" }] });
      }
      await w.client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 5000, messages: [{ role: "user", content: "too big" }] }).catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
      // The instance gives its unused spend lease back (as it would after a few idle seconds).
      await w.leases.flush();
      const u = await call(usageRoute.GET, { token: w.token, params: { id: w.patKey.id } });
      expect(u.status).toBe(200);
      expect(u.json.requests).toMatchObject({ total: 4, allowed: 3, denied: 1 });
      expect(u.json.by_model.find((m: { model: string }) => m.model === "claude-sonnet-4-6").requests).toBe(3);
      expect(u.json.spend_usd).toBeGreaterThan(0);
      expect(u.json.remaining_usd).toBeCloseTo(10 - u.json.spend_usd, 6);
      expect(u.json.daily).toHaveLength(1);
      expect((await call(usageRoute.GET, { token: w.token, params: { id: w.patKey.id }, path: "/x?month=2026-13" })).status).toBe(400);
      const m = await call(meteringRoute.GET, { token: w.token });
      expect(m.json.totals.requests).toBe(4);
      const log = await call(requestsRoute.GET, { token: w.token, path: "/api/v1/pat-requests?limit=2" });
      expect(log.json.data).toHaveLength(2);
      expect(log.json.next_cursor).toBeTruthy();
      const denied = await call(requestsRoute.GET, { token: w.token, path: "/api/v1/pat-requests?decision=deny" });
      expect(denied.json.data[0]).toMatchObject({ decision: "deny", status: 403, model: "claude-sonnet-4-6", principal: { type: "user" } });
      const one = await call(requestRoute.GET, { token: w.token, params: { id: denied.json.data[0].id } });
      expect(one.json.reason).toMatch(/max_tokens/);
    } finally {
      await w.close();
    }
  });
});
