// The vault against a real database: store, use, rotate, destroy, tier rules, guards, audit.
import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { auditEvents, organisations, vaultSecrets } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/context";
import { getDb } from "@/lib/db";
import { FortressError } from "@/lib/errors";
import { destroySecret, getSecretMetadata, openObject, registerUseGuard, rotateSecret, sealObject, storeSecret, withSecret } from "@/lib/vault";
import { newOrg } from "./helpers";

const actor = SYSTEM_ACTOR;
const secretText = () => `zd_token_${randomUUID()}`;

async function store(orgId: string, value: string, extra: Partial<Parameters<typeof storeSecret>[1]> = {}) {
  return storeSecret(await getDb(), { orgId, purpose: "connector", type: "api_token", label: "Zendesk", plaintext: Buffer.from(value), actor, ...extra });
}
const read = (orgId: string, secretId: string, purpose: "connector" | "pat" = "connector") =>
  withSecret({ orgId, secretId }, purpose, (p) => p.toString("utf8"), { actor });

async function events(orgId: string) {
  const db = await getDb();
  return db.select().from(auditEvents).where(eq(auditEvents.orgId, orgId)).orderBy(auditEvents.seq);
}

let unregister: (() => void) | undefined;
afterEach(() => {
  unregister?.();
  unregister = undefined;
});

