// Webhook endpoints of an org: URL (SSRF-checked now and at every delivery), subscribed events, and
// a signing secret kept in the vault (purpose "webhook"), shown once at creation.
import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { WEBHOOK_EVENTS, webhookAttempts, webhookDeliveries, webhookEndpoints } from "@/db/schema";
import { registerApprovalKind, requireApproval, type ApprovalOutcome } from "../approvals";
import { recordChange } from "../audit/record";
import { FortressError, notFound } from "../errors";
import type { AdminContext } from "../identity/admin-auth";
import { assertOutboundAllowed } from "../net/outbound";
import { destroySecret, storeSecret } from "../vault";

export const SUBSCRIBABLE_EVENTS = WEBHOOK_EVENTS.filter((e) => e !== "webhook.test");

const ZUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "https:" || u.protocol === "http:") && !u.username && !u.password;
    } catch {
      return false;
    }
  }, "must be an https URL without credentials");

export const ZCreateWebhook = z
  .object({
    url: ZUrl,
    description: z.string().trim().max(200).default(""),
    events: z.array(z.enum(SUBSCRIBABLE_EVENTS as [string, ...string[]])).min(1, "subscribe to at least one event").max(20),
  })
  .strict();
export const ZUpdateWebhook = z
  .object({
    url: ZUrl.optional(),
    description: z.string().trim().max(200).optional(),
    events: z.array(z.enum(SUBSCRIBABLE_EVENTS as [string, ...string[]])).min(1).max(20).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export interface WebhookView {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

type Row = typeof webhookEndpoints.$inferSelect;
const view = (r: Row): WebhookView => ({
  id: r.id,
  url: r.url,
  description: r.description,
  events: r.events,
  enabled: r.enabled,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});
const changeShape = (v: WebhookView) => ({ url: v.url, description: v.description, events: v.events, enabled: v.enabled });

async function checkUrl(url: string) {
  try {
    await assertOutboundAllowed(url);
  } catch (err) {
    throw new FortressError("invalid_request", `url: ${err instanceof Error ? err.message : "not allowed"}`);
  }
}

export async function createWebhook(ctx: AdminContext, input: z.infer<typeof ZCreateWebhook>): Promise<WebhookView & { secret: string }> {
  await checkUrl(input.url);
  const secret = `whsec_${randomBytes(32).toString("base64url")}`;
  const plaintext = Buffer.from(secret, "utf8");
  let secretId: string | null = null;
  try {
    // Stored before (not inside) our transaction: the vault may need its own connection (service
    // keyring), which an open transaction on embedded Postgres would block. Undone on failure below.
    const meta = await storeSecret(ctx.db, {
      orgId: ctx.orgId,
      purpose: "webhook",
      type: "webhook_signing_secret",
      label: `Webhook ${new URL(input.url).host}`,
      plaintext,
      actor: ctx.actor,
      meta: ctx.meta,
    });
    secretId = meta.id;
    const created = await ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(webhookEndpoints)
        .values({ orgId: ctx.orgId, url: input.url, description: input.description, events: [...new Set(input.events)], secretId: meta.id, createdBy: ctx.user.id })
        .returning();
      await recordChange(tx, {
        orgId: ctx.orgId,
        actor: ctx.actor,
        action: "create",
        entityType: "webhook",
        entityId: row.id,
        entityLabel: row.url,
        after: changeShape(view(row)),
        meta: ctx.meta,
      });
      return { ...view(row), secret };
    });
    secretId = null;
    return created;
  } catch (err) {
    if (secretId) await destroySecret(ctx.db, { orgId: ctx.orgId, secretId }, { actor: ctx.actor, meta: ctx.meta }).catch(() => {});
    throw err;
  } finally {
    plaintext.fill(0);
  }
}

export async function listWebhooks(ctx: AdminContext): Promise<{ data: WebhookView[] }> {
  const rows = await ctx.db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.orgId, ctx.orgId), isNull(webhookEndpoints.deletedAt)))
    .orderBy(desc(webhookEndpoints.createdAt));
  return { data: rows.map(view) };
}

export async function getWebhookRow(ctx: AdminContext, id: string): Promise<Row> {
  if (!z.uuid().safeParse(id).success) throw notFound("Webhook");
  const [row] = await ctx.db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.orgId, ctx.orgId), isNull(webhookEndpoints.deletedAt)));
  if (!row) throw notFound("Webhook");
  return row;
}

export async function updateWebhook(ctx: AdminContext, id: string, input: z.infer<typeof ZUpdateWebhook>): Promise<WebhookView> {
  const before = await getWebhookRow(ctx, id);
  if (input.url) await checkUrl(input.url);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookEndpoints)
      .set({ ...input, ...(input.events ? { events: [...new Set(input.events)] } : {}), updatedAt: new Date() })
      .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.orgId, ctx.orgId)))
      .returning();
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "update",
      entityType: "webhook",
      entityId: id,
      entityLabel: row.url,
      before: changeShape(view(before)),
      after: changeShape(view(row)),
      meta: ctx.meta,
    });
    return view(row);
  });
}

const applyDelete = registerApprovalKind(
  "webhook.delete",
  async (ctx, p: { id: string }) => {
    const before = await getWebhookRow(ctx, p.id);
    await ctx.db.transaction(async (tx) => {
      await tx.update(webhookEndpoints).set({ deletedAt: new Date(), enabled: false, updatedAt: new Date() }).where(eq(webhookEndpoints.id, p.id));
      await recordChange(tx, {
        orgId: ctx.orgId,
        actor: ctx.actor,
        action: "delete",
        entityType: "webhook",
        entityId: p.id,
        entityLabel: before.url,
        before: changeShape(view(before)),
        meta: ctx.meta,
      });
    });
    // The signing secret is crypto-shredded; pending deliveries die with the endpoint.
    await destroySecret(ctx.db, { orgId: ctx.orgId, secretId: before.secretId }, { actor: ctx.actor, meta: ctx.meta }).catch(() => {});
  },
  { schema: z.object({ id: z.string() }) },
);

export async function deleteWebhook(ctx: AdminContext, id: string): Promise<ApprovalOutcome<void>> {
  const row = await getWebhookRow(ctx, id);
  return requireApproval(ctx, "webhook.delete", { id }, applyDelete, { summary: `Delete webhook ${row.url}` });
}

export async function listDeliveries(ctx: AdminContext, endpointId: string, limit = 50) {
  await getWebhookRow(ctx, endpointId);
  const rows = await ctx.db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.orgId, ctx.orgId)))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(limit);
  const out = [];
  for (const d of rows) {
    const attempts = await ctx.db.select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, d.id)).orderBy(webhookAttempts.attempt);
    out.push({
      id: d.id,
      event_type: d.eventType,
      idempotency_key: d.idempotencyKey,
      status: d.status,
      attempts: d.attempts,
      next_attempt_at: d.status === "pending" ? d.nextAttemptAt.toISOString() : null,
      last_status_code: d.lastStatusCode,
      last_error: d.lastError,
      delivered_at: d.deliveredAt?.toISOString() ?? null,
      created_at: d.createdAt.toISOString(),
      log: attempts.map((a) => ({ attempt: a.attempt, at: a.at.toISOString(), status_code: a.statusCode, error: a.error, duration_ms: a.durationMs })),
    });
  }
  return { data: out };
}
