// Spend leases (lib/gateway/pat/lease.ts) against an in-memory ledger with the same rules as the
// Postgres store (spend.ts) and a hand-driven clock: what touches the ledger, when, and how much.
import { describe, expect, it } from "vitest";
import { FortressError } from "@/lib/errors";
import { LeaseManager, Ticket, type AcquireRequest, type AcquireResult, type LeaseRow, type LeaseStore, type SpendRef, type TakeResult } from "@/lib/gateway/pat/lease";

interface Month {
  reserved: number;
  settled: number;
  rows: Map<string, number>; // instance id → lease amount
}

/** pat_spend + pat_spend_leases in memory; `calls` records every round trip. */
class FakeLedger implements LeaseStore {
  months = new Map<string, Month>();
  calls: { op: "acquire" | "giveBack" | "renew"; arg: unknown }[] = [];
  /** Set to make the next calls fail (database down). */
  down = false;
  /** Runs between sizing a chunk and the cap check, like another instance's statement committing in between. */
  between: (() => void) | null = null;
  /** Hold acquisitions until released (to observe requests waiting on one). */
  gate: Promise<void> | null = null;

  month(k: { patKeyId: string; month: string }): Month {
    const key = `${k.patKeyId}:${k.month}`;
    let m = this.months.get(key);
    if (!m) this.months.set(key, (m = { reserved: 0, settled: 0, rows: new Map() }));
    return m;
  }

  async acquire(r: AcquireRequest): Promise<AcquireResult> {
    this.calls.push({ op: "acquire", arg: { ...r } });
    if (this.gate) await this.gate;
    if (this.down) throw new Error("connection refused");
    const m = this.month(r);
    const want = Math.max(r.amountMicros, Math.min(Math.floor((r.capMicros - m.reserved - m.settled) / r.divisor), r.maxMicros));
    this.between?.();
    this.between = null;
    if (m.reserved + m.settled + want > r.capMicros) return { grantedMicros: 0, triedMicros: want };
    m.reserved += want;
    m.rows.set(r.instanceId, (m.rows.get(r.instanceId) ?? 0) + want);
    return { grantedMicros: want, triedMicros: want };
  }

  async giveBack(row: LeaseRow, amount: number): Promise<void> {
    this.calls.push({ op: "giveBack", arg: { ...row, amount } });
    if (this.down) throw new Error("connection refused");
    const m = this.month(row);
    const held = m.rows.get(row.instanceId);
    if (held === undefined) return;
    const x = Math.min(held, amount);
    m.reserved -= x;
    if (held - x === 0) m.rows.delete(row.instanceId);
    else m.rows.set(row.instanceId, held - x);
  }

  async renew(instanceId: string): Promise<void> {
    this.calls.push({ op: "renew", arg: instanceId });
    if (this.down) throw new Error("connection refused");
  }

  /** What settleSpend does in Postgres. */
  settle(t: Ticket, real: number): void {
    const plan = t.planSettlement(real);
    const m = this.month(t.ref);
    const held = plan.instanceId === null ? undefined : m.rows.get(plan.instanceId);
    if (held !== undefined) {
      m.rows.set(plan.instanceId!, Math.max(held - plan.releaseMicros, 0));
      m.reserved -= plan.releaseMicros;
    }
    m.settled += real;
    t.settled(plan, held !== undefined);
  }

  count(op: "acquire" | "giveBack" | "renew") {
    return this.calls.filter((c) => c.op === op).length;
  }
}

