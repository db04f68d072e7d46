// Race-free monthly spend caps, in Postgres because they are money and must hold across instances.
// `pat_spend` holds, per PAT key and UTC month ("2026-11"), what is reserved and what is settled; the
// cap check `reserved + settled + amount <= cap` runs on the locked row whenever money is reserved.
// Requests do not reserve here one by one: an instance reserves a lease (a chunk of the headroom, one
// statement) and hands it out from memory (lease.ts). Completion settles the real cost out of the lease
// and the reservation together; unused leases come back on idle, shutdown, or by the sweep.
import { and, eq, sql, type SQL } from "drizzle-orm";
import { patSpend } from "@/db/schema";
import type { Database, DbOrTx } from "../../db";
import { LEASE_STALE_MS, type AcquireRequest, type AcquireResult, type LeaseRow, type LeaseStore } from "./lease";

export function utcMonth(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, "0")}`;
}

export interface ReserveInput {
  orgId: string;
  patKeyId: string;
  month: string;
  amountMicros: number;
  /** null = no cap (nothing is reserved; the spend is recorded at settlement, for the usage screens) */
  capMicros: number | null;
}

export interface SpendState {
  reservedMicros: number;
  settledMicros: number;
}

const rowsOf = <T>(r: unknown): T[] => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];

// ——— spend leases (lib/gateway/pat/lease.ts) ———
// Lock order, everywhere: the month's pat_spend row first, then lease rows (renewal takes only lease
// rows, in key order, like the group commit). Every change to a lease's amount happens under the
// pat_spend row lock, so within one transaction the lease rows read after taking it are current.

/**
 * One statement: sizes the chunk from the headroom it sees, adds it to the month's reservation if
 * reserved + settled + chunk <= cap (checked on the locked row, so concurrent instances serialise),
 * and adds the same amount to this instance's lease row. The headroom read for sizing may be a
 * moment old under contention; the cap check never is. triedMicros says what was asked for.
 */
export async function acquireLease(db: DbOrTx, r: AcquireRequest): Promise<AcquireResult> {
  const [row] = rowsOf<{ tried: string | number; granted: string | number | null }>(
    await db.execute(sql`
      WITH used AS (
        SELECT coalesce((SELECT reserved_micros + settled_micros FROM pat_spend
                         WHERE org_id = ${r.orgId}::uuid AND pat_key_id = ${r.patKeyId}::uuid AND month = ${r.month}), 0) AS micros
      ), want AS (
        SELECT greatest(${r.amountMicros}::bigint, least((${r.capMicros}::bigint - micros) / ${r.divisor}::bigint, ${r.maxMicros}::bigint)) AS x FROM used
      ), spend AS (
        INSERT INTO pat_spend (org_id, pat_key_id, month, reserved_micros)
        SELECT ${r.orgId}::uuid, ${r.patKeyId}::uuid, ${r.month}, x FROM want WHERE x <= ${r.capMicros}::bigint
        ON CONFLICT (pat_key_id, month) DO UPDATE
          SET reserved_micros = pat_spend.reserved_micros + excluded.reserved_micros, updated_at = now()
          WHERE pat_spend.org_id = excluded.org_id
            AND pat_spend.reserved_micros + pat_spend.settled_micros + excluded.reserved_micros <= ${r.capMicros}::bigint
        RETURNING reserved_micros
      ), lease AS (
        INSERT INTO pat_spend_leases (org_id, pat_key_id, month, instance_id, amount_micros, renewed_at)
        SELECT ${r.orgId}::uuid, ${r.patKeyId}::uuid, ${r.month}, ${r.instanceId}::uuid, want.x, now() FROM spend, want
        ON CONFLICT (pat_key_id, month, instance_id) DO UPDATE
          SET amount_micros = pat_spend_leases.amount_micros + excluded.amount_micros, renewed_at = now()
          WHERE pat_spend_leases.org_id = excluded.org_id
        RETURNING amount_micros
      )
      SELECT want.x AS tried, (SELECT want.x FROM lease) AS granted FROM want`),
  );
  const tried = Number(row.tried);
  return { triedMicros: tried, grantedMicros: row.granted === null ? 0 : Number(row.granted) };
}

/** Takes `amount` off the lease row and the month's reservation — only if the row still exists — and deletes the row once it is empty. */
export async function returnLease(db: Database, r: LeaseRow, amountMicros: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT 1 FROM pat_spend WHERE org_id = ${r.orgId}::uuid AND pat_key_id = ${r.patKeyId}::uuid AND month = ${r.month} FOR UPDATE`);
    // Never more than the row holds: money in other leases stays reserved.
    await tx.execute(sql`
      WITH give AS (
        SELECT least(amount_micros, ${amountMicros}::bigint) AS x FROM pat_spend_leases
        WHERE org_id = ${r.orgId}::uuid AND pat_key_id = ${r.patKeyId}::uuid AND month = ${r.month} AND instance_id = ${r.instanceId}::uuid
      ), lease AS (
        UPDATE pat_spend_leases SET amount_micros = amount_micros - give.x FROM give
        WHERE org_id = ${r.orgId}::uuid AND pat_key_id = ${r.patKeyId}::uuid AND month = ${r.month} AND instance_id = ${r.instanceId}::uuid
        RETURNING 1
      )
      UPDATE pat_spend SET reserved_micros = greatest(reserved_micros - give.x, 0), updated_at = now() FROM give
      WHERE org_id = ${r.orgId}::uuid AND pat_key_id = ${r.patKeyId}::uuid AND month = ${r.month} AND give.x > 0`);
    await tx.execute(sql`
      DELETE FROM pat_spend_leases
      WHERE org_id = ${r.orgId}::uuid AND pat_key_id = ${r.patKeyId}::uuid AND month = ${r.month} AND instance_id = ${r.instanceId}::uuid AND amount_micros = 0`);
  });
}

