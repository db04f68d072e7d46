// The live-session cache of lib/gateway/mcp/sessions.ts: a session's calls do not each read the
// database, an ended session is over at once on every instance that hears the end, and over within
// SESSION_CACHE_MS on one that does not; a cached row is never answered to another org or caller.
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { mcpSessions } from "@/db/schema";
import { getDb } from "@/lib/db";
import { observeEndedSessions } from "@/lib/gateway/mcp/changes";
import { forgetCachedSessions, SESSION_CACHE_MS, sessionStore } from "@/lib/gateway/mcp/sessions";
import type { Principal } from "@/lib/identity/principal";
import { newOrg } from "./helpers";

function principalOf(owner: Awaited<ReturnType<typeof newOrg>>, apiKeyId = "00000000-0000-4000-8000-000000000001"): Principal {
  return { orgId: owner.org.id, tier: "SOHO", products: ["MCP"], kind: "user", id: owner.user.id, label: owner.email, apiKeyId, consoleRole: null };
}

const newSession = { protocolVersion: "2025-11-25", clientInfo: {}, clientCapabilities: {} };

/** Ends a session behind the store's back: no message, as when the end message is lost. */
async function endSilently(id: string) {
  await (await getDb()).update(mcpSessions).set({ expiredAt: new Date() }).where(eq(mcpSessions.id, id));
}

describe("MCP live-session cache", () => {
  beforeEach(() => forgetCachedSessions());

  it("a live session is answered from the cache: no database read per call", async () => {
    const owner = await newOrg("Cache One");
    const p = principalOf(owner);
    const store = sessionStore(getDb, 60_000);
    const s = await store.create(p, newSession);
    await endSilently(s.id);
    // The row says ended, yet the store answers from what it read: it did not go back to the database.
    expect((await store.find(p, s.id))?.id).toBe(s.id);
    // With no cache, the same store reads the row on every call.
    expect(await sessionStore(getDb, 0).find(p, s.id)).toBeNull();
  });

  it("a session ended without a message is over within SESSION_CACHE_MS", async () => {
    const owner = await newOrg("Cache Two");
    const p = principalOf(owner);
    const store = sessionStore(getDb);
    const s = await store.create(p, newSession);
    expect((await store.find(p, s.id))?.id).toBe(s.id);
    await endSilently(s.id);
    await new Promise((r) => setTimeout(r, SESSION_CACHE_MS + 50));
    expect(await store.find(p, s.id)).toBeNull();
  });

  it("DELETE drops the session from every instance's cache at once and announces it", async () => {
    const owner = await newOrg("Cache Three");
    const p = principalOf(owner);
    const store = sessionStore(getDb, 60_000);
    const heard: string[] = [];
    const stop = observeEndedSessions((id) => heard.push(id));
    try {
      const s = await store.create(p, newSession);
      expect((await store.find(p, s.id))?.id).toBe(s.id);
      expect(await store.expire(p, s.id)).toBe(true);
      expect(heard).toContain(s.id);
      expect(await store.find(p, s.id)).toBeNull();
    } finally {
      stop();
    }
  });

  it("a cached session is unknown to another org and to another caller of the same org", async () => {
    const a = await newOrg("Cache Four");
    const b = await newOrg("Cache Five");
    const store = sessionStore(getDb, 60_000);
    const s = await store.create(principalOf(a), newSession);
    expect((await store.find(principalOf(a), s.id))?.id).toBe(s.id);
    expect(await store.find(principalOf(b), s.id)).toBeNull();
    expect(await store.find({ ...principalOf(a), id: b.user.id }, s.id)).toBeNull();
    expect(await store.find({ ...principalOf(a), kind: "service_account" }, s.id)).toBeNull();
  });
});
