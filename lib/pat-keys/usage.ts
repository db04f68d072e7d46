// PAT usage for the admin API and the Settings → PAT Usage screen: per key, requests in total and
// per model, estimated spend per day, and the distance to the monthly cap. Estimates from
// Anthropic's published rates (lib/gateway/pat/pricing.ts), for budget planning only.
import { and, eq, gte, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { patKeys, patRequests, patSpend, type PatKeyStatus } from "@/db/schema";
import type { Database } from "../db";
import { FortressError } from "../errors";
import { PRICE_TABLE_VERSION } from "../gateway/pat/pricing";
import { utcMonth } from "../gateway/pat/spend";
import { getPatKey, microsToUsd } from "./pat-keys";

export const ZUsageQuery = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be YYYY-MM").optional() });

function monthRange(month: string): [Date, Date] {
  const [y, m] = month.split("-").map(Number);
  return [new Date(Date.UTC(y, m - 1, 1)), new Date(Date.UTC(y, m, 1))];
}

export interface KeyUsage {
  pat_key_id: string;
  label: string;
  status: PatKeyStatus;
  month: string;
  price_table_version: string;
  requests: { total: number; allowed: number; denied: number; errors: number };
  tokens: { input: number; output: number; cache_creation: number; cache_read: number };
  spend_usd: number;
  reserved_usd: number;
  monthly_cap_usd: number | null;
  remaining_usd: number | null;
  cap_used_pct: number | null;
  alert_threshold_pct: number;
  by_model: { model: string; requests: number; input_tokens: number; output_tokens: number; spend_usd: number }[];
  daily: { day: string; requests: number; spend_usd: number }[];
}

const num = (v: unknown) => Number(v ?? 0);

export async function keyUsage(db: Database, orgId: string, patKeyId: string, month = utcMonth(new Date())): Promise<KeyUsage> {
  const key = await getPatKey(db, orgId, patKeyId);
  const [from, to] = monthRange(month);
  const scope = and(eq(patRequests.orgId, orgId), eq(patRequests.patKeyId, patKeyId), gte(patRequests.createdAt, from), lt(patRequests.createdAt, to));
  const [totals] = await db
    .select({
      total: sql<number>`count(*)`,
      allowed: sql<number>`count(*) filter (where ${patRequests.decision} = 'allow')`,
      denied: sql<number>`count(*) filter (where ${patRequests.decision} = 'deny')`,
      errors: sql<number>`count(*) filter (where ${patRequests.decision} = 'error')`,
      input: sql<number>`coalesce(sum(${patRequests.inputTokens}), 0)`,
      output: sql<number>`coalesce(sum(${patRequests.outputTokens}), 0)`,
      cw: sql<number>`coalesce(sum(${patRequests.cacheCreationTokens}), 0)`,
      cr: sql<number>`coalesce(sum(${patRequests.cacheReadTokens}), 0)`,
    })
    .from(patRequests)
    .where(scope);
  const byModel = await db
    .select({
      model: sql<string>`coalesce(${patRequests.model}, '(none)')`,
      requests: sql<number>`count(*)`,
      input: sql<number>`coalesce(sum(${patRequests.inputTokens}), 0)`,
      output: sql<number>`coalesce(sum(${patRequests.outputTokens}), 0)`,
      cost: sql<number>`coalesce(sum(${patRequests.costMicros}), 0)`,
    })
    .from(patRequests)
    .where(scope)
    .groupBy(sql`1`)
    .orderBy(sql`2 desc`);
  const daily = await db
    .select({
      day: sql<string>`to_char(${patRequests.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`,
      requests: sql<number>`count(*)`,
      cost: sql<number>`coalesce(sum(${patRequests.costMicros}), 0)`,
    })
    .from(patRequests)
    .where(scope)
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  const [spend] = await db.select().from(patSpend).where(and(eq(patSpend.orgId, orgId), eq(patSpend.patKeyId, patKeyId), eq(patSpend.month, month)));
  const settled = spend?.settledMicros ?? 0;
  const reserved = spend?.reservedMicros ?? 0;
  const cap = key.monthlyCapMicros;
  return {
    pat_key_id: key.id,
    label: key.label,
    status: key.status,
    month,
    price_table_version: PRICE_TABLE_VERSION,
    requests: { total: num(totals?.total), allowed: num(totals?.allowed), denied: num(totals?.denied), errors: num(totals?.errors) },
    tokens: { input: num(totals?.input), output: num(totals?.output), cache_creation: num(totals?.cw), cache_read: num(totals?.cr) },
    spend_usd: settled / 1_000_000,
    reserved_usd: reserved / 1_000_000,
    monthly_cap_usd: microsToUsd(cap),
    remaining_usd: cap === null ? null : Math.max(0, cap - settled - reserved) / 1_000_000,
    cap_used_pct: cap === null || cap === 0 ? null : Math.round((settled / cap) * 1000) / 10,
    alert_threshold_pct: key.alertThresholdPct,
    by_model: byModel.map((m) => ({ model: m.model, requests: num(m.requests), input_tokens: num(m.input), output_tokens: num(m.output), spend_usd: num(m.cost) / 1_000_000 })),
    daily: daily.map((d) => ({ day: d.day, requests: num(d.requests), spend_usd: num(d.cost) / 1_000_000 })),
  };
}

/** Org-wide metering: every PAT key's usage for the month. */
export async function orgUsage(db: Database, orgId: string, month = utcMonth(new Date())) {
  if (!/^\d{4}-\d{2}$/.test(month)) throw new FortressError("invalid_request", "month: must be YYYY-MM");
  const keys = await db.select({ id: patKeys.id, status: patKeys.status }).from(patKeys).where(eq(patKeys.orgId, orgId)).orderBy(patKeys.createdAt);
  const perKey = [];
  for (const k of keys) {
    const u = await keyUsage(db, orgId, k.id, month);
    if (k.status === "REVOKED" && u.requests.total === 0) continue;
    perKey.push(u);
  }
  return {
    month,
    price_table_version: PRICE_TABLE_VERSION,
    totals: {
      requests: perKey.reduce((a, k) => a + k.requests.total, 0),
      spend_usd: perKey.reduce((a, k) => a + k.spend_usd, 0),
      input_tokens: perKey.reduce((a, k) => a + k.tokens.input, 0),
      output_tokens: perKey.reduce((a, k) => a + k.tokens.output, 0),
    },
    pat_keys: perKey,
  };
}
