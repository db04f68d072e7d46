// The webhook delivery worker, fed by the durable outbox. One pass (`runOnce`):
//  1. fan-out: pending outbox events (FOR UPDATE SKIP LOCKED) become one delivery per subscribed
//     endpoint, with a stable idempotency key, and the event is marked done — one transaction;
//  2. delivery: due deliveries are claimed (FOR UPDATE SKIP LOCKED + a short lease, so a crashed
//     worker's claims come back), signed with the endpoint's secret from the vault, POSTed through
//     safeFetch (SSRF-guarded), and the outcome logged; failures back off exponentially and are
//     dead-lettered after `maxAttempts`.
// Several instances may run it at once; nothing is lost across a restart (state lives in Postgres).
import { and, asc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { outboxEvents, webhookAttempts, webhookDeliveries, webhookEndpoints } from "@/db/schema";
import { SYSTEM_ACTOR } from "../context";
import { getDb, type Database } from "../db";
import { logger } from "../log";
import { safeFetch } from "../net/outbound";
import { withSecret } from "../vault";
import { SIGNATURE_HEADER, signatureHeader } from "./signature";

export interface WorkerOptions {
  db?: Database;
  /** The clock (tests control it). */
  now?: () => Date;
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  batchSize?: number;
  leaseMs?: number;
  timeoutMs?: number;
}

export interface RunResult {
  fannedOut: number;
  attempted: number;
  succeeded: number;
  failed: number;
  dead: number;
}

export function backoffMs(attempt: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1));
}

export class WebhookWorker {
  private readonly o: Required<Omit<WorkerOptions, "db">> & { db?: Database };

  constructor(options: WorkerOptions = {}) {
    this.o = {
      db: options.db,
      now: options.now ?? (() => new Date()),
      maxAttempts: options.maxAttempts ?? 8,
      baseDelayMs: options.baseDelayMs ?? 30_000,
      maxDelayMs: options.maxDelayMs ?? 6 * 3600_000,
      batchSize: options.batchSize ?? 50,
      leaseMs: options.leaseMs ?? 60_000,
      timeoutMs: options.timeoutMs ?? 10_000,
    };
  }

  private async db(): Promise<Database> {
    return this.o.db ?? getDb();
  }

  async runOnce(): Promise<RunResult> {
    const fannedOut = await this.fanOut();
    const r = await this.deliverDue();
    return { fannedOut, ...r };
  }

  /** Outbox → deliveries. Events no endpoint subscribes to are simply marked done. */
  async fanOut(): Promise<number> {
    const db = await this.db();
    const now = this.o.now();
    return db.transaction(async (tx) => {
      const events = await tx
        .select()
        .from(outboxEvents)
        .where(and(eq(outboxEvents.status, "pending"), lte(outboxEvents.availableAt, now)))
        .orderBy(asc(outboxEvents.createdAt))
        .limit(this.o.batchSize)
        .for("update", { skipLocked: true });
      let created = 0;
      for (const e of events) {
        const endpoints = await tx
          .select({ id: webhookEndpoints.id })
          .from(webhookEndpoints)
          .where(
            and(
              eq(webhookEndpoints.orgId, e.orgId),
              eq(webhookEndpoints.enabled, true),
              isNull(webhookEndpoints.deletedAt),
              sql`${e.type} = any(${webhookEndpoints.events})`,
            ),
          );
        if (endpoints.length) {
          const body = JSON.stringify({ id: e.id, type: e.type, created_at: e.createdAt.toISOString(), org_id: e.orgId, data: e.payload });
          const rows = await tx
            .insert(webhookDeliveries)
            .values(endpoints.map((ep) => ({ orgId: e.orgId, endpointId: ep.id, eventId: e.id, eventType: e.type, idempotencyKey: e.id, body, nextAttemptAt: now })))
            .onConflictDoNothing()
            .returning({ id: webhookDeliveries.id });
          created += rows.length;
        }
        await tx.update(outboxEvents).set({ status: "done", processedAt: now, attempts: sql`${outboxEvents.attempts} + 1` }).where(eq(outboxEvents.id, e.id));
      }
      return created;
    });
  }

