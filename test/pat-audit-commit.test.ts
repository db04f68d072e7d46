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

it("a completion event whose append fails after the answer is retried until it is in the chain", async () => {
  const committer = auditCommitter();
  const append = committer.append.bind(committer);
  let refused = 0;
  // The database "goes away" for the completion's first append only.
  committer.append = async (event) => {
    if (event.action.endsWith(".completed") && refused === 0) {
      refused++;
      throw new Error("ECONNRESET");
    }
    return append(event);
  };
  try {
    const res = await send();
    expect(res.status).toBe(200); // the client had its answer
    await res.arrayBuffer();
    const requestId = res.headers.get("x-fortress-request-id")!;
    const db = await getDb();
    const completed = async () =>
      (await db.select({ id: auditEvents.id }).from(auditEvents).where(and(eq(auditEvents.orgId, w.org.id), eq(auditEvents.requestId, requestId), eq(auditEvents.action, "pat.messages.completed")))).length;
    const until = Date.now() + 10_000;
    while ((await completed()) === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(refused).toBe(1);
    expect(await completed()).toBe(1);
  } finally {
    committer.append = append;
  }
});
