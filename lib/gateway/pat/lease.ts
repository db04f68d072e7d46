// Spend leases: admission against a monthly cap without a database round trip per request.
//
// Postgres stays the single authority on money: `pat_spend.reserved_micros + settled_micros <= cap`
// is checked there, under the row lock, for every amount that leaves it. What changes is the size of
// those amounts. An instance (process) reserves a *lease* — a slice of the key's remaining headroom,
// recorded in `pat_spend_leases` and counted in `reserved_micros` — and hands it out to its own
// requests from memory, synchronously. Several instances hold leases side by side; together they can
// never hold more than the cap leaves, so settled spend cannot pass the cap either.
//
//   take()            lease has enough → subtract, no await (the hot path); otherwise ONE acquisition
//                     per key and process at a time, shared by every request that missed meanwhile.
//   settlement        the real cost c leaves the lease and reserved_micros (in the group-commit
//                     transaction, record.ts); the unused r − c goes back to the local lease.
//   near the cap      ("tight": the chunk was no bigger than the request) nothing is kept locally —
//                     every unused remainder goes straight back to Postgres, so one instance's spare
//                     change does not refuse another instance's request.
//   idle (5 s), cap change, older month, shutdown → the unused part goes back to Postgres.
//   crash             rows are renewed every 10 s; the sweep (jobs.ts) gives back rows not renewed
//                     for LEASE_STALE_MS. An instance that could not renew for LEASE_VALID_MS stops
//                     using its leases and continues under a new instance id, so it never hands out
//                     money the sweep may already have given back.
//
// Framework-free: the store (Postgres in production, spend.ts) and the clock are injected.
import { randomUUID } from "node:crypto";
import { FortressError } from "../../errors";

/** The sweep gives back lease rows not renewed for this long (Postgres time). */
export const LEASE_STALE_MS = 60_000;

export interface LeaseTuning {
  /** A chunk is at most 1/divisor of the headroom left when it is acquired… */
  divisor: number;
  /** …and at most the cost of this many requests of the size that asked for it. */
  maxRequests: number;
  /** Below this fraction of its last chunk a lease is refilled in the background. */
  refillBelow: number;
  /** A lease nobody took from for this long goes back to Postgres. */
  idleMs: number;
  /** Lease rows are renewed this often… */
  renewEveryMs: number;
  /** …and a lease not renewed for this long is no longer used (well below LEASE_STALE_MS). */
  validMs: number;
  /** How often start()'s timer runs tick(). */
  tickMs: number;
}

export const LEASE_TUNING: LeaseTuning = {
  divisor: 16,
  maxRequests: 256,
  refillBelow: 0.25,
  idleMs: 5_000,
  renewEveryMs: 10_000,
  validMs: 30_000,
  tickMs: 1_000,
};

/** A PAT key's month, as admission sees it (capMicros from the key's current row; null = no cap). */
export interface SpendRef {
  orgId: string;
  patKeyId: string;
  month: string;
  capMicros: number | null;
}

/** One `pat_spend_leases` row. */
export interface LeaseRow {
  orgId: string;
  patKeyId: string;
  month: string;
  instanceId: string;
}

export interface AcquireRequest extends LeaseRow {
  capMicros: number;
  amountMicros: number;
  /** The store reserves max(amount, min(headroom / divisor, maxMicros)), headroom read at that moment. */
  divisor: number;
  maxMicros: number;
}

/** grantedMicros 0 = refused: `triedMicros` did not fit under the cap. */
export interface AcquireResult {
  grantedMicros: number;
  triedMicros: number;
}

/** Where leases live (Postgres: spend.ts). Every method is one atomic step on the ledger. */
export interface LeaseStore {
  /** Adds the chunk to the month's reservation and to this row, if it fits under the cap. */
  acquire(req: AcquireRequest): Promise<AcquireResult>;
  /** Takes `amountMicros` off this row and the month's reservation (only if the row still exists), and deletes the row once it is 0. */
  giveBack(row: LeaseRow, amountMicros: number): Promise<void>;
  /** Marks every row of this instance alive. */
  renew(instanceId: string): Promise<void>;
}

/** Milliseconds from any fixed origin; only differences are used. */
export interface Clock {
  now(): number;
}

/** What settling a ticket writes: `releaseMicros` leaves this instance's lease row and reserved_micros. */
export interface SettlePlan {
  /** The lease row's instance; null = nothing was reserved (uncapped key). */
  instanceId: string | null;
  releaseMicros: number;
}

export type TakeResult = Ticket | "refused";

