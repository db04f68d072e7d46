// Connectors (MCP Fortress): an org's configured SaaS tool or upstream MCP server, and the actions
// (tools) it exposes. Shared seam: the policy engine grants/denies per (connector, action); the MCP
// gateway exposes actions as `<connector slug>__<action name>`.
import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organisations } from "./accounts";
import { id, lifecycleDates, ts } from "./columns";

/** Spec 000 "Connector Lifecycle". KILLED = admin kill switch. */
export const CONNECTOR_STATUSES = ["PENDING", "ACTIVE", "OFFLINE", "KILLED"] as const;
export type ConnectorStatus = (typeof CONNECTOR_STATUSES)[number];

export const connectors = pgTable(
  "connectors",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    /** Catalog type: "zendesk", "slack", "github", "jira", "salesforce", "openapi", "mcp". */
    type: text("type").notNull(),
    /** Tool-name prefix, unique per org: [a-z0-9_]+ without "__". */
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    status: text("status", { enum: CONNECTOR_STATUSES }).notNull().default("PENDING"),
    /** Layer 1 toggle: false = nobody may use it, whatever their role. */
    enabled: boolean("enabled").notNull().default(true),
    /** Non-secret configuration (subdomain, site URL, upstream URL…). Never a credential. */
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    /** The vault secret holding this connector's credential (lib/vault). */
    secretId: uuid("secret_id"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    lastTestedAt: ts("last_tested_at"),
    lastError: text("last_error"),
    ...lifecycleDates,
  },
  (t) => [
    uniqueIndex("connectors_org_slug_unique").on(t.orgId, t.slug),
    check("connectors_status_check", sql`${t.status} IN ('PENDING','ACTIVE','OFFLINE','KILLED')`),
  ],
);

/**
 * The actions a connector exposes. For catalog vendors they are written from the catalog when the
 * connector is created; for OpenAPI connectors the admin picks operations; for upstream MCP servers
 * they are discovered, and `pinnedHash` holds the approved definition (tool-poisoning defence).
 */
export const connectorActions = pgTable(
  "connector_actions",
  {
    id: id(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    connectorId: uuid("connector_id").notNull().references(() => connectors.id, { onDelete: "cascade" }),
    /** Action name without the connector prefix: "list_tickets". */
    name: text("name").notNull(),
    title: text("title"),
    description: text("description").notNull().default(""),
    inputSchema: jsonb("input_schema").$type<Record<string, unknown>>().notNull().default({ type: "object" }),
    outputSchema: jsonb("output_schema").$type<Record<string, unknown>>(),
    destructive: boolean("destructive").notNull().default(false),
    readOnly: boolean("read_only").notNull().default(false),
    /** False = held back (e.g. an upstream tool whose definition changed and awaits approval). */
    exposed: boolean("exposed").notNull().default(true),
    /** SHA-256 of the approved definition (upstream MCP tools); pendingHash = changed, awaiting approval. */
    pinnedHash: text("pinned_hash"),
    pendingHash: text("pending_hash"),
    pendingDefinition: jsonb("pending_definition").$type<Record<string, unknown>>(),
    /** Connector-specific execution details (OpenAPI method/path, upstream tool name…). */
    binding: jsonb("binding").$type<Record<string, unknown>>().notNull().default({}),
    ...lifecycleDates,
  },
  (t) => [
    uniqueIndex("connector_actions_connector_name_unique").on(t.connectorId, t.name),
    index("connector_actions_org_idx").on(t.orgId),
  ],
);
