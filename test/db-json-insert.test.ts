// insertRowsAsJson: many rows through one JSON parameter read back exactly as drizzle's own insert
// writes them (every column type of pat_requests, NULLs, quotes, unicode, dates).
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { insertRowsAsJson } from "@/db/json-insert";
import { patRequests } from "@/db/schema";
import { getDb } from "@/lib/db";
import { newOrg } from "./helpers";

type Row = typeof patRequests.$inferInsert;

const row = (orgId: string, over: Partial<Row> = {}): Row => ({
  id: randomUUID(),
  orgId,
  createdAt: new Date("2026-11-23T10:11:12.345Z"),
  endpoint: "messages",
  principalKind: "user",
  principalId: randomUUID(),
  principalLabel: `O'Brien "quoted" — ünïcødé ✓ \\ back`,
  apiKeyId: randomUUID(),
  patKeyId: null,
  patKeyLabel: null,
  model: "claude-sonnet-4-6",
  stream: true,
  clientIp: "2001:db8::1",
  status: 200,
  decision: "allow",
  reason: null,
  latencyMs: 12,
  ttftMs: null,
  inputTokens: 10,
  outputTokens: 20,
  cacheCreationTokens: 0,
  cacheReadTokens: 3,
  costMicros: 9_007_199_254_740, // beyond int4
  reservedMicros: 0,
  priceVersion: "2026-11",
  upstreamRequestId: "req_1",
  archiveStatus: "stored",
  archiveKey: "a/b",
  archiveSha256: "0".repeat(64),
  archiveKeyVersion: 2,
  archiveError: null,
  ...over,
});

describe("insertRowsAsJson", () => {
  it("writes what drizzle's insert writes, for every column type", async () => {
    const { org } = await newOrg();
    const db = await getDb();
    const viaJson = [row(org.id), row(org.id, { stream: false, patKeyId: randomUUID(), reason: "upstream 529", decision: "error", archiveStatus: "none", archiveKey: null })];
    const viaDrizzle = viaJson.map((r) => ({ ...r, id: randomUUID() }));
    await db.execute(insertRowsAsJson(patRequests, viaJson));
    await db.insert(patRequests).values(viaDrizzle);
    const read = async (id: string) => {
      const [r] = await db.select().from(patRequests).where(eq(patRequests.id, id));
      return { ...r, id: "" };
    };
    for (let i = 0; i < viaJson.length; i++) {
      expect(await read(viaJson[i].id)).toEqual(await read(viaDrizzle[i].id));
      expect(await read(viaJson[i].id)).toMatchObject({ ...viaJson[i], id: "" });
    }
  });

  it("refuses an empty list and a key that is not a column", () => {
    expect(() => insertRowsAsJson(patRequests, [])).toThrow(/no rows/);
    expect(() => insertRowsAsJson(patRequests, [{ ...row(randomUUID()), bogus: 1 } as Row])).toThrow(/no column bogus/);
  });
});