interface Lease {
  row: LeaseRow;
  capMicros: number;
  /** Free to hand out. */
  available: number;
  /** Handed out to requests not settled yet. */
  outstanding: number;
  lastChunk: number;
  /** The last acquisition could not get more than the request asked for: the cap is close. */
  tight: boolean;
  retired: boolean;
  /** An acquisition came back: the row exists. */
  confirmed: boolean;
  /** When the last acquisition or renewal that touched the row was sent. */
  validFrom: number;
  lastUsedAt: number;
  acquiring: Promise<Acquired> | null;
  returning: Promise<void> | null;
}

interface Acquired {
  /** The amount Postgres refused (headroom was smaller), or null when granted. */
  refusedAt: number | null;
  ticket: Ticket | null;
}

/** One request's reservation. Settle or release it exactly once. */
export class Ticket {
  private done = false;
  constructor(
    readonly ref: SpendRef,
    /** Reserved for this request (0 for an uncapped key: nothing is reserved). */
    readonly amountMicros: number,
    private readonly lease: Lease | null,
    private readonly manager: LeaseManager | null,
  ) {}

  /** What the settlement at real cost `realMicros` must write (before it is written). */
  planSettlement(realMicros: number): SettlePlan {
    const lease = this.lease;
    if (!lease) return { instanceId: null, releaseMicros: 0 };
    // Pricing allows some requests to settle above their reservation; the lease only ever held r.
    const spent = Math.min(Math.max(realMicros, 0), this.amountMicros);
    const keep = lease.tight || lease.retired ? 0 : this.amountMicros - spent;
    return { instanceId: lease.row.instanceId, releaseMicros: this.amountMicros - keep };
  }

  /**
   * The settlement (or a release) committed. `leaseFound` = the lease row still existed, so the
   * released amount really left the reservation; the rest of r is free again in this process.
   */
  settled(plan: SettlePlan, leaseFound: boolean): void {
    if (this.done || !this.lease || !this.manager) return void (this.done = true);
    this.done = true;
    this.manager.onSettled(this.lease, this.amountMicros, this.amountMicros - plan.releaseMicros, leaseFound);
  }

  /**
   * The request ends without cost (never forwarded, audit failed…). Returns null when r went back to
   * the local lease (nothing to write), else the plan to write with settleSpend and then `settled()`.
   */
  release(): SettlePlan | null {
    if (this.done || !this.lease || !this.manager) {
      this.done = true;
      return null;
    }
    const lease = this.lease;
    if (lease.tight || lease.retired) return { instanceId: lease.row.instanceId, releaseMicros: this.amountMicros };
    this.done = true;
    this.manager.onSettled(lease, this.amountMicros, this.amountMicros, true);
    return null;
  }
}

export interface LeaseManagerOptions {
  clock?: Clock;
  instanceId?: string;
  newInstanceId?: () => string;
  /** Background failures (refill, return, renewal): logged by the caller; never thrown. */
  onError?: (err: unknown, what: string) => void;
  tuning?: Partial<LeaseTuning>;
}

const monotonic: Clock = { now: () => performance.now() };

