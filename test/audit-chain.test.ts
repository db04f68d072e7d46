// The audit core: hash-chained per org, append-only in the database, verifiable row by row.
import { and, eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { auditEvents, changeLog } from "@/db/schema";
import { chainHash, GENESIS_HASH, verifyChain, type ChainedRow } from "@/lib/audit/chain";
import { recordAuditEvent } from "@/lib/audit/record";
import { verifyStoredChain } from "@/lib/audit/verify";
import { getDb } from "@/lib/db";
import { newOrg } from "./helpers";

const actor = { type: "system" as const, id: null, label: "test" };

async function orgWithEvents(n: number) {
  const { org } = await newOrg("Audited");
  const db = await getDb();
  for (let i = 0; i < n; i++) {
    await recordAuditEvent(db, { orgId: org.id, product: "mcp", actor, action: "tool.call", decision: i % 2 ? "allow" : "deny", reason: `r${i}`, metadata: { i } });
  }
  return org.id;
}

/** Runs `fn` with the append-only triggers off, as an attacker with table-owner rights would. */
async function asTamperer(fn: (db: Awaited<ReturnType<typeof getDb>>) => Promise<unknown>) {
  const db = await getDb();
  await db.execute(sql`alter table audit_events disable trigger user`);
  await db.execute(sql`alter table change_log disable trigger user`);
  try {
    await fn(db);
  } finally {
    await db.execute(sql`alter table audit_events enable trigger user`);
    await db.execute(sql`alter table change_log enable trigger user`);
  }
}

describe("audit chain in the database", () => {
  it("verifies a clean chain, including the sign-up's own entries", async () => {
    const orgId = await orgWithEvents(5);
    const db = await getDb();
    await expect(verifyStoredChain(db, orgId, "events")).resolves.toMatchObject({ ok: true, checked: 6 });
    await expect(verifyStoredChain(db, orgId, "changes")).resolves.toMatchObject({ ok: true, checked: 2 });
  });

  it("refuses UPDATE, DELETE and TRUNCATE on audit tables", async () => {
    const orgId = await orgWithEvents(1);
    const db = await getDb();
    await expect(db.update(auditEvents).set({ reason: "edited" }).where(eq(auditEvents.orgId, orgId))).rejects.toThrow();
    await expect(db.delete(auditEvents).where(eq(auditEvents.orgId, orgId))).rejects.toThrow();
    await expect(db.update(changeLog).set({ actorLabel: "someone else" }).where(eq(changeLog.orgId, orgId))).rejects.toThrow();
    await expect(db.delete(changeLog).where(eq(changeLog.orgId, orgId))).rejects.toThrow();
    await expect(db.execute(sql`truncate audit_events`)).rejects.toThrow();
    await expect(db.execute(sql`truncate change_log`)).rejects.toThrow();
    await expect(verifyStoredChain(db, orgId, "events")).resolves.toMatchObject({ ok: true });
  });

  it("finds an edited row", async () => {
    const orgId = await orgWithEvents(5);
    await asTamperer((db) =>
      db.update(auditEvents).set({ decision: "allow", reason: "nothing to see" }).where(and(eq(auditEvents.chain, orgId), eq(auditEvents.seq, 3))),
    );
    await expect(verifyStoredChain(await getDb(), orgId, "events")).resolves.toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it("finds a deleted row in the middle and at the tail", async () => {
    const orgId = await orgWithEvents(5);
    await asTamperer((db) => db.delete(auditEvents).where(and(eq(auditEvents.chain, orgId), eq(auditEvents.seq, 4))));
    await expect(verifyStoredChain(await getDb(), orgId, "events")).resolves.toMatchObject({ ok: false, firstBadSeq: 4 });

    const other = await orgWithEvents(3);
    await asTamperer((db) => db.delete(auditEvents).where(and(eq(auditEvents.chain, other), eq(auditEvents.seq, 4))));
    await expect(verifyStoredChain(await getDb(), other, "events")).resolves.toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it("finds an edited change-log entry", async () => {
    const { org } = await newOrg("Changes");
    await asTamperer((db) => db.update(changeLog).set({ after: { console_role: "member" } }).where(eq(changeLog.orgId, org.id)));
    await expect(verifyStoredChain(await getDb(), org.id, "changes")).resolves.toMatchObject({ ok: false, firstBadSeq: 1 });
  });

  it("keeps one gapless chain under concurrent appends", async () => {
    const { org } = await newOrg("Busy");
    const db = await getDb();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => recordAuditEvent(db, { orgId: org.id, product: "pat", actor, action: "x", decision: "allow", metadata: { i } })),
    );
    await expect(verifyStoredChain(db, org.id, "events")).resolves.toMatchObject({ ok: true, checked: 21 });
  });
});

describe.skipIf(!process.env.DATABASE_URL)("audit append on Postgres", () => {
  it("the known-head append is a statement prepared once per connection, and the chain stays valid", async () => {
    const { openDatabase } = await import("@/db/client");
    const { appendAtKnownHead } = await import("@/lib/audit/record");
    const { auditChainHeads } = await import("@/db/schema");
    // One connection, so the second append reuses what the first prepared.
    const handle = await openDatabase({ url: process.env.DATABASE_URL!, dataDir: "memory://", poolSize: 1 });
    try {
      const { org } = await newOrg("Prepared");
      const [head] = await handle.db.select().from(auditChainHeads).where(and(eq(auditChainHeads.chain, org.id), eq(auditChainHeads.stream, "events")));
      const first = await appendAtKnownHead(handle.db, org.id, { seq: Number(head.seq), hash: head.hash }, [{ orgId: org.id, product: "mcp", actor, action: "tool.call", decision: "allow" }]);
      expect(first).not.toBeNull();
      const second = await appendAtKnownHead(handle.db, org.id, first!.head, [{ orgId: org.id, product: "mcp", actor, action: "tool.call", decision: "deny" }]);
      expect(second).not.toBeNull();
      const prepared = (await handle.db.execute(sql`select name from pg_prepared_statements`)) as unknown as { rows: { name: string }[] };
      expect(prepared.rows.map((r) => r.name)).toContain("fortress_audit_append_at_head");
      // A stale head writes nothing (compare-and-set), prepared or not.
      await expect(appendAtKnownHead(handle.db, org.id, first!.head, [{ orgId: org.id, product: "mcp", actor, action: "tool.call", decision: "allow" }])).resolves.toBeNull();
      await expect(verifyStoredChain(await getDb(), org.id, "events")).resolves.toMatchObject({ ok: true });
    } finally {
      await handle.close();
    }
  });
});

describe("verifyChain (pure)", () => {
  const build = (fields: Record<string, unknown>[]): ChainedRow[] => {
    let prev = GENESIS_HASH;
    return fields.map((f, i) => {
      const hash = chainHash(prev, f);
      const row = { seq: i + 1, prevHash: prev, hash, fields: f };
      prev = hash;
      return row;
    });
  };
  const arbRows = fc.array(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue(), { maxKeys: 5 }), { minLength: 2, maxLength: 20 });

  it("accepts any clean chain and rejects any single-row change, removal or swap", () => {
    fc.assert(
      fc.property(arbRows, fc.nat(), fc.string({ minLength: 1 }), (fields, pick, value) => {
        const rows = build(fields);
        expect(verifyChain(rows).ok).toBe(true);
        const i = pick % rows.length;
        const edited = rows.map((r, j) => (j === i ? { ...r, fields: { ...r.fields, __tamper: value } } : r));
        expect(verifyChain(edited)).toMatchObject({ ok: false, firstBadSeq: i + 1 });
        const removed = rows.filter((_, j) => j !== i);
        if (i < rows.length - 1) expect(verifyChain(removed).ok).toBe(false);
        const j = (i + 1) % rows.length;
        const swapped = [...rows];
        [swapped[i], swapped[j]] = [swapped[j], swapped[i]];
        expect(verifyChain(swapped).ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