describe("vault secrets", () => {
  it("stores, uses, and returns metadata only", async () => {
    const { org } = await newOrg();
    const value = secretText();
    const meta = await store(org.id, value, { expiresAt: new Date(Date.now() + 86_400_000) });
    expect(meta).toMatchObject({ orgId: org.id, purpose: "connector", type: "api_token", label: "Zendesk", lastFour: value.slice(-4) });
    expect(JSON.stringify(meta)).not.toContain(value);
    let seen: Buffer | undefined;
    const out = await withSecret({ orgId: org.id, secretId: meta.id }, "connector", (p) => {
      seen = p;
      return p.toString("utf8");
    }, { actor });
    expect(out).toBe(value);
    expect(seen!.every((b) => b === 0)).toBe(true); // zeroed after use
    expect(await getSecretMetadata(await getDb(), { orgId: org.id, secretId: meta.id })).toEqual(meta);
    const short = await store(org.id, "short");
    expect(short.lastFour).toBeNull();
    const actions = (await events(org.id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["vault.secret.stored", "vault.secret.used"]));
  });

  it("zeroes the plaintext even when the callback throws", async () => {
    const { org } = await newOrg();
    const meta = await store(org.id, secretText());
    let seen: Buffer | undefined;
    await expect(
      withSecret({ orgId: org.id, secretId: meta.id }, "connector", (p) => {
        seen = p;
        throw new Error("upstream failed");
      }, { actor }),
    ).rejects.toThrow("upstream failed");
    expect(seen!.every((b) => b === 0)).toBe(true);
  });

  it("keeps orgs apart: another org's id is not found, and a blob moved between rows, orgs or purposes fails closed", async () => {
    const a = await newOrg("A");
    const b = await newOrg("B");
    const sa = await store(a.org.id, secretText());
    const sb = await store(b.org.id, secretText());
    await expect(read(b.org.id, sa.id)).rejects.toMatchObject({ code: "not_found" });
    expect(await getSecretMetadata(await getDb(), { orgId: b.org.id, secretId: sa.id })).toBeNull();
    // wrong purpose
    await expect(read(a.org.id, sa.id, "pat")).rejects.toMatchObject({ code: "unavailable" });
    // copy A's blob into another row of A, and into B's row
    const db = await getDb();
    const [rowA] = await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, sa.id));
    const other = await store(a.org.id, secretText());
    await db.update(vaultSecrets).set({ blob: rowA.blob }).where(eq(vaultSecrets.id, other.id));
    await expect(read(a.org.id, other.id)).rejects.toMatchObject({ code: "unavailable", details: { failure: "integrity" } });
    await db.update(vaultSecrets).set({ blob: rowA.blob }).where(eq(vaultSecrets.id, sb.id));
    await expect(read(b.org.id, sb.id)).rejects.toMatchObject({ code: "unavailable", details: { failure: "integrity" } });
    const refusals = (await events(a.org.id)).filter((e) => e.action === "vault.secret.use_refused");
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    expect(refusals.every((e) => e.decision === "deny")).toBe(true);
  });

  it("rotates: the new value replaces the old; destroy crypto-shreds at once and schedules the purge", async () => {
    const { org } = await newOrg();
    const v1 = secretText();
    const meta = await store(org.id, v1);
    const db = await getDb();
    const [before] = await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, meta.id));
    const v2 = secretText();
    const rotated = await rotateSecret(db, { orgId: org.id, secretId: meta.id }, Buffer.from(v2), { actor });
    expect(rotated.rotatedAt).toBeInstanceOf(Date);
    expect(rotated.lastFour).toBe(v2.slice(-4));
    expect(await read(org.id, meta.id)).toBe(v2);
    const [after] = await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, meta.id));
    expect(after.blob!.equals(before.blob!)).toBe(false);
    // The old blob, put back, cannot resurrect the old value silently: it opens only as the old value
    // of this same row (same binding) — so rotation must overwrite it, which it did.
    await destroySecret(db, { orgId: org.id, secretId: meta.id }, { actor });
    const [shredded] = await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, meta.id));
    expect(shredded.blob).toBeNull();
    expect(shredded.lastFour).toBeNull();
    expect(shredded.purgeAfter!.getTime() - shredded.destroyedAt!.getTime()).toBe(72 * 3_600_000);
    await expect(read(org.id, meta.id)).rejects.toMatchObject({ code: "not_found" });
    expect(await getSecretMetadata(db, { orgId: org.id, secretId: meta.id })).toBeNull();
    await destroySecret(db, { orgId: org.id, secretId: meta.id }, { actor }); // idempotent
    await expect(destroySecret(db, { orgId: org.id, secretId: randomUUID() }, { actor })).rejects.toMatchObject({ code: "not_found" });
    const actions = (await events(org.id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["vault.secret.rotated", "vault.secret.destroyed"]));
  });

  it("stores inside the caller's transaction: a rollback leaves no secret and no audit event", async () => {
    const { org } = await newOrg();
    const db = await getDb();
    let id = "";
    await db
      .transaction(async (tx) => {
        const m = await storeSecret(tx, { orgId: org.id, purpose: "pat", type: "anthropic_key", label: "k", plaintext: Buffer.from(secretText()), actor });
        id = m.id;
        throw new Error("caller failed");
      })
      .catch(() => {});
    expect(await db.select().from(vaultSecrets).where(eq(vaultSecrets.id, id))).toEqual([]);
    expect((await events(org.id)).filter((e) => e.resourceId === id)).toEqual([]);
  });

  it("tier rules: Bank and Zero Trust refuse to store until a customer key provider is configured and tested (409, audited)", async () => {
    for (const tier of ["BANK", "ZERO_TRUST"] as const) {
      const { org } = await newOrg();
      const db = await getDb();
      await db.update(organisations).set({ tier }).where(eq(organisations.id, org.id));
      const err = await store(org.id, secretText()).catch((e) => e);
      expect(err).toBeInstanceOf(FortressError);
      expect(err.code).toBe("conflict");
      expect(err.message).toMatch(tier === "BANK" ? /customer key provider/ : /external key service/);
      await new Promise((r) => setTimeout(r, 20));
      const refused = (await events(org.id)).filter((e) => e.action === "vault.secret.store_refused");
      expect(refused).toHaveLength(1);
      expect(await db.select().from(vaultSecrets).where(eq(vaultSecrets.orgId, org.id))).toEqual([]);
    }
  });

  it("Zero Trust refuses to use a secret not protected by the external key service", async () => {
    const { org } = await newOrg();
    const meta = await store(org.id, secretText());
    const db = await getDb();
    await db.update(organisations).set({ tier: "ZERO_TRUST" }).where(eq(organisations.id, org.id));
    let called = false;
    await expect(withSecret({ orgId: org.id, secretId: meta.id }, "connector", () => (called = true), { actor })).rejects.toMatchObject({ code: "unavailable" });
    expect(called).toBe(false);
  });

  it("runs use guards before anything is unwrapped; a refusing guard is audited", async () => {
    const { org } = await newOrg();
    const meta = await store(org.id, secretText());
    const seen: string[] = [];
    unregister = registerUseGuard(({ secretId, tier }) => {
      seen.push(`${tier}:${secretId}`);
      throw new FortressError("forbidden", "Device not compliant");
    });
    let called = false;
    await expect(withSecret({ orgId: org.id, secretId: meta.id }, "connector", () => (called = true), { actor })).rejects.toMatchObject({
      code: "forbidden",
      message: "Device not compliant",
    });
    expect(called).toBe(false);
    expect(seen).toEqual([`SOHO:${meta.id}`]);
    const [refusal] = (await events(org.id)).filter((e) => e.action === "vault.secret.use_refused");
    expect(refusal.reason).toBe("Device not compliant");
  });

  it("seals and opens objects; a moved object blob fails", async () => {
    const { org } = await newOrg();
    const other = await newOrg();
    const plaintext = Buffer.from(JSON.stringify({ request: "archived body" }));
    const blob = await sealObject({ orgId: org.id, purpose: "archive", objectId: "obj-1", plaintext });
    expect(await openObject({ orgId: org.id, purpose: "archive", objectId: "obj-1", blob }, (p) => p.toString())).toBe(plaintext.toString());
    await expect(openObject({ orgId: org.id, purpose: "archive", objectId: "obj-2", blob }, () => 1)).rejects.toMatchObject({ code: "unavailable" });
    await expect(openObject({ orgId: other.org.id, purpose: "archive", objectId: "obj-1", blob }, () => 1)).rejects.toMatchObject({ code: "unavailable" });
    const db = await getDb();
    const refusals = await db.select().from(auditEvents).where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "vault.object.open_refused")));
    expect(refusals).toHaveLength(1);
  });
});

