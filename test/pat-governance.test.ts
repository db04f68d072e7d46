// PAT governance: every refusal is the documented Anthropic-shaped 403 and nothing reaches Anthropic.
// Revoked key, disallowed model, max_tokens over the limit, disabled key, denied role, key choice by
// header and by default, rotation with its 48-hour fallback, spend cap events, Change Log entries.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as apiKeysRoute from "@/app/api/v1/api-keys/route";
import * as patKeyRoute from "@/app/api/v1/pat-keys/[id]/route";
import * as rotateRoute from "@/app/api/v1/pat-keys/[id]/rotate/route";
import * as saRoute from "@/app/api/v1/service-accounts/route";
import { changeLog, outboxEvents, patKeys } from "@/db/schema";
import { getDb } from "@/lib/db";
import { sweepRotatedPatKeys } from "@/lib/pat-keys/pat-keys";
import { call } from "./helpers";
import { addPatKey, grantPatKeys, patWorld, REAL_KEY, type PatWorld } from "./support/pat-setup";

let w: PatWorld;
beforeAll(async () => {
  w = await patWorld({ label: "Production", models: ["claude-sonnet-4-6", "claude-haiku-4-5"], max_tokens: 1000, monthly_cap_usd: 50 });
});
afterAll(async () => {
  await w?.close();
});
beforeEach(() => {
  w.fake.reset();
  w.fake.options.apiKeys = undefined;
});

