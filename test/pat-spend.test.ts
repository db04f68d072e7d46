// Spend caps under a race: 50 concurrent requests against a cap worth exactly one request, spread over
// two gateway instances (two handler stacks and HTTP servers sharing one database — real Postgres
// when DATABASE_URL is set), 20 rounds. The settled spend never exceeds the cap, exactly one request
// is forwarded per round, and every reservation is released or settled.
import { and, eq, sql } from "drizzle-orm";
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, patSpend } from "@/db/schema";
import { verifyStoredChain } from "@/lib/audit/verify";
import { getDb } from "@/lib/db";
import { createPatGateway } from "@/lib/gateway/pat/gateway";
import { maxCostMicros } from "@/lib/gateway/pat/pricing";
import { utcMonth } from "@/lib/gateway/pat/spend";
import { startFakeAnthropic, type FakeAnthropic } from "./fakes/anthropic";
import { newOrg } from "./helpers";
import { addPatKey, createOrgApiKey, eventually, grantPatKeys } from "./support/pat-setup";
import { startPatServer, type PatServer } from "./support/pat-server";

let fake: FakeAnthropic;
let servers: PatServer[];
beforeAll(async () => {
  fake = await startFakeAnthropic();
  // Two "instances": separate gateway objects and servers (archive off: this test is about money).
  servers = [await startPatServer(createPatGateway({ upstream: () => fake.url, archive: false })), await startPatServer(createPatGateway({ upstream: () => fake.url, archive: false }))];
});
afterAll(async () => {
  for (const s of servers ?? []) await s.close();
  await fake?.close();
});

const MODEL = "claude-sonnet-4-6";
const MAX_TOKENS = 200;

describe("spend cap race", () => {
  it("50 concurrent requests, cap worth one, two instances, 20 rounds: the cap is never exceeded", async () => {
    const { org, user, token } = await newOrg("Race Corp");
    const orgKey = await createOrgApiKey(token);
    const db = await getDb();
    const body = JSON.stringify({ model: MODEL, max_tokens: MAX_TOKENS, messages: [{ role: "user", content: "race" }] });
    const oneRequest = maxCostMicros(MODEL, Buffer.byteLength(body), MAX_TOKENS);
    for (let round = 0; round < 20; round++) {
      const label = `race-${round}`;
      const key = await addPatKey(token, { label, monthly_cap_usd: oneRequest / 1_000_000, models: [] });
      await grantPatKeys(org.id, user.id, [key.id]);
      fake.reset();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          fetch(`${servers[i % 2].url}/v1/messages`, {
            method: "POST",
            headers: { "x-api-key": orgKey, "content-type": "application/json", "anthropic-version": "2023-06-01", "x-fortress-pat-key": label },
            body,
          }).then(async (r) => ({ status: r.status, body: await r.text() })),
        ),
      );
      const ok = results.filter((r) => r.status === 200);
      const denied = results.filter((r) => r.status === 403);
      expect(ok.length + denied.length).toBe(50);
      expect(ok.length).toBe(1);
      for (const d of denied) expect(JSON.parse(d.body).error.message).toMatch(/monthly spend cap/);
      expect(fake.requests.length).toBe(ok.length);
      let row: typeof patSpend.$inferSelect | undefined;
      await eventually(async () => {
        [row] = await db.select().from(patSpend).where(and(eq(patSpend.patKeyId, key.id), eq(patSpend.month, utcMonth(new Date()))));
        return !!row && row.reservedMicros === 0 && row.requests === ok.length;
      });
      expect(row!.settledMicros).toBeGreaterThan(0);
      expect(row!.settledMicros).toBeLessThanOrEqual(oneRequest);
    }
    // 1000 decisions written by group commit: the org's audit chain is intact, one event per decision.
    const verdict = await verifyStoredChain(db, org.id, "events");
    expect(verdict.ok).toBe(true);
    const denials = await db.select({ n: sql<number>`count(*)` }).from(auditEvents).where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.decision, "deny")));
    expect(Number(denials[0].n)).toBe(20 * 49);
  }, 180_000);

  it("the official SDK sees a cap refusal as a 403 PermissionDeniedError", async () => {
    const { org, user, token } = await newOrg("Cap Corp");
    const orgKey = await createOrgApiKey(token);
    const key = await addPatKey(token, { label: "capped", monthly_cap_usd: 0 });
    await grantPatKeys(org.id, user.id, [key.id]);
    const client = new Anthropic({ apiKey: orgKey, baseURL: servers[0].url, maxRetries: 0 });
    const err = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(err.error).toMatchObject({ type: "error", error: { type: "policy_denied", code: 403 } });
  });
});