export class LeaseManager {
  private id: string;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private readonly onError: (err: unknown, what: string) => void;
  private readonly t: LeaseTuning;
  private readonly active = new Map<string, Lease>();
  private readonly retired = new Set<Lease>();
  private lastRenewal = -Infinity;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly store: LeaseStore,
    opts: LeaseManagerOptions = {},
  ) {
    this.clock = opts.clock ?? monotonic;
    this.newId = opts.newInstanceId ?? randomUUID;
    this.id = opts.instanceId ?? this.newId();
    this.onError = opts.onError ?? (() => {});
    this.t = { ...LEASE_TUNING, ...opts.tuning };
  }

  get instanceId(): string {
    return this.id;
  }

  /**
   * Reserves `amountMicros` for one request. From the local lease this returns a Ticket at once (no
   * promise, no await); only a miss goes to Postgres. A database failure rejects with
   * FortressError "unavailable" (fail closed: no lease, no admission).
   */
  take(ref: SpendRef, amountMicros: number): TakeResult | Promise<TakeResult> {
    if (ref.capMicros === null || amountMicros <= 0) return new Ticket(ref, 0, null, null); // nothing to reserve
    if (amountMicros > ref.capMicros) return "refused";
    const lease = this.current(ref);
    return this.takeLocal(ref, lease, amountMicros) ?? this.takeSlow(ref, amountMicros);
  }

  /** Returns idle, outdated and retired leases; renews the rows when due. Run every tickMs by start(). */
  async tick(): Promise<void> {
    const now = this.clock.now();
    for (const lease of [...this.active.values()]) {
      if (!lease.acquiring && now - lease.lastUsedAt >= this.t.idleMs) this.retire(lease);
    }
    const work: Promise<void>[] = [...this.retired].map((lease) => this.settleRetired(lease));
    if (now - this.lastRenewal >= this.t.renewEveryMs && this.holdsRows()) work.push(this.renew(now));
    await Promise.all(work);
  }

  start(): this {
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick().catch((err) => this.onError(err, "tick")), this.t.tickMs);
      this.timer.unref?.();
    }
    return this;
  }

  /**
   * Gives every unused amount back now, as idleness would a few seconds later. Requests in flight
   * keep their share until they settle; then it goes back to Postgres as well.
   */
  async flush(): Promise<void> {
    for (const lease of [...this.active.values()]) this.retire(lease);
    await Promise.all([...this.retired].map((lease) => this.settleRetired(lease)));
  }

  /** Shutdown: stop the timer and flush. What requests still in flight hold waits for their settlement, or the sweep. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** For tests and diagnostics. */
  snapshot(ref: Pick<SpendRef, "patKeyId" | "month">): { available: number; outstanding: number; tight: boolean; instanceId: string } | null {
    const lease = this.active.get(keyOf(ref));
    return lease ? { available: lease.available, outstanding: lease.outstanding, tight: lease.tight, instanceId: lease.row.instanceId } : null;
  }

  // ——— internals ———

  /** The lease requests for `ref` use now; a changed cap, an older month or a stale lease is retired first. */
  private current(ref: SpendRef): Lease {
    const key = keyOf(ref);
    let lease = this.active.get(key);
    // The cap is part of the lease's terms: a changed cap (admin edit, seen through the key cache)
    // means the money goes back and a new lease is negotiated under the new cap.
    if (lease && lease.capMicros !== ref.capMicros) {
      this.retire(lease);
      lease = undefined;
    }
    // Renewals have not come through for validMs: the sweep may give this row back soon. Use none of
    // this instance's leases again; carry on under a new id (old rows are returned or swept).
    if (lease && lease.confirmed && this.clock.now() - lease.validFrom >= this.t.validMs) {
      this.rotate();
      lease = undefined;
    }
    if (!lease) {
      lease = this.open(ref);
      this.active.set(key, lease);
      for (const other of [...this.active.values()]) {
        if (other.row.patKeyId === ref.patKeyId && other.row.month !== ref.month) this.retire(other);
      }
    }
    return lease;
  }

  private open(ref: SpendRef): Lease {
    const now = this.clock.now();
    return {
      row: { orgId: ref.orgId, patKeyId: ref.patKeyId, month: ref.month, instanceId: this.id },
      capMicros: ref.capMicros!,
      available: 0,
      outstanding: 0,
      lastChunk: 0,
      tight: false,
      retired: false,
      confirmed: false,
      validFrom: now,
      lastUsedAt: now,
      acquiring: null,
      returning: null,
    };
  }

  private takeLocal(ref: SpendRef, lease: Lease, amount: number): Ticket | null {
    if (lease.available < amount) return null;
    const ticket = this.handOut(ref, lease, amount);
    this.maybeRefill(ref, lease, amount);
    return ticket;
  }

  private handOut(ref: SpendRef, lease: Lease, amount: number): Ticket {
    lease.available -= amount;
    lease.outstanding += amount;
    lease.lastUsedAt = this.clock.now();
    return new Ticket(ref, amount, lease, this);
  }

  /** A miss: join the acquisition in flight, or start one for this request. */
  private async takeSlow(ref: SpendRef, amount: number): Promise<TakeResult> {
    for (;;) {
      const lease = this.current(ref);
      const local = this.takeLocal(ref, lease, amount);
      if (local) return local;
      if (lease.acquiring) {
        const got = await lease.acquiring;
        // Postgres just refused an amount no larger than ours: ours cannot fit either.
        if (got.refusedAt !== null && amount >= got.refusedAt) return "refused";
        continue; // granted, but others may have taken it: look again
      }
      const got = await this.acquire(ref, lease, amount, true);
      return got.ticket ?? "refused";
    }
  }

  private maybeRefill(ref: SpendRef, lease: Lease, amount: number): void {
    if (lease.tight || lease.retired || lease.acquiring || lease.available >= lease.lastChunk * this.t.refillBelow) return;
    this.acquire(ref, lease, amount, false).catch((err) => this.onError(err, "refill"));
  }

  /**
   * One acquisition, visible to other requests as `lease.acquiring` until it ends. The chunk is
   * sized by the store from the headroom it sees; if that chunk no longer fits (another instance got
   * there first), exactly `amount` is tried. When it is for a request, that request's share is taken
   * before anyone waiting sees the lease.
   */
  private acquire(ref: SpendRef, lease: Lease, amount: number, forRequest: boolean): Promise<Acquired> {
    const run = async (): Promise<Acquired> => {
      const sentAt = this.clock.now();
      const req: AcquireRequest = { ...lease.row, capMicros: lease.capMicros, amountMicros: amount, divisor: this.t.divisor, maxMicros: amount * this.t.maxRequests };
      let got: AcquireResult;
      try {
        got = await this.store.acquire(req);
        if (got.grantedMicros === 0 && got.triedMicros > amount) got = await this.store.acquire({ ...req, maxMicros: amount });
      } catch (cause) {
        throw new FortressError("unavailable", "The spend ledger is unavailable; try again shortly", { cause });
      }
      if (got.grantedMicros <= 0) {
        lease.tight = true; // no background refills until an acquisition succeeds again
        return { refusedAt: amount, ticket: null };
      }
      lease.confirmed = true;
      lease.validFrom = Math.max(lease.validFrom, sentAt);
      lease.available += got.grantedMicros;
      lease.lastChunk = got.grantedMicros;
      lease.tight = got.grantedMicros <= amount;
      lease.lastUsedAt = this.clock.now();
      return { refusedAt: null, ticket: forRequest ? this.handOut(ref, lease, amount) : null };
    };
    const p = run().finally(() => {
      if (lease.acquiring === p) lease.acquiring = null;
    });
    lease.acquiring = p;
    p.catch(() => {}); // waiters see the rejection; an unobserved one is not an unhandled rejection
    return p;
  }

  /** Called by Ticket once its settlement or release is final. */
  onSettled(lease: Lease, amount: number, keep: number, leaseFound: boolean): void {
    lease.outstanding -= amount;
    if (!leaseFound) {
      // The row is gone (swept): whatever this lease still counts is no longer reserved in Postgres.
      if (!lease.retired) this.rotate();
      lease.available = 0;
      return;
    }
    // A retired lease's available is given back by the next tick.
    lease.available += keep;
  }

  private retire(lease: Lease): void {
    if (lease.retired) return;
    lease.retired = true;
    const key = keyOf(lease.row);
    if (this.active.get(key) === lease) this.active.delete(key);
    this.retired.add(lease);
    void this.settleRetired(lease);
  }

  /** Gives a retired lease's free amount back; forgets the lease once nothing of it is left. */
  private settleRetired(lease: Lease): Promise<void> {
    if (lease.returning) return lease.returning;
    if (lease.acquiring) return Promise.resolve(); // its grant lands in `available`; next tick
    if (!lease.confirmed) {
      if (lease.outstanding === 0) this.retired.delete(lease);
      return Promise.resolve();
    }
    const amount = lease.available;
    // With nothing free and requests still out, there is nothing to do until they settle; with
    // nothing at all left, the (zero) row is deleted unless an active lease of this instance uses it.
    const idleRow = lease.outstanding === 0 && !this.sharesRow(lease);
    if (amount === 0 && !idleRow) {
      if (lease.outstanding === 0) this.retired.delete(lease);
      return Promise.resolve();
    }
    lease.available = 0; // before the await: nothing given back can be handed out
    const p = this.store
      .giveBack(lease.row, amount)
      // On failure the amount stays in the row (counted, never handed out): safe; the sweep frees it after this process ends.
      .catch((err) => this.onError(err, "return"))
      .finally(() => {
        lease.returning = null;
        if (lease.outstanding === 0 && lease.available === 0) this.retired.delete(lease);
      });
    lease.returning = p;
    return p;
  }

  private sharesRow(lease: Lease): boolean {
    const other = this.active.get(keyOf(lease.row));
    return !!other && other !== lease && other.row.instanceId === lease.row.instanceId;
  }

  private rotate(): void {
    this.id = this.newId();
    for (const lease of [...this.active.values()]) this.retire(lease);
  }

  private holdsRows(): boolean {
    const mine = (l: Lease) => l.confirmed && l.row.instanceId === this.id;
    return [...this.active.values()].some(mine) || [...this.retired].some(mine);
  }

  private async renew(now: number): Promise<void> {
    this.lastRenewal = now;
    const id = this.id;
    // Only rows that existed when the renewal was sent are known to be renewed by it.
    const covered = [...this.active.values(), ...this.retired].filter((l) => l.confirmed && l.row.instanceId === id);
    try {
      await this.store.renew(id);
      for (const lease of covered) lease.validFrom = Math.max(lease.validFrom, now);
    } catch (err) {
      this.onError(err, "renewal");
    }
  }
}

const keyOf = (r: { patKeyId: string; month: string }) => `${r.patKeyId}:${r.month}`;