describe("a use alongside its audit write (calls that change nothing)", () => {
  /** Makes this org's audit inserts slow (or fail), without touching other test files' orgs. */
  async function slowAudit(orgId: string, how: "sleep" | "fail") {
    const db = await getDb();
    const name = `test_audit_${how}_${orgId.replace(/-/g, "")}`;
    const body = how === "sleep" ? "perform pg_sleep(0.3);" : "raise exception 'disk full';";
    await db.execute(
      sql.raw(`create or replace function ${name}() returns trigger as $$ begin if new.org_id = '${orgId}' then ${body} end if; return new; end; $$ language plpgsql`),
    );
    await db.execute(sql.raw(`create trigger ${name} before insert on audit_events for each row execute function ${name}()`));
    return async () => {
      await db.execute(sql.raw(`drop trigger ${name} on audit_events`));
      await db.execute(sql.raw(`drop function ${name}()`));
    };
  }
  const companionEvent = (orgId: string) => ({ orgId, product: "mcp" as const, actor, action: "tools/call", decision: "allow" as const });

  it("runs the call while the events are written, and returns only once they are durable", async () => {
    const { org } = await newOrg();
    const meta = await store(org.id, secretText());
    const undo = await slowAudit(org.id, "sleep");
    try {
      const t0 = performance.now();
      let startedAt = 0;
      let seen: Buffer | undefined;
      const out = await withSecret({ orgId: org.id, secretId: meta.id }, "connector", (p) => {
        startedAt = performance.now() - t0;
        seen = p;
        return "answer";
      }, { actor, companion: { event: companionEvent(org.id), alongside: true } });
      const took = performance.now() - t0;
      expect(out).toBe("answer");
      expect(startedAt).toBeLessThan(250); // did not wait for the 300 ms commit
      expect(took).toBeGreaterThanOrEqual(290); // but did not answer before it
      expect(seen!.every((b) => b === 0)).toBe(true);
      const actions = (await events(org.id)).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(["vault.secret.used", "tools/call"]));
    } finally {
      await undo();
    }
  });

  it("discards the result and refuses when the audit write fails", async () => {
    const { org } = await newOrg();
    const meta = await store(org.id, secretText());
    const undo = await slowAudit(org.id, "fail");
    const discarded: unknown[] = [];
    let seen: Buffer | undefined;
    try {
      await expect(
        withSecret({ orgId: org.id, secretId: meta.id }, "connector", (p) => {
          seen = p;
          return { body: "open stream" };
        }, { actor, companion: { event: companionEvent(org.id), alongside: true, discard: (r) => discarded.push(r) } }),
      ).rejects.toMatchObject({ code: "unavailable" });
      expect(discarded).toEqual([{ body: "open stream" }]);
      expect(seen!.every((b) => b === 0)).toBe(true);
      // Without `alongside`, a failed audit write means the call never runs.
      let called = false;
      await expect(
        withSecret({ orgId: org.id, secretId: meta.id }, "connector", () => (called = true), { actor, companion: { event: companionEvent(org.id) } }),
      ).rejects.toMatchObject({ code: "unavailable" });
      expect(called).toBe(false);
    } finally {
      await undo();
    }
  });
});