const post = (body: unknown, headers: Record<string, string> = {}, key = w.orgKey) =>
  fetch(`${w.server.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
    body: JSON.stringify(body),
  });
const msg = (model = "claude-sonnet-4-6", max_tokens = 100) => ({ model, max_tokens, messages: [{ role: "user", content: "hi" }] });

async function expectDenied(res: Response, message: string | RegExp) {
  expect(res.status).toBe(403);
  const body = await res.json();
  expect(body).toMatchObject({ type: "error", error: { type: "policy_denied", code: 403 } });
  if (typeof message === "string") expect(body.error.message).toBe(message);
  else expect(body.error.message).toMatch(message);
  expect(res.headers.get("x-fortress-request-id")).toBeTruthy();
  expect(w.fake.requests).toHaveLength(0);
  return body;
}

describe("PAT governance", () => {
  it("a model outside the allowlist: the spec's 403, an outbox pat.model_blocked event, nothing forwarded", async () => {
    await expectDenied(await post(msg("claude-opus-4-6")), "Access denied: model 'claude-opus-4-6' is not in your allowlist");
    const db = await getDb();
    const events = await db.select().from(outboxEvents).where(and(eq(outboxEvents.orgId, w.org.id), eq(outboxEvents.type, "pat.model_blocked")));
    expect(events.length).toBeGreaterThan(0);
    expect(events[0].payload).toMatchObject({ model: "claude-opus-4-6", pat_key_label: "Production" });
  });

  it("aliases admit their dated snapshots", async () => {
    expect((await post(msg("claude-haiku-4-5-20251001"))).status).toBe(200);
    w.fake.reset();
    await expectDenied(await post(msg("claude-haiku-4-5-20991231-evil")), /not in your allowlist/);
  });

  it("max_tokens over the key's limit is refused", async () => {
    await expectDenied(await post(msg("claude-sonnet-4-6", 1001)), "Access denied: max_tokens 1001 exceeds the limit of 1000 for PAT key 'Production'");
    expect((await post(msg("claude-sonnet-4-6", 1000))).status).toBe(200);
    expect(w.fake.requests).toHaveLength(1);
  });

  it("a missing max_tokens is Anthropic's 400, not forwarded", async () => {
    const res = await post({ model: "claude-sonnet-4-6", messages: [] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(w.fake.requests).toHaveLength(0);
  });

  it("a caller whose roles grant no PAT key is refused", async () => {
    const sa = await call(saRoute.POST, { token: w.token, body: { name: "ci-bot" } });
    const k = await call(apiKeysRoute.POST, { token: w.token, body: { name: "ci", service_account_id: sa.json.id } });
    await expectDenied(await post(msg(), {}, k.json.key), /no PAT key is available to your role/);
    await expectDenied(await post(msg(), { "x-fortress-pat-key": "Production" }, k.json.key), "Access denied: your role does not allow PAT key 'Production'");
  });

  it("x-fortress-pat-key chooses among several keys; the default is the oldest ACTIVE allowed key", async () => {
    const second = await addPatKey(w.token, { label: "Research", anthropic_key: "sk-ant-api03-RESEARCH-abcdefghijklmnop", models: [] });
    await grantPatKeys(w.org.id, w.user.id, [second.id]);
    expect((await post(msg("claude-opus-4-6"), { "x-fortress-pat-key": "Research" })).status).toBe(200);
    expect(w.fake.requests[0].headers["x-api-key"]).toBe("sk-ant-api03-RESEARCH-abcdefghijklmnop");
    expect((await post(msg())).status).toBe(200);
    expect(w.fake.requests[1].headers["x-api-key"]).toBe(REAL_KEY); // "Production" is older
    w.fake.reset();
    await expectDenied(await post(msg(), { "x-fortress-pat-key": "Nope" }), "Access denied: no PAT key labelled 'Nope'");
    await call(patKeyRoute.DELETE, { token: w.token, method: "DELETE", params: { id: second.id } });
  });

  it("a disabled key is refused", async () => {
    const other = await addPatKey(w.token, { label: "Disabled", anthropic_key: "sk-ant-api03-DISABLED-abcdefghijklmnop" });
    await grantPatKeys(w.org.id, w.user.id, [other.id]);
    const r = await call(patKeyRoute.PUT, { token: w.token, method: "PUT", params: { id: other.id }, body: { enabled: false } });
    expect(r.status).toBe(200);
    await expectDenied(await post(msg(), { "x-fortress-pat-key": "Disabled" }), "Access denied: PAT key 'Disabled' is disabled");
  });

  it("a revoked key is refused at once", async () => {
    const k = await addPatKey(w.token, { label: "Temp", anthropic_key: "sk-ant-api03-TEMP-abcdefghijklmnopqrs" });
    await grantPatKeys(w.org.id, w.user.id, [k.id]);
    expect((await post(msg(), { "x-fortress-pat-key": "Temp" })).status).toBe(200);
    w.fake.reset();
    const del = await call(patKeyRoute.DELETE, { token: w.token, method: "DELETE", params: { id: k.id } });
    expect(del.json.status).toBe("REVOKED");
    await expectDenied(await post(msg(), { "x-fortress-pat-key": "Temp" }), "Access denied: no PAT key labelled 'Temp'");
  });

  it("rotation: the new key serves, the old one is the fallback for 48 hours, then it is revoked", async () => {
    const k = await addPatKey(w.token, { label: "Rotating", anthropic_key: "sk-ant-api03-OLD-abcdefghijklmnopqrst" });
    await grantPatKeys(w.org.id, w.user.id, [k.id]);
    const r = await call(rotateRoute.POST, { token: w.token, params: { id: k.id }, body: { anthropic_key: "sk-ant-api03-NEW-abcdefghijklmnopqrst" } });
    expect(r.status).toBe(200);
    expect(r.json.key).toMatchObject({ id: k.id, status: "ACTIVE", last_four: "qrst" });
    expect(r.json.rotated).toMatchObject({ status: "ROTATED" });
    expect(JSON.stringify(r.json)).not.toContain("sk-ant");
    expect((await post(msg(), { "x-fortress-pat-key": "Rotating" })).status).toBe(200);
    expect(w.fake.requests[0].headers["x-api-key"]).toBe("sk-ant-api03-NEW-abcdefghijklmnopqrst");
    // Anthropic does not know the new key yet: the old one, inside its window, still serves.
    w.fake.options.apiKeys = ["sk-ant-api03-OLD-abcdefghijklmnopqrst"];
    expect((await post(msg(), { "x-fortress-pat-key": "Rotating" })).status).toBe(200);
    expect(w.fake.requests.map((q) => q.headers["x-api-key"]).slice(1)).toEqual(["sk-ant-api03-NEW-abcdefghijklmnopqrst", "sk-ant-api03-OLD-abcdefghijklmnopqrst"]);
    // The window ends: the old key is revoked, and the 401 now reaches the client as Anthropic sent it.
    const db = await getDb();
    await db.update(patKeys).set({ overlapUntil: new Date(Date.now() - 1000) }).where(eq(patKeys.id, r.json.rotated.id));
    expect(await sweepRotatedPatKeys(db, new Date())).toBeGreaterThanOrEqual(1);
    const [old] = await db.select().from(patKeys).where(eq(patKeys.id, r.json.rotated.id));
    expect(old.status).toBe("REVOKED");
    expect((await post(msg(), { "x-fortress-pat-key": "Rotating" })).status).toBe(401);
  });

  it("the spend cap refuses before forwarding and raises pat.spend_cap_reached once", async () => {
    const k = await addPatKey(w.token, { label: "Tiny", anthropic_key: "sk-ant-api03-TINY-abcdefghijklmnopqrs", monthly_cap_usd: 0.000001 });
    await grantPatKeys(w.org.id, w.user.id, [k.id]);
    for (let i = 0; i < 3; i++) await expectDenied(await post(msg(), { "x-fortress-pat-key": "Tiny" }), /monthly spend cap of \$0\.0000 for PAT key 'Tiny' is reached/);
    const db = await getDb();
    const events = await db.select().from(outboxEvents).where(and(eq(outboxEvents.orgId, w.org.id), eq(outboxEvents.type, "pat.spend_cap_reached")));
    expect(events).toHaveLength(1);
  });

  it("passing the alert threshold queues pat.spend_alert once for the month", async () => {
    const body = msg("claude-sonnet-4-6", 7);
    const k = await addPatKey(w.token, { label: "Alerting", anthropic_key: "sk-ant-api03-ALERT-abcdefghijklmnopqr", monthly_cap_usd: 0.01, alert_threshold_pct: 1 });
    await grantPatKeys(w.org.id, w.user.id, [k.id]);
    for (let i = 0; i < 3; i++) expect((await post(body, { "x-fortress-pat-key": "Alerting" })).status).toBe(200);
    const db = await getDb();
    let events: (typeof outboxEvents.$inferSelect)[] = [];
    for (let i = 0; i < 50 && events.length === 0; i++) {
      events = await db.select().from(outboxEvents).where(and(eq(outboxEvents.orgId, w.org.id), eq(outboxEvents.type, "pat.spend_alert")));
      if (events.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ pat_key_label: "Alerting", threshold_pct: 1, cap_micros: 10_000 });
  });

  it("every PAT key change is in the Change Log, never the Anthropic key", async () => {
    const db = await getDb();
    const rows = await db.select().from(changeLog).where(and(eq(changeLog.orgId, w.org.id), eq(changeLog.entityType, "pat_key")));
    expect(new Set(rows.map((r) => r.action))).toEqual(new Set(["create", "update", "revoke", "rotate"]));
    const text = JSON.stringify(rows);
    expect(text).not.toContain("sk-ant-api03");
    expect(text).toContain('"last_four"');
  });
});
