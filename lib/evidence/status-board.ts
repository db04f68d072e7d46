// The Status Board (console landing page, spec 000 "Status Board") from real data: connectors by
// status with their calls today, PAT keys active / expiring with month-to-date spend against caps,
// users, month-to-date spend and its projection. Spend comes from PAT Fortress's pat_spend table
// when it exists (read by name, so this module does not depend on that branch), else from the
// cost recorded on PAT audit events.
import { and, count, eq, gte, isNull, sql } from "drizzle-orm";
import { auditEvents, connectorActions, connectors, memberships, patKeys, vaultSecrets } from "@/db/schema";
import type { DbOrTx } from "../db";

export interface StatusBoard {
  generated_at: string;
  connectors: {
    total: number;
    by_status: Record<string, number>;
    items: { id: string; name: string; slug: string; type: string; status: string; enabled: boolean; tools: number; calls_today: number; denied_today: number }[];
  };
  pat_keys: {
    active: number;
    expiring: number;
    items: { id: string; label: string; status: string; models: string[]; cap_micros: number | null; spend_micros: number; expires_at: string | null; expiring: boolean }[];
  };
  users: { members: number; seats: number | null };
  spend: { month: string; mtd_micros: number; projected_micros: number; source: "pat_spend" | "audit" | "none" };
  requests_today: { mcp: number; pat: number; denied: number };
}

const dayStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
const monthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
const daysInMonth = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();

async function tableExists(db: DbOrTx, name: string): Promise<boolean> {
  const r = await db.execute(sql`select to_regclass(${`public.${name}`}) is not null as present`);
  const rows = (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as { present: boolean }[];
  return !!rows[0]?.present;
}

const rowsOf = <T>(r: unknown): T[] => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];

export async function statusBoard(db: DbOrTx, orgId: string, now = new Date()): Promise<StatusBoard> {
  const today = dayStart(now);
  const month = now.toISOString().slice(0, 7);

  // Connectors with their tool counts and today's MCP calls (resource = connector id or slug).
  const conns = await db.select().from(connectors).where(eq(connectors.orgId, orgId)).orderBy(connectors.name);
  const tools = await db
    .select({ connectorId: connectorActions.connectorId, n: count() })
    .from(connectorActions)
    .innerJoin(connectors, eq(connectors.id, connectorActions.connectorId))
    .where(eq(connectors.orgId, orgId))
    .groupBy(connectorActions.connectorId);
  const calls = await db
    .select({
      resource: auditEvents.resourceId,
      n: count(),
      denied: sql<number>`count(*) filter (where ${auditEvents.decision} = 'deny')`.mapWith(Number),
    })
    .from(auditEvents)
    .where(and(eq(auditEvents.chain, orgId), eq(auditEvents.product, "mcp"), gte(auditEvents.occurredAt, today)))
    .groupBy(auditEvents.resourceId);
  const callsBy = new Map(calls.map((c) => [c.resource ?? "", c]));
  const byStatus: Record<string, number> = {};
  for (const c of conns) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;

  // PAT keys, their credential expiry, and month-to-date spend.
  const keys = await db
    .select({ key: patKeys, expiresAt: vaultSecrets.expiresAt })
    .from(patKeys)
    .leftJoin(vaultSecrets, and(eq(vaultSecrets.id, patKeys.secretId), isNull(vaultSecrets.destroyedAt)))
    .where(and(eq(patKeys.orgId, orgId), sql`${patKeys.status} <> 'REVOKED'`))
    .orderBy(patKeys.label);
  let spendBy = new Map<string, number>();
  let source: StatusBoard["spend"]["source"] = "none";
  if (await tableExists(db, "pat_spend")) {
    const r = rowsOf<{ pat_key_id: string; micros: string | number }>(
      await db.execute(sql`select pat_key_id, settled_micros + reserved_micros as micros from pat_spend where org_id = ${orgId} and month = ${month}`),
    );
    spendBy = new Map(r.map((x) => [x.pat_key_id, Number(x.micros)]));
    source = "pat_spend";
  } else {
    const r = await db
      .select({
        key: auditEvents.resourceId,
        micros: sql<number>`coalesce(sum(coalesce((${auditEvents.metadata}->>'costMicros')::bigint, (${auditEvents.metadata}->>'cost_micros')::bigint, 0)), 0)`.mapWith(Number),
      })
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, orgId), eq(auditEvents.product, "pat"), gte(auditEvents.occurredAt, monthStart(now))))
      .groupBy(auditEvents.resourceId);
    spendBy = new Map(r.map((x) => [x.key ?? "", x.micros]));
    if (r.some((x) => x.micros > 0)) source = "audit";
  }
  const soon = now.getTime() + 7 * 86400_000;
  const keyItems = keys.map(({ key, expiresAt }) => ({
    id: key.id,
    label: key.label,
    status: key.status,
    models: key.models,
    cap_micros: key.monthlyCapMicros,
    spend_micros: spendBy.get(key.id) ?? 0,
    expires_at: expiresAt?.toISOString() ?? null,
    expiring: !!expiresAt && expiresAt.getTime() <= soon,
  }));
  const mtd = source === "pat_spend" ? [...spendBy.values()].reduce((a, b) => a + b, 0) : keyItems.reduce((a, k) => a + k.spend_micros, 0);
  const elapsedDays = Math.max(1 / 24, (now.getTime() - monthStart(now).getTime()) / 86400_000);

  const [members] = await db.select({ n: count() }).from(memberships).where(eq(memberships.orgId, orgId));
  const [today_] = await db
    .select({
      mcp: sql<number>`count(*) filter (where ${auditEvents.product} = 'mcp')`.mapWith(Number),
      pat: sql<number>`count(*) filter (where ${auditEvents.product} = 'pat')`.mapWith(Number),
      denied: sql<number>`count(*) filter (where ${auditEvents.decision} = 'deny' and ${auditEvents.product} in ('mcp','pat'))`.mapWith(Number),
    })
    .from(auditEvents)
    .where(and(eq(auditEvents.chain, orgId), gte(auditEvents.occurredAt, today)));

  return {
    generated_at: now.toISOString(),
    connectors: {
      total: conns.length,
      by_status: byStatus,
      items: conns.map((c) => {
        const k = callsBy.get(c.id) ?? callsBy.get(c.slug);
        return {
          id: c.id,
          name: c.name,
          slug: c.slug,
          type: c.type,
          status: c.status,
          enabled: c.enabled,
          tools: tools.find((t) => t.connectorId === c.id)?.n ?? 0,
          calls_today: k?.n ?? 0,
          denied_today: k?.denied ?? 0,
        };
      }),
    },
    pat_keys: { active: keyItems.filter((k) => k.status === "ACTIVE").length, expiring: keyItems.filter((k) => k.expiring).length, items: keyItems },
    users: { members: members?.n ?? 0, seats: null },
    spend: { month, mtd_micros: mtd, projected_micros: Math.round((mtd / elapsedDays) * daysInMonth(now)), source },
    requests_today: { mcp: today_?.mcp ?? 0, pat: today_?.pat ?? 0, denied: today_?.denied ?? 0 },
  };
}
