// Service key rotation and the rewrap job: 10,000 blobs moved to the new version, crash midway and
// resume, retirement of the drained version, a blob still needing a retired version fails closed.
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { vaultRewrapRuns, vaultSecrets, vaultServiceKeys } from "@/db/schema";
import { announceOrgChange } from "@/lib/cache/shared";
import { SYSTEM_ACTOR } from "@/lib/context";
import { getDb } from "@/lib/db";
import { storeSecret, withSecret } from "@/lib/vault";
import { sealWith } from "@/lib/vault/envelope";
import { rewrapJob } from "@/lib/vault/jobs";
import { localKeyProvider } from "@/lib/vault/providers";
import { runRewrap } from "@/lib/vault/rewrap";
import { RETIRE_GRACE_MS, retireDrainedVersions, rotateServiceKey, rotateServiceKeyIfDue, serviceKeyring, serviceKeyStatus } from "@/lib/vault/service-keys";
import { newOrg } from "./helpers";
import { isolateDatabase } from "./vault-isolated-db";

isolateDatabase("vault_rewrap");

const N = Number(process.env.RW_N ?? 10_000);
const BATCH = N / 20;
const CRASH_IN_BATCH = 8;
const COMMITTED = (CRASH_IN_BATCH - 1) * BATCH;

describe("service key rotation and rewrap", () => {
  it("rotates only when due (90 days by default)", async () => {
    const db = await getDb();
    const s = await serviceKeyStatus(db);
    expect((await rotateServiceKeyIfDue(db, new Date(s.lastRotation.getTime() + 89 * 86_400_000))).rotated).toBe(false);
    const r = await rotateServiceKeyIfDue(db, new Date(s.lastRotation.getTime() + 90 * 86_400_000));
    expect(r).toEqual({ rotated: true, version: s.currentVersion + 1 });
    const after = await serviceKeyStatus(db);
    expect(after.currentVersion).toBe(s.currentVersion + 1);
    expect(after.versions.find((v) => v.version === s.currentVersion)!.state).toBe("retiring");
  });

  it(`rewraps ${N} blobs in batches, survives a crash midway, resumes to processed = succeeded = ${N}, then retires the old version`, async () => {
    const db = await getDb();
    const { org } = await newOrg();
    const keyring = serviceKeyring();
    keyring.invalidate();
    const oldVersion = await keyring.currentVersion();
    // Seed: one secret through the API (used at the end), the rest sealed directly in bulk.
    const kept = await storeSecret(db, { orgId: org.id, purpose: "connector", type: "api_token", label: "kept", plaintext: Buffer.from("kept-secret-value-123"), actor: SYSTEM_ACTOR });
    const rows: (typeof vaultSecrets.$inferInsert)[] = [];
    for (let i = 1; i < N; i++) {
      const id = randomUUID();
      const sealed = await sealWith(localKeyProvider(), keyring, { orgId: org.id, objectId: id, purpose: "connector" }, Buffer.from(`secret-${i}`));
      rows.push({ id, orgId: org.id, purpose: "connector", type: "api_token", label: `s${i}`, blob: sealed.blob, keyProvider: "local", keyVersion: sealed.keyVersion });
    }
    for (let i = 0; i < rows.length; i += 1000) await db.insert(vaultSecrets).values(rows.slice(i, i + 1000));
    // A copy of one old blob, to try after its version is retired.
    const [oldRow] = await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, kept.id));

    const { version: newVersion } = await rotateServiceKey(db);
    expect(newVersion).toBe(oldVersion + 1);

    // Crash during the 8th batch: 7 batches (3,500 blobs) committed, the 8th rolled back.
    const t0 = performance.now();
    const crash = await runRewrap(db, {
      batchSize: BATCH,
      beforeCommit: (batch) => {
        if (batch === CRASH_IN_BATCH) throw new Error("simulated crash (process killed)");
      },
    }).catch((e) => e);
    expect(crash.message).toMatch(/simulated crash/);
    const [midRun] = await db.select().from(vaultRewrapRuns).where(eq(vaultRewrapRuns.status, "running"));
    expect(midRun).toMatchObject({ processed: COMMITTED, succeeded: COMMITTED, failed: 0, targetVersion: newVersion });
    const [{ n: movedMid }] = await db.select({ n: sql<number>`count(*)` }).from(vaultSecrets).where(eq(vaultSecrets.keyVersion, newVersion));
    expect(Number(movedMid)).toBe(COMMITTED);

    // Resume: the same run continues from its cursor.
    const resumed = await runRewrap(db, { batchSize: BATCH });
    console.log(`rewrap of ${N} blobs (crash + resume): ${Math.round(performance.now() - t0)} ms`);
    expect(resumed).toMatchObject({ runId: midRun.id, processed: N, succeeded: N, failed: 0, done: true });
    const [{ n: left }] = await db.select({ n: sql<number>`count(*)` }).from(vaultSecrets).where(sql`${vaultSecrets.keyVersion} < ${newVersion}`);
    expect(Number(left)).toBe(0);
    expect(await withSecret({ orgId: org.id, secretId: kept.id }, "connector", (p) => p.toString(), { actor: SYSTEM_ACTOR })).toBe("kept-secret-value-123");

    // Nothing left: a new call has nothing to do.
    expect((await runRewrap(db)).runId).toBeNull();

    // Retirement waits for the grace period, then erases the drained version's key.
    expect(await retireDrainedVersions(db, new Date())).toEqual([]);
    const later = new Date(Date.now() + RETIRE_GRACE_MS + 1000);
    const retired = await retireDrainedVersions(db, later);
    expect(retired).toContain(oldVersion);
    const [v] = await db.select().from(vaultServiceKeys).where(eq(vaultServiceKeys.version, oldVersion));
    expect(v.state).toBe("retired");
    expect(v.wrappedKey).toBeNull();

    // A blob that still needs the retired version fails closed.
    await db.update(vaultSecrets).set({ blob: oldRow.blob, keyVersion: oldRow.keyVersion }).where(eq(vaultSecrets.id, kept.id));
    await announceOrgChange(org.id); // a write behind the vault's back: announced as the vault's own writes are
    const err = await withSecret({ orgId: org.id, secretId: kept.id }, "connector", () => "opened", { actor: SYSTEM_ACTOR }).catch((e) => e);
    expect(err).toMatchObject({ code: "unavailable", details: { failure: "wrong_key" } });
    // … and the rewrap job cannot move it either: counted as failed, audited.
    const job = await rewrapJob(db, later);
    expect(job).toMatchObject({ processed: 1, succeeded: 0, failed: 1, done: true, retired: [] });
  }, 180_000);
});
