import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { outboxEvents } from "@/db/schema";
import { getDb } from "@/lib/db";
import { enqueueEvent } from "@/lib/outbox/enqueue";
import { newOrg } from "./helpers";

describe("outbox", () => {
  it("stores an event once per dedupe key, and only if the surrounding transaction commits", async () => {
    const { org } = await newOrg();
    const db = await getDb();
    await enqueueEvent(db, { orgId: org.id, type: "credential.expiring", payload: { id: "c1" }, dedupeKey: "c1:2026-11-22" });
    await enqueueEvent(db, { orgId: org.id, type: "credential.expiring", payload: { id: "c1" }, dedupeKey: "c1:2026-11-22" });
    await db
      .transaction(async (tx) => {
        await enqueueEvent(tx, { orgId: org.id, type: "user.overage", payload: {} });
        throw new Error("rolled back");
      })
      .catch(() => {});
    const rows = await db.select().from(outboxEvents).where(eq(outboxEvents.orgId, org.id));
    expect(rows.map((r) => [r.type, r.status])).toEqual([["credential.expiring", "pending"]]);
  });
});