/**
 * Keeps this instance's lease rows from being swept. One statement; rows are locked in key order
 * (the order the group commit settles them in), so a renewal never deadlocks with a settlement.
 */
export async function renewLeases(db: DbOrTx, instanceId: string): Promise<number> {
  const rows = rowsOf<{ n: string | number }>(
    await db.execute(sql`
      WITH mine AS (
        SELECT pat_key_id, month FROM pat_spend_leases WHERE instance_id = ${instanceId}::uuid
        ORDER BY pat_key_id, month FOR UPDATE
      ), renewed AS (
        UPDATE pat_spend_leases l SET renewed_at = now() FROM mine
        WHERE l.instance_id = ${instanceId}::uuid AND l.pat_key_id = mine.pat_key_id AND l.month = mine.month
        RETURNING 1
      )
      SELECT count(*) AS n FROM renewed`),
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Gives back the leases of instances that stopped renewing them (crashed, killed, partitioned) for
 * LEASE_STALE_MS: the row's amount leaves the month's reservation and the row is deleted, together.
 * Requests such an instance had in flight are never settled; their reservation comes back too.
 */
export async function sweepStaleLeases(db: Database, staleMs = LEASE_STALE_MS): Promise<{ rows: number; micros: number }> {
  const stale = rowsOf<{ org_id: string; pat_key_id: string; month: string; instance_id: string }>(
    await db.execute(sql`
      SELECT org_id, pat_key_id, month, instance_id FROM pat_spend_leases
      WHERE renewed_at < now() - make_interval(secs => ${staleMs / 1000}) ORDER BY renewed_at LIMIT 500`),
  );
  let micros = 0;
  let rows = 0;
  for (const s of stale) {
    await db.transaction(async (tx) => {
      await tx.execute(sql`SELECT 1 FROM pat_spend WHERE org_id = ${s.org_id}::uuid AND pat_key_id = ${s.pat_key_id}::uuid AND month = ${s.month} FOR UPDATE`);
      // Re-checked on the locked row: a renewal that got in first keeps it.
      const [gone] = rowsOf<{ amount_micros: string | number }>(
        await tx.execute(sql`
          WITH gone AS (
            DELETE FROM pat_spend_leases
            WHERE org_id = ${s.org_id}::uuid AND pat_key_id = ${s.pat_key_id}::uuid AND month = ${s.month} AND instance_id = ${s.instance_id}::uuid
              AND renewed_at < now() - make_interval(secs => ${staleMs / 1000})
            RETURNING amount_micros
          ), spend AS (
            UPDATE pat_spend SET reserved_micros = greatest(reserved_micros - gone.amount_micros, 0), updated_at = now() FROM gone
            WHERE org_id = ${s.org_id}::uuid AND pat_key_id = ${s.pat_key_id}::uuid AND month = ${s.month}
            RETURNING 1
          )
          SELECT amount_micros FROM gone`),
      );
      if (gone) {
        rows++;
        micros += Number(gone.amount_micros);
      }
    });
  }
  return { rows, micros };
}

/** The Postgres LeaseStore the gateway uses. */
export function postgresLeaseStore(db: () => Promise<Database>): LeaseStore {
  return {
    acquire: async (r) => acquireLease(await db(), r),
    giveBack: async (row, amount) => returnLease(await db(), row, amount),
    renew: async (instanceId) => void (await renewLeases(await db(), instanceId)),
  };
}

export interface MonthSpend extends SpendState {
  requests: number;
  alertedAt: Date | null;
}

export interface SettleResult extends MonthSpend {
  /** The instance's lease row existed (its share was taken off it and off reserved). */
  leaseFound: boolean;
}

export interface SettleKey {
  orgId: string;
  patKeyId: string;
  month: string;
  /** The lease the reservation came from; null = nothing was reserved (uncapped key). */
  instanceId: string | null;
}

/**
 * Records real cost: settled += real, requests += count, and `releaseMicros` leaves the instance's
 * lease row and reserved_micros — the latter only if the row still exists: a swept lease was already
 * taken off reserved_micros, and taking it off twice would free money other leases hold. An upsert:
 * uncapped keys reserve nothing, so their month row may not exist yet. Lock order: the upsert locks
 * the pat_spend row before the SET's sub-select runs the lease update.
 */
export async function settleSpend(
  db: DbOrTx,
  key: SettleKey,
  releaseMicros: number,
  realMicros: number,
  /** How many requests this settles (0 for a plain release). */
  countRequest: boolean | number = true,
  /**
   * Another data-modifying statement (e.g. the request log rows' INSERT) made part of the same
   * statement as a CTE: both are written, or neither, without a transaction's extra round trips.
   */
  alongside?: SQL,
): Promise<SettleResult | null> {
  const count = countRequest === true ? 1 : countRequest === false ? 0 : countRequest;
  const release = key.instanceId === null ? 0 : releaseMicros;
  const [row] = rowsOf<{ reserved_micros: string | number; settled_micros: string | number; requests: number; alerted_at: Date | string | null; lease_rows: string | number }>(
    await db.execute(sql`
      WITH lease AS (
        UPDATE pat_spend_leases SET amount_micros = greatest(amount_micros - ${release}::bigint, 0)
        WHERE org_id = ${key.orgId}::uuid AND pat_key_id = ${key.patKeyId}::uuid AND month = ${key.month}
          AND instance_id = ${key.instanceId}::uuid
        RETURNING ${release}::bigint AS x
      )${alongside ? sql`, alongside AS (${alongside})` : sql``}
      INSERT INTO pat_spend (org_id, pat_key_id, month, reserved_micros, settled_micros, requests)
      VALUES (${key.orgId}::uuid, ${key.patKeyId}::uuid, ${key.month}, 0, ${realMicros}::bigint, ${count}::int)
      ON CONFLICT (pat_key_id, month) DO UPDATE SET
        reserved_micros = greatest(pat_spend.reserved_micros - coalesce((SELECT x FROM lease), 0), 0),
        settled_micros = pat_spend.settled_micros + excluded.settled_micros,
        requests = pat_spend.requests + excluded.requests,
        updated_at = now()
        WHERE pat_spend.org_id = excluded.org_id
      RETURNING reserved_micros, settled_micros, requests, alerted_at, (SELECT count(*) FROM lease) AS lease_rows`),
  );
  if (!row) return null;
  return {
    reservedMicros: Number(row.reserved_micros),
    settledMicros: Number(row.settled_micros),
    requests: Number(row.requests),
    alertedAt: row.alerted_at === null ? null : new Date(row.alerted_at),
    leaseFound: Number(row.lease_rows) > 0,
  };
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

/** The month's row; reserved_micros includes every instance's lease, used or not. */
export async function spendFor(db: DbOrTx, orgId: string, patKeyId: string, month: string): Promise<MonthSpend> {
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
