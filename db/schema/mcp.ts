// MCP Fortress sessions (protocol revisions 2025-06-18 / 2025-11-25, which have an initialize
// handshake and an Mcp-Session-Id). Stored in the database, not in memory, so any instance serves any
// request of a session: no sticky routing. The stateless 2026-07-28 revision needs no row at all.
import { index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { organisations } from "./accounts";
import { ts } from "./columns";

export const mcpSessions = pgTable(
  "mcp_sessions",
  {
    /** The Mcp-Session-Id: a random UUID (122 bits), visible ASCII as the transport requires. */
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    /** The caller that initialised it; a request with another caller's key gets 404 for this session. */
    principalKind: text("principal_kind", { enum: ["user", "service_account"] }).notNull(),
    principalId: uuid("principal_id").notNull(),
    apiKeyId: uuid("api_key_id").notNull(),
    /** The negotiated protocol version (2025-06-18 or 2025-11-25). */
    protocolVersion: text("protocol_version").notNull(),
    /** clientInfo and capabilities as the client declared them at initialize (self-reported). */
    clientInfo: jsonb("client_info").$type<Record<string, unknown>>().notNull().default({}),
    clientCapabilities: jsonb("client_capabilities").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: ts("created_at").notNull().defaultNow(),
    initializedAt: ts("initialized_at"),
    lastSeenAt: ts("last_seen_at").notNull().defaultNow(),
    /** Set by DELETE (client ended it) or by expiry; later requests with this id get 404. */
    expiredAt: ts("expired_at"),
  },
  (t) => [index("mcp_sessions_org_idx").on(t.orgId), index("mcp_sessions_last_seen_idx").on(t.lastSeenAt)],
);

export type McpSession = typeof mcpSessions.$inferSelect;
