// A PAT request's admission event and the vault's use of the Anthropic key become durable in one
// group commit, before anything is forwarded.
import { and, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { auditEvents } from "@/db/schema";
import { auditCommitter } from "@/lib/audit/gateway";
import { getDb } from "@/lib/db";
import { patWorld, type PatWorld } from "./support/pat-setup";

let w: PatWorld;
beforeAll(async () => {
  w = await patWorld({ models: [] });
});
afterAll(async () => {
  await w?.close();
});

const send = () =>
  fetch(`${w.server.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": w.orgKey, "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: `{"model":"claude-sonnet-4-6","max_tokens":20,"messages":[{"role":"user","content":"hi"}]}`,
  });

it("admission and key use share one commit", async () => {
  await (await send()).arrayBuffer(); // warm caches
  const stats = auditCommitter().stats;
  const before = { batches: stats.batches, events: stats.events };
  const res = await send();
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  expect(stats.events - before.events).toBe(2);
  expect(stats.batches - before.batches).toBe(1);
  const db = await getDb();
  const rows = await db
    .select({ action: auditEvents.action, seq: auditEvents.seq })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.requestId, res.headers.get("x-fortress-request-id")!)))
    .orderBy(desc(auditEvents.seq));
  const actions = rows.map((r) => r.action);
  expect(actions).toContain("pat.messages");
  expect(actions).toContain("vault.secret.used");
});