class FakeClock {
  t = 1_000_000;
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

const CAP = 1_600_000;
const ref = (over: Partial<SpendRef> = {}): SpendRef => ({ orgId: "org", patKeyId: "key", month: "2026-11", capMicros: CAP, ...over });

function setup() {
  const ledger = new FakeLedger();
  const clock = new FakeClock();
  let n = 0;
  const errors: string[] = [];
  const leases = new LeaseManager(ledger, { clock, newInstanceId: () => `instance-${++n}`, onError: (_e, what) => errors.push(what) });
  return { ledger, clock, leases, errors };
}

async function ticket(r: TakeResult | Promise<TakeResult>): Promise<Ticket> {
  const t = await r;
  if (!(t instanceof Ticket)) throw new Error(`expected a ticket, got ${t}`);
  return t;
}

describe("spend leases", () => {
  it("after one acquisition, requests are admitted synchronously, without touching the ledger", async () => {
    const { ledger, leases } = setup();
    const first = leases.take(ref(), 1_000);
    expect(first).toBeInstanceOf(Promise); // a miss: the lease is empty
    await ticket(first);
    expect(ledger.count("acquire")).toBe(1);
    for (let i = 0; i < 50; i++) {
      const t = leases.take(ref(), 1_000);
      expect(t).toBeInstanceOf(Ticket); // not a promise: nothing to await
    }
    expect(ledger.calls).toHaveLength(1);
    // Chunk = headroom / 16 (100 000 here); 51 requests of 1 000 taken from it.
    expect(leases.snapshot(ref())).toMatchObject({ available: 100_000 - 51_000, outstanding: 51_000, tight: false });
    expect(ledger.month(ref()).reserved).toBe(100_000);
  });

  it("an uncapped key reserves nothing and never touches the ledger", () => {
    const { ledger, leases } = setup();
    const t = leases.take(ref({ capMicros: null }), 5_000) as Ticket;
    expect(t).toBeInstanceOf(Ticket);
    expect(t.amountMicros).toBe(0);
    expect(t.planSettlement(4_000)).toEqual({ instanceId: null, releaseMicros: 0 });
    expect(ledger.calls).toHaveLength(0);
  });

  it("concurrent misses share one acquisition", async () => {
    const { ledger, leases } = setup();
    let open!: () => void;
    ledger.gate = new Promise<void>((r) => (open = r));
    const pending = Array.from({ length: 20 }, () => leases.take(ref(), 1_000));
    expect(pending.every((p) => p instanceof Promise)).toBe(true);
    await Promise.resolve();
    expect(ledger.count("acquire")).toBe(1);
    ledger.gate = null;
    open();
    const got = await Promise.all(pending);
    expect(got.every((t) => t instanceof Ticket)).toBe(true);
    expect(ledger.count("acquire")).toBe(1);
    expect(leases.snapshot(ref())!.outstanding).toBe(20_000);
  });

  it("chunk = max(amount, min(headroom / 16, 256 requests)); the exact amount when the chunk no longer fits", async () => {
    const { ledger, leases } = setup();
    // A large cap: bounded by 256 requests of the asking size.
    await ticket(leases.take(ref({ patKeyId: "big", capMicros: 1_000_000_000 }), 1_000));
    expect(ledger.month({ patKeyId: "big", month: "2026-11" }).reserved).toBe(256_000);
    // Another instance reserves most of the headroom between sizing and the cap check: the chunk
    // (100 000) no longer fits, exactly the amount does.
    ledger.between = () => (ledger.month(ref()).reserved += CAP - 50_000);
    const t = await ticket(leases.take(ref(), 30_000));
    const acquires = ledger.calls.filter((c) => c.op === "acquire").slice(1).map((c) => c.arg as AcquireRequest);
    expect(acquires).toHaveLength(2);
    expect(acquires[1].maxMicros).toBe(30_000);
    expect(t.amountMicros).toBe(30_000);
    expect(leases.snapshot(ref())).toMatchObject({ available: 0, tight: true });
    expect(ledger.month(ref()).reserved).toBe(CAP - 50_000 + 30_000);
  });

  it("refuses when the headroom is shorter than the request; more cannot be taken than the cap", async () => {
    const { ledger, leases } = setup();
    ledger.month(ref()).settled = CAP - 20_000;
    expect(await leases.take(ref(), 30_000)).toBe("refused");
    expect(ledger.count("acquire")).toBe(1); // the chunk was the amount already: no second try
    expect(leases.take(ref(), CAP + 1)).toBe("refused"); // larger than the cap: refused without a round trip
    expect(ledger.count("acquire")).toBe(1);
    // Requests waiting on a refused acquisition are refused with it when they are no smaller.
    let open!: () => void;
    ledger.gate = new Promise<void>((r) => (open = r));
    const a = leases.take(ref(), 25_000);
    const b = leases.take(ref(), 26_000);
    const c = leases.take(ref(), 10_000);
    ledger.gate = null;
    open();
    expect(await a).toBe("refused");
    expect(await b).toBe("refused");
    expect(await c).toBeInstanceOf(Ticket); // smaller: it tried for itself
    expect(ledger.month(ref()).reserved + ledger.month(ref()).settled).toBeLessThanOrEqual(CAP);
  });

  it("refills in the background below a quarter of the last chunk, never near the cap", async () => {
    const { ledger, leases } = setup();
    await ticket(leases.take(ref(), 10_000)); // chunk 100 000
    for (let i = 0; i < 6; i++) expect(leases.take(ref(), 10_000)).toBeInstanceOf(Ticket); // 30 000 left
    expect(ledger.count("acquire")).toBe(1);
    expect(leases.take(ref(), 10_000)).toBeInstanceOf(Ticket); // 20 000 left < 25 000: refill starts
    expect(ledger.count("acquire")).toBe(2);
    expect(leases.take(ref(), 10_000)).toBeInstanceOf(Ticket); // still served from what is left, no second refill
    expect(ledger.count("acquire")).toBe(2);
    await new Promise((r) => setTimeout(r, 0));
    expect(leases.snapshot(ref())!.available).toBeGreaterThan(10_000);
    // Near the cap (chunk = the request) nothing is acquired ahead of need.
    const near = setup();
    near.ledger.month(ref()).settled = CAP - 150_000; // headroom/16 < 10 000
    await ticket(near.leases.take(ref(), 10_000));
    expect(near.leases.snapshot(ref())).toMatchObject({ available: 0, tight: true });
    expect(near.ledger.count("acquire")).toBe(1);
  });

  it("settlement keeps the unused part locally; near the cap it goes back to the ledger; a release costs nothing", async () => {
    const { ledger, leases } = setup();
    const t = await ticket(leases.take(ref(), 10_000));
    expect(t.planSettlement(4_000)).toEqual({ instanceId: "instance-1", releaseMicros: 4_000 });
    ledger.settle(t, 4_000);
    expect(leases.snapshot(ref())).toMatchObject({ available: 96_000, outstanding: 0 });
    expect(ledger.month(ref())).toMatchObject({ reserved: 96_000, settled: 4_000 });
    // A request above its reservation (remote sources) settles its real cost; the lease only held r.
    const over = leases.take(ref(), 10_000) as Ticket;
    expect(over.planSettlement(12_000).releaseMicros).toBe(10_000);
    const r = leases.take(ref(), 10_000) as Ticket;
    const calls = ledger.calls.length;
    expect(r.release()).toBeNull(); // back to the lease, no write
    expect(ledger.calls.length).toBe(calls);
    expect(leases.snapshot(ref())!.available).toBe(86_000);

    const near = setup();
    near.ledger.month(ref()).settled = CAP - 100_000;
    const n = await ticket(near.leases.take(ref(), 10_000));
    expect(n.planSettlement(4_000)).toEqual({ instanceId: "instance-1", releaseMicros: 10_000 });
    near.ledger.settle(n, 4_000);
    expect(near.ledger.month(ref())).toMatchObject({ reserved: 0, settled: CAP - 96_000 });
    const m = await ticket(near.leases.take(ref(), 10_000));
    expect(m.release()).toEqual({ instanceId: "instance-1", releaseMicros: 10_000 });
  });

  it("an idle lease goes back to the ledger; the next request acquires again", async () => {
    const { ledger, leases, clock } = setup();
    const t = await ticket(leases.take(ref(), 10_000));
    ledger.settle(t, 1_000);
    clock.advance(4_000);
    await leases.tick();
    expect(ledger.count("giveBack")).toBe(0);
    clock.advance(1_000);
    await leases.tick();
    expect(ledger.calls.filter((c) => c.op === "giveBack").map((c) => c.arg)).toEqual([{ orgId: "org", patKeyId: "key", month: "2026-11", instanceId: "instance-1", amount: 99_000 }]);
    expect(ledger.month(ref())).toMatchObject({ reserved: 0, settled: 1_000 });
    expect(ledger.month(ref()).rows.size).toBe(0);
    expect(leases.snapshot(ref())).toBeNull();
    expect(leases.take(ref(), 10_000)).toBeInstanceOf(Promise);
  });

  it("a request in flight when its lease goes idle settles straight back to the ledger", async () => {
    const { ledger, leases, clock } = setup();
    const t = await ticket(leases.take(ref(), 10_000));
    clock.advance(5_000);
    await leases.tick();
    expect(ledger.month(ref())).toMatchObject({ reserved: 10_000 }); // only what is in flight
    expect(t.planSettlement(3_000).releaseMicros).toBe(10_000);
    ledger.settle(t, 3_000);
    await leases.tick();
    expect(ledger.month(ref())).toMatchObject({ reserved: 0, settled: 3_000 });
    expect(ledger.month(ref()).rows.size).toBe(0);
  });

  it("a new month's lease retires the old month's", async () => {
    const { ledger, leases } = setup();
    await ticket(leases.take(ref({ month: "2026-11" }), 10_000));
    await ticket(leases.take(ref({ month: "2026-12" }), 10_000));
    await Promise.resolve();
    expect(ledger.calls.filter((c) => c.op === "giveBack").map((c) => c.arg)).toEqual([expect.objectContaining({ month: "2026-11", amount: 90_000 })]);
    expect(ledger.month(ref({ month: "2026-11" })).reserved).toBe(10_000); // the request still in flight
    expect(leases.snapshot(ref({ month: "2026-11" }))).toBeNull();
    expect(leases.snapshot(ref({ month: "2026-12" }))).toMatchObject({ available: 90_000 });
  });

  it("a changed cap gives the lease back and negotiates under the new cap", async () => {
    const { ledger, leases } = setup();
    await ticket(leases.take(ref(), 10_000));
    const t = await ticket(leases.take(ref({ capMicros: 20_000 }), 10_000));
    expect(ledger.calls.map((c) => c.op)).toEqual(["acquire", "giveBack", "acquire"]);
    // Under the new cap 10 000 (first request, still in flight) + 10 000: full.
    expect(t.amountMicros).toBe(10_000);
    expect(await leases.take(ref({ capMicros: 20_000 }), 1_000)).toBe("refused");
  });

  it("a database failure refuses admission as unavailable (fail closed), for waiters too", async () => {
    const { ledger, leases } = setup();
    ledger.down = true;
    const a = leases.take(ref(), 1_000);
    const b = leases.take(ref(), 1_000);
    await expect(a).rejects.toBeInstanceOf(FortressError);
    await expect(b).rejects.toMatchObject({ code: "unavailable" });
    expect(ledger.count("acquire")).toBe(1);
    ledger.down = false;
    expect(await leases.take(ref(), 1_000)).toBeInstanceOf(Ticket);
  });

  it("renews its rows; after renewals fail for 30 s it stops using its leases and continues under a new instance id", async () => {
    const { ledger, leases, clock, errors } = setup();
    await ticket(leases.take(ref(), 1_000));
    await leases.tick();
    expect(ledger.calls.filter((c) => c.op === "renew").map((c) => c.arg)).toEqual(["instance-1"]);
    ledger.down = true;
    for (let s = 4; s <= 28; s += 4) {
      clock.advance(4_000);
      expect(leases.take(ref(), 1_000)).toBeInstanceOf(Ticket); // < 30 s since the last renewal: still valid
      await leases.tick();
    }
    expect(errors.filter((e) => e === "renewal")).toHaveLength(2);
    clock.advance(2_000);
    ledger.down = false;
    const t = await ticket(leases.take(ref(), 1_000)); // 30 s: a new instance
    expect(leases.instanceId).toBe("instance-2");
    expect(t.planSettlement(0).instanceId).toBe("instance-2");
    // The old lease's unused part went back (its row still existed); what is in flight stays on it.
    expect(ledger.calls.filter((c) => c.op === "giveBack").map((c) => c.arg)).toEqual([expect.objectContaining({ instanceId: "instance-1", amount: 92_000 })]);
    expect(ledger.month(ref()).rows.get("instance-1")).toBe(8_000);
  });

  it("a settlement that finds its lease row gone (swept) does not take it off the reservation twice, and the instance starts over", async () => {
    const { ledger, leases } = setup();
    const t = await ticket(leases.take(ref(), 10_000));
    // The sweep gives the whole row back.
    const m = ledger.month(ref());
    m.reserved -= m.rows.get("instance-1")!;
    m.rows.delete("instance-1");
    ledger.settle(t, 4_000);
    expect(m).toMatchObject({ reserved: 0, settled: 4_000 });
    expect(leases.instanceId).toBe("instance-2");
    expect(leases.snapshot(ref())).toBeNull();
  });

  it("close() gives every unused amount back", async () => {
    const { ledger, leases } = setup();
    await ticket(leases.take(ref(), 10_000));
    await ticket(leases.take(ref({ patKeyId: "other" }), 10_000));
    await leases.close();
    expect(ledger.month(ref()).reserved).toBe(10_000);
    expect(ledger.month(ref({ patKeyId: "other" })).reserved).toBe(10_000);
  });
});
