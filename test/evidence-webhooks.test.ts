// Webhooks: signed with the documented recipe; a receiver failing 3 times then succeeding gets the
// event once per idempotency key after exponential backoff; pending deliveries survive a restart;
// SSRF-checked URLs; dead letter after N attempts; the delivery log records response codes.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET as deliveries } from "@/app/api/v1/webhooks/[id]/deliveries/route";
import { POST as testEvent } from "@/app/api/v1/webhooks/[id]/test/route";
import { GET as listHooks, POST as createHook } from "@/app/api/v1/webhooks/route";
import { webhookDeliveries } from "@/db/schema";
import { getDb } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { enqueueEvent } from "@/lib/outbox/enqueue";
import { verifyWebhookSignature } from "@/lib/webhooks/signature";
import { WebhookWorker } from "@/lib/webhooks/worker";
import { call, newOrg } from "./helpers";

// Heavy under a loaded machine (2 cores shared): generous per-test time.
vi.setConfig({ testTimeout: 180_000 });

interface Received {
  headers: Record<string, string>;
  body: string;
}
let server: Server;
let base = "";
const received: Received[] = [];
let failuresLeft = 0;
let alwaysFail = false;

beforeAll(async () => {
  process.env.FORTRESS_OUTBOUND_ALLOW = "127.0.0.1/32";
  resetEnvForTests();
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (alwaysFail || failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(503).end("try later");
        return;
      }
      received.push({ headers: req.headers as Record<string, string>, body });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("webhooks", () => {
  it("refuses private and malformed URLs and unknown events", async () => {
    const { token } = await newOrg("Hooks");
    for (const url of ["http://169.254.169.254/latest", "http://10.0.0.1/hook", "ftp://example.com", "https://user:pw@example.com/x"]) {
      const r = await call(createHook, { token, body: { url, events: ["request.denied"] } });
      expect(r.status, url).toBe(400);
    }
    expect((await call(createHook, { token, body: { url: `${base}/x`, events: ["no.such"] } })).status).toBe(400);
  });

  it("alerts are subscribable events: spend reaching the alert threshold and expiring credentials", async () => {
    const { token } = await newOrg("Alerts");
    const r = await call(createHook, { token, body: { url: `${base}/alerts`, events: ["pat.spend_alert", "credential.expiring"] } });
    expect(r.status, r.text).toBe(201);
  });

  it("a receiver failing 3 times then succeeding gets the event once, signed, after backoff; a restart loses nothing", async () => {
    const { org, token } = await newOrg("Receiver");
    const created = await call(createHook, { token, body: { url: `${base}/hook`, events: ["request.denied", "anomaly.detected"], description: "SIEM" } });
    expect(created.status, created.text).toBe(201);
    const secret: string = created.json.secret;
    expect(secret).toMatch(/^whsec_/);
    expect((await call(listHooks, { token })).text).not.toContain(secret);

    const db = await getDb();
    await enqueueEvent(db, { orgId: org.id, type: "request.denied", payload: { tool: "zendesk__delete_ticket", reason: "Role: Support Agent" } });
    await enqueueEvent(db, { orgId: org.id, type: "pat.model_blocked", payload: {} }); // not subscribed

    let clock = new Date(Date.now() + 1000);
    const now = () => clock;
    // Other test files share the database and leave pending outbox events: take them all in one pass,
    // so this org's event is never left behind a full batch.
    const opts = { now, baseDelayMs: 10_000, batchSize: 100_000 };
    failuresLeft = 3;
    received.length = 0;

    let worker = new WebhookWorker(opts);
    expect(await worker.runOnce()).toMatchObject({ fannedOut: 1, attempted: 1, failed: 1 });
    // Not due yet: nothing is sent before the backoff elapses.
    clock = new Date(clock.getTime() + 9_000);
    expect((await worker.runOnce()).attempted).toBe(0);
    clock = new Date(clock.getTime() + 1_000); // 10 s after the first attempt
    expect((await worker.runOnce()).failed).toBe(1);

    // "Restart": a new worker instance picks up the pending delivery from the database.
    worker = new WebhookWorker(opts);
    clock = new Date(clock.getTime() + 19_000);
    expect((await worker.runOnce()).attempted).toBe(0); // 2nd retry waits 20 s
    clock = new Date(clock.getTime() + 1_000);
    expect((await worker.runOnce()).failed).toBe(1);
    clock = new Date(clock.getTime() + 40_000); // 3rd retry waits 40 s
    expect((await worker.runOnce()).succeeded).toBe(1);
    clock = new Date(clock.getTime() + 3600_000);
    expect((await worker.runOnce()).attempted).toBe(0);

    expect(received).toHaveLength(1);
    const got = received[0];
    const event = JSON.parse(got.body);
    expect(event).toMatchObject({ type: "request.denied", org_id: org.id, data: { tool: "zendesk__delete_ticket" } });
    expect(got.headers["idempotency-key"]).toBe(event.id);
    expect(got.headers["fortress-event"]).toBe("request.denied");
    // The documented recipe verifies it (clock at the last attempt), and refuses tampering and replays.
    const t = Math.floor(clock.getTime() / 1000) - 3600;
    expect(verifyWebhookSignature(got.headers["fortress-signature"], got.body, secret, { nowSeconds: t })).toBeNull();
    expect(verifyWebhookSignature(got.headers["fortress-signature"], got.body.replace("Support", "Admin"), secret, { nowSeconds: t })).toBe("signature mismatch");
    expect(verifyWebhookSignature(got.headers["fortress-signature"], got.body, secret, { nowSeconds: t + 301 })).toBe("timestamp outside the replay window");
    expect(verifyWebhookSignature(got.headers["fortress-signature"], got.body, "whsec_wrong", { nowSeconds: t })).toBe("signature mismatch");

    const log = await call(deliveries, { token, params: { id: created.json.id } });
    expect(log.json.data[0]).toMatchObject({ status: "succeeded", attempts: 4, last_status_code: 200 });
    expect(log.json.data[0].log.map((a: any) => a.status_code)).toEqual([503, 503, 503, 200]);
    const gaps = log.json.data[0].log.map((a: any) => Date.parse(a.at)).map((t: number, i: number, a: number[]) => (i ? t - a[i - 1] : 0));
    expect(gaps.slice(1)).toEqual([10_000, 20_000, 40_000]);
  });

  it("a claimed delivery whose worker crashed is picked up after its lease; dead-letters after N attempts", async () => {
    const { org, token } = await newOrg("Dead letters");
    const created = await call(createHook, { token, body: { url: `${base}/hook`, events: ["user.overage"] } });
    const db = await getDb();
    await enqueueEvent(db, { orgId: org.id, type: "user.overage", payload: { user: "x" } });
    let clock = new Date(Date.now() + 1000);
    const w = new WebhookWorker({ now: () => clock, baseDelayMs: 1000, maxAttempts: 3, leaseMs: 60_000, batchSize: 100_000 });
    await w.fanOut();
    // Simulate a crash right after claiming: lease set, no attempt recorded.
    await db.update(webhookDeliveries).set({ lockedUntil: new Date(clock.getTime() + 60_000) }).where(eq(webhookDeliveries.orgId, org.id));
    expect((await w.deliverDue()).attempted).toBe(0);
    clock = new Date(clock.getTime() + 61_000);
    alwaysFail = true;
    try {
      expect((await w.deliverDue()).failed).toBe(1);
      clock = new Date(clock.getTime() + 1_000);
      expect((await w.deliverDue()).failed).toBe(1);
      clock = new Date(clock.getTime() + 2_000);
      expect((await w.deliverDue()).dead).toBe(1);
      clock = new Date(clock.getTime() + 3600_000);
      expect((await w.deliverDue()).attempted).toBe(0);
    } finally {
      alwaysFail = false;
    }
    const log = await call(deliveries, { token, params: { id: created.json.id } });
    expect(log.json.data[0]).toMatchObject({ status: "dead", attempts: 3, last_status_code: 503 });
  });

  it("send test event: delivered now, signed, in the log", async () => {
    const { token } = await newOrg("Test event");
    const created = await call(createHook, { token, body: { url: `${base}/hook`, events: ["request.denied"] } });
    received.length = 0;
    const r = await call(testEvent, { token, method: "POST", params: { id: created.json.id } });
    expect(r.status, r.text).toBe(200);
    expect(r.json, r.text).toMatchObject({ outcome: "succeeded", status_code: 200 });
    expect(received).toHaveLength(1);
    expect(verifyWebhookSignature(received[0].headers["fortress-signature"], received[0].body, created.json.secret)).toBeNull();
    const other = await newOrg("Other");
    expect((await call(testEvent, { token: other.token, method: "POST", params: { id: created.json.id } })).status).toBe(404);
  });
});
