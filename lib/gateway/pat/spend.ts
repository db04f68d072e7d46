// Race-free monthly spend caps, in Postgres because they are money and must hold across instances.
// Admission reserves the request's maximum cost with ONE conditional upsert: the row lock taken by
// INSERT … ON CONFLICT DO UPDATE serialises concurrent reservations, and the WHERE refuses any
// amount that would take reserved + settled past the cap. Completion moves the reservation to its
// real cost; a failure releases it. Months are UTC calendar months ("2026-11").
import { and, eq, sql } from "drizzle-orm";
import { patSpend } from "@/db/schema";
import type { DbOrTx } from "../../db";

export function utcMonth(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, "0")}`;
}

export interface ReserveInput {
  orgId: string;
  patKeyId: string;
  month: string;
  amountMicros: number;
  /** null = no cap (the reservation is still recorded, for the usage screens) */
  capMicros: number | null;
}

export interface SpendState {
  reservedMicros: number;
  settledMicros: number;
}

/** Reserves `amountMicros`, or returns null when that would cross the cap. */
export async function reserveSpend(db: DbOrTx, input: ReserveInput): Promise<SpendState | null> {
  if (input.capMicros !== null && input.amountMicros > input.capMicros) return null;
  const cap = input.capMicros;
  const rows = await db
    .insert(patSpend)
    .values({ orgId: input.orgId, patKeyId: input.patKeyId, month: input.month, reservedMicros: input.amountMicros })
    .onConflictDoUpdate({
      target: [patSpend.patKeyId, patSpend.month],
      set: { reservedMicros: sql`${patSpend.reservedMicros} + ${input.amountMicros}`, updatedAt: sql`now()` },
      setWhere:
        cap === null
          ? undefined
          : sql`${patSpend.reservedMicros} + ${patSpend.settledMicros} + ${input.amountMicros} <= ${cap}`,
    })
    .returning({ reservedMicros: patSpend.reservedMicros, settledMicros: patSpend.settledMicros });
  return rows[0] ?? null;
}

export interface SettleResult extends SpendState {
  requests: number;
  alertedAt: Date | null;
}

/**
 * Replaces a reservation by the real cost (0 and countRequest=false = a plain release). An upsert:
 * uncapped keys reserve nothing, so their month row may not exist yet.
 */
export async function settleSpend(
  db: DbOrTx,
  key: { orgId: string; patKeyId: string; month: string },
  reservedMicros: number,
  realMicros: number,
  /** How many requests this settles (0 for a plain release). */
  countRequest: boolean | number = true,
): Promise<SettleResult | null> {
  const count = countRequest === true ? 1 : countRequest === false ? 0 : countRequest;
  const rows = await db
    .insert(patSpend)
    .values({ orgId: key.orgId, patKeyId: key.patKeyId, month: key.month, reservedMicros: 0, settledMicros: realMicros, requests: count })
    .onConflictDoUpdate({
      target: [patSpend.patKeyId, patSpend.month],
      set: {
        reservedMicros: sql`greatest(${patSpend.reservedMicros} - ${reservedMicros}, 0)`,
        settledMicros: sql`${patSpend.settledMicros} + ${realMicros}`,
        requests: sql`${patSpend.requests} + ${count}`,
        updatedAt: sql`now()`,
      },
    })
    .returning({
      reservedMicros: patSpend.reservedMicros,
      settledMicros: patSpend.settledMicros,
      requests: patSpend.requests,
      alertedAt: patSpend.alertedAt,
    });
  return rows[0] ?? null;
}

/** Marks the month's threshold alert as sent; true only for the one caller that flipped it. */
export async function claimAlert(db: DbOrTx, key: { patKeyId: string; month: string }, column: "alertedAt" | "capReachedAt"): Promise<boolean> {
  const col = column === "alertedAt" ? patSpend.alertedAt : patSpend.capReachedAt;
  const rows = await db
    .update(patSpend)
    .set({ [column]: sql`now()` })
    .where(and(eq(patSpend.patKeyId, key.patKeyId), eq(patSpend.month, key.month), sql`${col} IS NULL`))
    .returning({ month: patSpend.month });
  return rows.length > 0;
}

export async function spendFor(db: DbOrTx, orgId: string, patKeyId: string, month: string): Promise<SettleResult> {
  const [row] = await db
    .select({
      reservedMicros: patSpend.reservedMicros,
      settledMicros: patSpend.settledMicros,
      requests: patSpend.requests,
      alertedAt: patSpend.alertedAt,
    })
    .from(patSpend)
    .where(and(eq(patSpend.orgId, orgId), eq(patSpend.patKeyId, patKeyId), eq(patSpend.month, month)));
  return row ?? { reservedMicros: 0, settledMicros: 0, requests: 0, alertedAt: null };
}
