// Runs the detectors over one org's recent audit events and raises `anomaly.detected` in the
// outbox (→ webhooks), once per detector, principal and window (dedupe key). Called by the
// scheduler; the detectors themselves are pure (lib/anomaly/detectors.ts).
import { and, eq, gte, inArray, lt } from "drizzle-orm";
import { auditEvents, principalNetworks } from "@/db/schema";
import type { DbOrTx } from "../db";
import { enqueueEvent } from "../outbox/enqueue";
import { callRateAboveBaseline, denialBurst, destructiveBurst, isDestructive, networkOf, newNetwork, type Finding } from "./detectors";

const HOUR = 3600_000;
const WINDOW_MIN = 10;

export async function detectAnomalies(db: DbOrTx, orgId: string, now = new Date()): Promise<Finding[]> {
  const findings: Finding[] = [];
  const governed = inArray(auditEvents.product, ["mcp", "pat"]);
  const hourStart = new Date(Math.floor(now.getTime() / HOUR) * HOUR - HOUR); // the last complete hour
  const historyStart = new Date(hourStart.getTime() - 24 * HOUR);
  const rows = await db
    .select({
      actorId: auditEvents.actorId,
      actorLabel: auditEvents.actorLabel,
      occurredAt: auditEvents.occurredAt,
      decision: auditEvents.decision,
      action: auditEvents.action,
      resourceId: auditEvents.resourceId,
      clientIp: auditEvents.clientIp,
      metadata: auditEvents.metadata,
    })
    .from(auditEvents)
    .where(and(eq(auditEvents.chain, orgId), governed, gte(auditEvents.occurredAt, historyStart), lt(auditEvents.occurredAt, now)));

  const byActor = new Map<string, typeof rows>();
  for (const r of rows) {
    if (!r.actorId) continue;
    const list = byActor.get(r.actorId) ?? [];
    list.push(r);
    byActor.set(r.actorId, list);
  }
  const windowStart = now.getTime() - WINDOW_MIN * 60_000;
  for (const [actorId, list] of byActor) {
    const p = { id: actorId, label: list[list.length - 1].actorLabel };
    // 1. call rate: last complete hour vs the 24 hours before it.
    const buckets = new Array<number>(24).fill(0);
    let current = 0;
    for (const r of list) {
      const t = r.occurredAt.getTime();
      if (t >= hourStart.getTime() && t < hourStart.getTime() + HOUR) current++;
      else if (t < hourStart.getTime()) buckets[Math.floor((hourStart.getTime() - t - 1) / HOUR)]++;
    }
    const active = buckets.filter((b) => b > 0).length >= 1 ? buckets : [];
    const f1 = callRateAboveBaseline(p, current, active);
    if (f1) findings.push({ ...f1, numbers: { ...f1.numbers, window_start: hourStart.toISOString() } });
    // 2 + 4. the last 10 minutes.
    const recent = list.filter((r) => r.occurredAt.getTime() >= windowStart);
    const f2 = denialBurst(p, recent.filter((r) => r.decision === "deny").length, recent.length, { windowMinutes: WINDOW_MIN });
    if (f2) findings.push(f2);
    const destructive = recent.filter((r) => {
      const m = (r.metadata ?? {}) as Record<string, unknown>;
      return isDestructive(r.action, (m.tool as string) ?? r.resourceId, m.destructive);
    });
    const f4 = destructiveBurst(p, destructive.length, destructive.map((r) => String(((r.metadata ?? {}) as Record<string, unknown>).tool ?? r.action)), { windowMinutes: WINDOW_MIN });
    if (f4) findings.push(f4);
    // 3. networks seen in the window, against every network ever seen for this principal.
    const ips = [...new Set(recent.map((r) => r.clientIp).filter((ip): ip is string => !!ip))];
    if (ips.length) {
      const known = (await db.select({ n: principalNetworks.network }).from(principalNetworks).where(and(eq(principalNetworks.orgId, orgId), eq(principalNetworks.principalId, actorId)))).map((x) => x.n);
      const seen = new Set(known);
      for (const ip of ips) {
        const net = networkOf(ip);
        if (!net || seen.has(net)) continue;
        const f3 = newNetwork(p, ip, seen);
        if (f3) findings.push(f3);
        seen.add(net);
        await db.insert(principalNetworks).values({ orgId, principalId: actorId, network: net, firstSeenAt: now }).onConflictDoNothing();
      }
    }
  }
  const bucket = Math.floor(now.getTime() / (WINDOW_MIN * 60_000));
  for (const f of findings) {
    const key = f.detector === "new_network" ? `${f.numbers.network}` : f.detector === "call_rate_baseline" ? `${f.numbers.window_start}` : `${bucket}`;
    await enqueueEvent(db, {
      orgId,
      type: "anomaly.detected",
      payload: { detector: f.detector, principal: f.principal, summary: f.summary, numbers: f.numbers, detected_at: now.toISOString() },
      dedupeKey: `anomaly:${f.detector}:${f.principal.id}:${key}`,
    });
  }
  return findings;
}
