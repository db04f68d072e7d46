// Anomaly detectors: pure, explainable (each finding names the detector and its numbers), and the
// runner raises anomaly.detected in the outbox once per detector, principal and window.
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { outboxEvents } from "@/db/schema";
import { callRateAboveBaseline, denialBurst, destructiveBurst, isDestructive, networkOf, newNetwork } from "@/lib/anomaly/detectors";
import { detectAnomalies } from "@/lib/anomaly/run";
import { recordAuditEvents, type AuditEventInput } from "@/lib/audit/record";
import { getDb } from "@/lib/db";
import { newOrg } from "./helpers";

// Heavy under a loaded machine (2 cores shared): generous per-test time.
vi.setConfig({ testTimeout: 180_000 });

const p = { id: "u1", label: "sarah.chen@company.com" };

describe("detectors (pure)", () => {
  it("call rate: flags far above the user's own baseline, explains the numbers, needs a baseline", () => {
    const f = callRateAboveBaseline(p, 120, [10, 12, 8, 10, 11, 9]);
    expect(f).toMatchObject({ detector: "call_rate_baseline", numbers: { current: 120, baseline: 10, ratio: 12, factor: 5 } });
    expect(f!.summary).toContain("120 calls");
    expect(f!.summary).toContain("12.0× their baseline of 10.0");
    expect(callRateAboveBaseline(p, 45, [10, 12, 8, 10, 11, 9])).toBeNull(); // 4.5×
    expect(callRateAboveBaseline(p, 500, [1, 2])).toBeNull(); // too little history
    expect(callRateAboveBaseline(p, 20, [0, 0, 0, 0, 0, 1])).toBeNull(); // below the absolute floor
  });

  it("call rate: never flags at or below the baseline (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 6, maxLength: 48 }), (history) => {
        const mean = history.reduce((a, b) => a + b, 0) / history.length;
        expect(callRateAboveBaseline(p, Math.floor(mean * 4.99), history)).toBeNull();
      }),
    );
  });

  it("denial burst, destructive burst", () => {
    expect(denialBurst(p, 12, 15)).toMatchObject({ detector: "denial_burst", numbers: { denials: 12, total: 15, ratio: 0.8 } });
    expect(denialBurst(p, 12, 100)).toBeNull(); // mostly allowed: a busy user, not a probe
    expect(denialBurst(p, 3, 3)).toBeNull();
    expect(destructiveBurst(p, 6, ["zendesk__delete_ticket", "zendesk__delete_ticket", "github__delete_repo"])!.summary).toContain("zendesk__delete_ticket, github__delete_repo");
    expect(destructiveBurst(p, 4, [])).toBeNull();
    expect(isDestructive("tools/call", "zendesk__delete_ticket")).toBe(true);
    expect(isDestructive("tools/call", "zendesk__list_tickets")).toBe(false);
    expect(isDestructive("tools/call", "zendesk__list_tickets", true)).toBe(true);
    expect(isDestructive("tools/call", "slack__remove_ok", false)).toBe(false);
  });

  it("new network: /24 for IPv4, /48 for IPv6, only once a history exists", () => {
    expect(networkOf("203.0.113.77")).toBe("203.0.113.0/24");
    expect(networkOf("::ffff:203.0.113.77")).toBe("203.0.113.0/24");
    expect(networkOf("2001:db8:abcd:12::1")).toBe("2001:db8:abcd::/48");
    expect(networkOf("not an ip")).toBeNull();
    expect(newNetwork(p, "203.0.113.9", [])).toBeNull();
    expect(newNetwork(p, "203.0.113.9", ["203.0.113.0/24"])).toBeNull();
    expect(newNetwork(p, "198.51.100.4", ["203.0.113.0/24"])).toMatchObject({ detector: "new_network", numbers: { network: "198.51.100.0/24", known_networks: 1 } });
  });
});

describe("runner", () => {
  it("raises anomaly.detected for a denial burst, a destructive burst, a new network and a rate spike — once", async () => {
    const { org } = await newOrg("Anomalies");
    const db = await getDb();
    const actor = { type: "user" as const, id: randomUUID(), label: "intern@company.com" };
    const now = new Date();
    const HOUR = 3600_000;
    const ev = (at: Date, over: Partial<AuditEventInput> = {}): AuditEventInput => ({
      orgId: org.id, product: "mcp", actor, action: "tools/call", decision: "allow", occurredAt: at, meta: { requestId: randomUUID(), clientIp: "203.0.113.5" }, metadata: { tool: "zendesk__list_tickets" }, ...over,
    });
    const hourStart = Math.floor(now.getTime() / HOUR) * HOUR - HOUR;
    const events: AuditEventInput[] = [];
    for (let h = 1; h <= 12; h++) for (let i = 0; i < 4; i++) events.push(ev(new Date(hourStart - h * HOUR + i * 60_000))); // baseline ≈ 2/hour
    for (let i = 0; i < 60; i++) events.push(ev(new Date(hourStart + i * 30_000))); // 60 in the last complete hour
    events.sort((a, b) => a.occurredAt!.getTime() - b.occurredAt!.getTime());
    await recordAuditEvents(db, events);
    // First run learns the networks (no alert on first sight).
    await detectAnomalies(db, org.id, new Date(hourStart + HOUR - 1));
    const recent = (i: number) => new Date(now.getTime() - 60_000 + i * 1000);
    await recordAuditEvents(db, [
      ...Array.from({ length: 12 }, (_, i) => ev(recent(i), { decision: "deny", reason: "Role: Intern", metadata: { tool: "zendesk__delete_ticket" } })),
      ev(recent(20), { meta: { requestId: randomUUID(), clientIp: "198.51.100.23" } }),
    ]);
    const findings = await detectAnomalies(db, org.id, now);
    const detectors = findings.map((f) => f.detector).sort();
    expect(detectors).toEqual(["call_rate_baseline", "denial_burst", "destructive_burst", "new_network"]);
    await detectAnomalies(db, org.id, now); // same window: no duplicate alerts
    const outbox = await db.select().from(outboxEvents).where(eq(outboxEvents.orgId, org.id));
    const alerts = outbox.filter((o) => o.type === "anomaly.detected");
    expect(alerts.map((a) => (a.payload as any).detector).sort()).toEqual(detectors);
    const burst = alerts.find((a) => (a.payload as any).detector === "denial_burst")!.payload as any;
    expect(burst.numbers).toMatchObject({ denials: 12, total: 13 });
    expect(burst.summary).toContain("intern@company.com was denied 12 of 13 calls");
  });
});
