// Background jobs of the vault: expiry warnings (once per secret), purge of shredded rows after 72 h.
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { outboxEvents, vaultSecrets } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/context";
import { getDb } from "@/lib/db";
import { startScheduler } from "@/lib/scheduler";
import { destroySecret, rotateSecret, storeSecret } from "@/lib/vault";
import { credentialExpiryJob, purgeDestroyedSecretsJob, VAULT_JOBS } from "@/lib/vault/jobs";
import { newOrg } from "./helpers";
import { isolateDatabase } from "./vault-isolated-db";

// The jobs act on every org of the database: alone on a shared Postgres they would touch other files' data.
isolateDatabase("vault_jobs");

const DAY = 86_400_000;
const store = async (orgId: string, expiresAt: Date | null) =>
  storeSecret(await getDb(), { orgId, purpose: "connector", type: "oauth_token", label: "Slack", plaintext: Buffer.from(`xoxb-${randomUUID()}`), expiresAt, actor: SYSTEM_ACTOR });

describe("vault jobs", () => {
  it("enqueues credential.expiring once per secret, 7 days before it expires, and again after a rotation with a new expiry", async () => {
    const { org } = await newOrg();
    const db = await getDb();
    const now = new Date();
    const soon = await store(org.id, new Date(now.getTime() + 6 * DAY));
    await store(org.id, new Date(now.getTime() + 30 * DAY)); // too early to warn
    await store(org.id, null); // never expires
    await credentialExpiryJob(db, now);
    await credentialExpiryJob(db, new Date(now.getTime() + 3_600_000)); // next hourly tick: no duplicate
    let events = await db.select().from(outboxEvents).where(and(eq(outboxEvents.orgId, org.id), eq(outboxEvents.type, "credential.expiring")));
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ secret_id: soon.id, type: "oauth_token", label: "Slack", purpose: "connector", days_left: 6 });
    expect(JSON.stringify(events[0].payload)).not.toMatch(/xoxb-/);
    // Rotated with a new expiry that again falls inside the window: one more warning.
    await rotateSecret(db, { orgId: org.id, secretId: soon.id }, Buffer.from("xoxb-rotated-value"), { actor: SYSTEM_ACTOR, expiresAt: new Date(now.getTime() + 5 * DAY) });
    await credentialExpiryJob(db, now);
    events = await db.select().from(outboxEvents).where(and(eq(outboxEvents.orgId, org.id), eq(outboxEvents.type, "credential.expiring")));
    expect(events).toHaveLength(2);
  });

  it("purges a destroyed secret's row only once its purge time (72 h) has come", async () => {
    const { org } = await newOrg();
    const db = await getDb();
    const meta = await store(org.id, null);
    await destroySecret(db, { orgId: org.id, secretId: meta.id }, { actor: SYSTEM_ACTOR });
    await purgeDestroyedSecretsJob(db, new Date(Date.now() + 71 * 3_600_000));
    expect(await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, meta.id))).toHaveLength(1);
    expect(await purgeDestroyedSecretsJob(db, new Date(Date.now() + 72 * 3_600_000 + 1000))).toBeGreaterThanOrEqual(1);
    expect(await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, meta.id))).toHaveLength(0);
  });

  it("the scheduler runs every vault job without overlapping and survives a failing job", async () => {
    const ran: string[] = [];
    const scheduler = startScheduler(getDb, [
      ...VAULT_JOBS.map((j) => ({ ...j, run: async (db: Parameters<typeof j.run>[0]) => (ran.push(j.name), j.run(db)) })),
      { name: "broken", everyMs: 60_000, run: async () => Promise.reject(new Error("boom")) },
    ], { initialDelayMs: 3_600_000 });
    await scheduler.runAll();
    scheduler.stop();
    expect(ran).toEqual(VAULT_JOBS.map((j) => j.name));
  });
});