  /** Claims due deliveries with a lease, then sends each. */
  async deliverDue(): Promise<Omit<RunResult, "fannedOut">> {
    const db = await this.db();
    const now = this.o.now();
    const leaseUntil = new Date(now.getTime() + this.o.leaseMs);
    const claimed = await db.transaction(async (tx) => {
      const due = await tx
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.status, "pending"),
            lte(webhookDeliveries.nextAttemptAt, now),
            or(isNull(webhookDeliveries.lockedUntil), lte(webhookDeliveries.lockedUntil, now)),
          ),
        )
        .orderBy(asc(webhookDeliveries.nextAttemptAt))
        .limit(this.o.batchSize)
        .for("update", { skipLocked: true });
      if (!due.length) return [];
      return tx
        .update(webhookDeliveries)
        .set({ lockedUntil: leaseUntil })
        .where(inArray(webhookDeliveries.id, due.map((d) => d.id)))
        .returning();
    });
    const result = { attempted: 0, succeeded: 0, failed: 0, dead: 0 };
    for (const d of claimed) {
      const outcome = await this.send(d);
      result.attempted++;
      if (outcome === "succeeded") result.succeeded++;
      else if (outcome === "dead") result.dead++;
      else result.failed++;
    }
    return result;
  }

  /** Sends one claimed delivery and records the attempt. */
  async send(d: typeof webhookDeliveries.$inferSelect): Promise<"succeeded" | "failed" | "dead"> {
    const db = await this.db();
    const [endpoint] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, d.endpointId));
    const attempt = d.attempts + 1;
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    if (!endpoint || endpoint.deletedAt || !endpoint.enabled) {
      error = "endpoint deleted or disabled";
    } else {
      try {
        const timestamp = Math.floor(this.o.now().getTime() / 1000);
        const signature = await withSecret(
          { orgId: d.orgId, secretId: endpoint.secretId },
          "webhook",
          (secret) => signatureHeader(secret, timestamp, d.body),
          { actor: SYSTEM_ACTOR },
        );
        const res = await safeFetch(
          endpoint.url,
          {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "user-agent": "Fortress-Webhooks/1",
              [SIGNATURE_HEADER]: signature,
              "Fortress-Event": d.eventType,
              "Fortress-Delivery": d.id,
              "Idempotency-Key": d.idempotencyKey,
            },
            body: d.body,
          },
          { maxRedirects: 0, timeoutMs: this.o.timeoutMs },
        );
        statusCode = res.status;
        await res.body?.cancel().catch(() => {});
        if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
      } catch (err) {
        error = err instanceof Error ? err.message.slice(0, 300) : "delivery failed";
      }
    }
    const durationMs = Math.round(performance.now() - started);
    const at = this.o.now();
    const ok = error === null;
    const dead = !ok && (attempt >= this.o.maxAttempts || !endpoint || !!endpoint.deletedAt);
    await db.transaction(async (tx) => {
      await tx.insert(webhookAttempts).values({ deliveryId: d.id, orgId: d.orgId, attempt, at, statusCode, error, durationMs });
      await tx
        .update(webhookDeliveries)
        .set({
          attempts: attempt,
          status: ok ? "succeeded" : dead ? "dead" : "pending",
          lastStatusCode: statusCode,
          lastError: error,
          deliveredAt: ok ? at : null,
          lockedUntil: null,
          nextAttemptAt: ok || dead ? at : new Date(at.getTime() + backoffMs(attempt, this.o.baseDelayMs, this.o.maxDelayMs)),
        })
        .where(eq(webhookDeliveries.id, d.id));
    });
    if (!ok) logger().warn({ deliveryId: d.id, endpointId: d.endpointId, attempt, statusCode, dead }, "webhook delivery failed");
    return ok ? "succeeded" : dead ? "dead" : "failed";
  }
}
