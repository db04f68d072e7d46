// "Send test event": a webhook.test delivery to one endpoint, sent at once; the result is returned
// and stays in the delivery log (retried like any other if it failed).
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { webhookDeliveries } from "@/db/schema";
import type { AdminContext } from "../identity/admin-auth";
import { getWebhookRow } from "./endpoints";
import { WebhookWorker } from "./worker";

export async function sendTestEvent(ctx: AdminContext, endpointId: string, worker = new WebhookWorker({ db: ctx.db })) {
  const endpoint = await getWebhookRow(ctx, endpointId);
  const id = randomUUID();
  const body = JSON.stringify({
    id,
    type: "webhook.test",
    created_at: new Date().toISOString(),
    org_id: ctx.orgId,
    data: { message: "This is a test event from Fortress.", requested_by: ctx.user.email },
  });
  const [d] = await ctx.db
    .insert(webhookDeliveries)
    .values({ orgId: ctx.orgId, endpointId: endpoint.id, eventType: "webhook.test", idempotencyKey: id, body, lockedUntil: new Date(Date.now() + 60_000) })
    .returning();
  const outcome = await worker.send(d);
  const [after] = await ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, d.id));
  return { delivery_id: d.id, outcome, status_code: after.lastStatusCode, error: after.lastError };
}
