// Legacy-era (2025-06-18 / 2025-11-25) MCP sessions, kept in the database so that any instance can
// serve any request of a session. A session belongs to the caller that initialised it: another
// caller presenting its id gets 404, exactly like an unknown id (no cross-tenant oracle).
import { and, eq, isNull } from "drizzle-orm";
import { mcpSessions, type McpSession } from "@/db/schema";
import type { Database } from "../../db";
import type { Principal } from "../../identity/principal";

/** A session idle for longer than this is over (404); the client starts a new one. */
export const SESSION_IDLE_MS = 24 * 60 * 60 * 1000;
/** last_seen_at is written at most this often per session and instance (off the request path). */
const TOUCH_INTERVAL_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NewSession {
  protocolVersion: string;
  clientInfo: Record<string, unknown>;
  clientCapabilities: Record<string, unknown>;
}

export function sessionStore(db: () => Promise<Database>) {
  const touched = new Map<string, number>();

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
      return row;
    },

    /** The live session with this id belonging to this caller (same org and subject), or null. */
    async find(principal: Principal, id: string, now = Date.now()): Promise<McpSession | null> {
      if (!UUID.test(id)) return null;
      const [row] = await (await db())
        .select()
        .from(mcpSessions)
        .where(and(eq(mcpSessions.id, id), eq(mcpSessions.orgId, principal.orgId), isNull(mcpSessions.expiredAt)))
        .limit(1);
      if (!row || row.principalKind !== principal.kind || row.principalId !== principal.id) return null;
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
      return rows.length > 0;
    },
  };
}

export type SessionStore = ReturnType<typeof sessionStore>;
