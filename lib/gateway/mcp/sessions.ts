// Legacy-era (2025-06-18 / 2025-11-25) MCP sessions, kept in the database so that any instance can
// serve any request of a session. A session belongs to the caller that initialised it: another
// caller presenting its id gets 404, exactly like an unknown id (no cross-tenant oracle).
//
// Live sessions are cached in-process for SESSION_CACHE_MS after their read, so a session's calls do
// not each wait for a database read before anything else can start. An ended session must answer 404
// on every instance at once (the MCP spec's MUST), so DELETE drops it from this instance's cache and
// tells the others over the MCP change bus (lib/gateway/mcp/changes.ts); if that message is lost, the
// cache's age bound ends the session everywhere within 500 ms. Only live sessions are cached: an
// unknown id is always looked up, so a session created on one instance is found on every other one.
// The session is not a credential: the caller's API key is checked on every request, cached or not.
import { and, eq, isNull } from "drizzle-orm";
import { mcpSessions, type McpSession } from "@/db/schema";
import type { Database } from "../../db";
import type { Principal } from "../../identity/principal";
import { notifySessionEnded, observeEndedSessions } from "./changes";

/** A session idle for longer than this is over (404); the client starts a new one. */
export const SESSION_IDLE_MS = 24 * 60 * 60 * 1000;
/** last_seen_at is written at most this often per session and instance (off the request path). */
const TOUCH_INTERVAL_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How long a live session read from the database is believed (the API-key revocation window). */
export const SESSION_CACHE_MS = 500;
const SESSION_CACHE_MAX = 10_000;

/**
 * This instance's live sessions (module state: one per app instance). `ended` remembers sessions
 * ended while a read of them may still be under way, so that read cannot put them back.
 */
const live = new Map<string, { row: McpSession; readAt: number }>();
const ended = new Map<string, number>();
let listening = false;

function forget(sessionId: string, now = Date.now()): void {
  live.delete(sessionId);
  if (ended.size >= SESSION_CACHE_MAX) ended.clear();
  ended.set(sessionId, now);
}

function remember(row: McpSession, readAt: number): void {
  const endedAt = ended.get(row.id);
  if (endedAt !== undefined && endedAt >= readAt) return;
  if (live.size >= SESSION_CACHE_MAX) live.clear();
  live.set(row.id, { row, readAt });
}

/** Empties this instance's session cache (tests). */
export function forgetCachedSessions(): void {
  live.clear();
  ended.clear();
}

export interface NewSession {
  protocolVersion: string;
  clientInfo: Record<string, unknown>;
  clientCapabilities: Record<string, unknown>;
}

export function sessionStore(db: () => Promise<Database>, cacheMs = SESSION_CACHE_MS) {
  const touched = new Map<string, number>();
  if (!listening) {
    listening = true;
    observeEndedSessions((id) => forget(id));
  }

  return {
    async create(principal: Principal, input: NewSession): Promise<McpSession> {
      const [row] = await (await db())
        .insert(mcpSessions)
        .values({
          orgId: principal.orgId,
          principalKind: principal.kind,
          principalId: principal.id,
          apiKeyId: principal.apiKeyId,
          protocolVersion: input.protocolVersion,
          clientInfo: input.clientInfo,
          clientCapabilities: input.clientCapabilities,
        })
        .returning();
      remember(row, Date.now());
      return row;
    },

    /** The live session with this id belonging to this caller (same org and subject), or null. */
    async find(principal: Principal, id: string, now = Date.now()): Promise<McpSession | null> {
      if (!UUID.test(id)) return null;
      const hit = live.get(id);
      let row: McpSession | undefined = hit && Date.now() - hit.readAt < cacheMs ? hit.row : undefined;
      if (!row) {
        const readAt = Date.now();
        [row] = await (await db())
          .select()
          .from(mcpSessions)
          .where(and(eq(mcpSessions.id, id), eq(mcpSessions.orgId, principal.orgId), isNull(mcpSessions.expiredAt)))
          .limit(1);
        if (row) remember(row, readAt);
      }
      // The same checks for a cached row as the query makes: another org's or caller's id is unknown.
      if (!row || row.orgId !== principal.orgId || row.principalKind !== principal.kind || row.principalId !== principal.id) return null;
      if (now - row.lastSeenAt.getTime() > SESSION_IDLE_MS) return null;
      const last = touched.get(id) ?? 0;
      if (now - last >= TOUCH_INTERVAL_MS) {
        touched.set(id, now);
        if (touched.size > 10_000) touched.clear();
        void db()
          .then((d) => d.update(mcpSessions).set({ lastSeenAt: new Date(now) }).where(eq(mcpSessions.id, id)))
          .catch(() => {}); // bookkeeping only: a missed touch costs at most an earlier expiry
      }
      return row;
    },

    async markInitialized(sessionId: string): Promise<void> {
      live.delete(sessionId); // re-read with its initialized_at on next use
      await (await db())
        .update(mcpSessions)
        .set({ initializedAt: new Date() })
        .where(and(eq(mcpSessions.id, sessionId), isNull(mcpSessions.initializedAt)));
    },

    /** Ends the session (DELETE). Returns false when there was nothing live to end. */
    async expire(principal: Principal, id: string): Promise<boolean> {
      if (!UUID.test(id)) return false;
      const rows = await (await db())
        .update(mcpSessions)
        .set({ expiredAt: new Date() })
        .where(
          and(
            eq(mcpSessions.id, id),
            eq(mcpSessions.orgId, principal.orgId),
            eq(mcpSessions.principalId, principal.id),
            isNull(mcpSessions.expiredAt),
          ),
        )
        .returning({ id: mcpSessions.id });
      touched.delete(id);
      forget(id);
      if (rows.length > 0) await notifySessionEnded(principal.orgId, id);
      return rows.length > 0;
    },
  };
}

export type SessionStore = ReturnType<typeof sessionStore>;
