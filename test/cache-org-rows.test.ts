// The org-row cache on its own: hits, max-age, invalidation by a bus message (this instance's and
// another's), loads under way when the org changes, failures, org isolation and the size bound.
import { describe, expect, it } from "vitest";
import { OrgRowsCache, type OrgChangeSource } from "@/lib/cache/org-rows";
import { memoryBus } from "@/lib/policy/bus";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

/** A loader over a mutable "table", counting reads; `gate` holds reads until released. */
function table() {
  const rows = new Map<string, string>();
  let reads = 0;
  let fail: Error | null = null;
  let gate: Promise<void> | null = null;
  return {
    rows,
    get reads() {
      return reads;
    },
    failNext(err: Error | null) {
      fail = err;
    },
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = null;
        release();
      };
    },
    async load(orgId: string, key: string): Promise<string | null> {
      reads++;
      const value = rows.get(`${orgId}/${key}`) ?? null; // read "now", as a query would
      if (gate) await gate;
      if (fail) {
        const e = fail;
        fail = null;
        throw e;
      }
      return value;
    },
  };
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe("OrgRowsCache", () => {
  it("answers from memory within the max-age: one read for many gets, concurrent gets share it", async () => {
    const t = table();
    t.rows.set(`${A}/s1`, "v1");
    const c = clock();
    const cache = new OrgRowsCache({ load: (o, k) => t.load(o, k), changes: memoryBus(), maxAgeMs: 500, now: c.now });
    const [x, y] = await Promise.all([cache.get(A, "s1"), cache.get(A, "s1")]);
    expect([x, y]).toEqual(["v1", "v1"]);
    c.advance(249);
    expect(await cache.get(A, "s1")).toBe("v1");
    expect(t.reads).toBe(1);
  });

  it("re-reads in the background from half the max-age: callers keep the cached answer meanwhile", async () => {
    const t = table();
    t.rows.set(`${A}/s1`, "v1");
    const c = clock();
    const cache = new OrgRowsCache({ load: (o, k) => t.load(o, k), changes: memoryBus(), maxAgeMs: 500, now: c.now });
    await cache.get(A, "s1");
    t.rows.set(`${A}/s1`, "v2");
    c.advance(250);
    const release = t.hold();
    expect(await cache.get(A, "s1")).toBe("v1"); // answered at once, a re-read started
    expect(await cache.get(A, "s1")).toBe("v1"); // one re-read at a time
    expect(t.reads).toBe(2);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.get(A, "s1")).toBe("v2");
    // Its age now counts from the re-read: another 499 ms without a read on the path.
    c.advance(249);
    expect(await cache.get(A, "s1")).toBe("v2");
    expect(t.reads).toBe(2);
  });

  it("a failed background re-read fails no caller and is not cached; past the max-age the next get reads", async () => {
    const t = table();
    t.rows.set(`${A}/s1`, "v1");
    const c = clock();
    const cache = new OrgRowsCache({ load: (o, k) => t.load(o, k), changes: memoryBus(), maxAgeMs: 500, now: c.now });
    await cache.get(A, "s1");
    c.advance(300);
    t.failNext(new Error("connection refused"));
    expect(await cache.get(A, "s1")).toBe("v1");
    await new Promise((r) => setTimeout(r, 0));
    c.advance(200); // 500 ms after the first read: never served again
    t.failNext(new Error("connection refused"));
    await expect(cache.get(A, "s1")).rejects.toThrow("connection refused");
    expect(await cache.get(A, "s1")).toBe("v1");
    expect(t.reads).toBe(4);
  });

  it("a background re-read that finds the row gone (not cacheable) drops the cached answer", async () => {
    const t = table();
    t.rows.set(`${A}/s1`, "v1");
    const c = clock();
    const cache = new OrgRowsCache<string | null>({ load: (o, k) => t.load(o, k), changes: memoryBus(), maxAgeMs: 500, now: c.now, cacheable: (v) => v !== null });
    await cache.get(A, "s1");
    t.rows.delete(`${A}/s1`);
    c.advance(300);
    expect(await cache.get(A, "s1")).toBe("v1");
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.get(A, "s1")).toBeNull();
  });

  it("a background re-read overtaken by a change is not kept", async () => {
    const t = table();
    t.rows.set(`${A}/s1`, "v1");
    const c = clock();
    const bus = memoryBus();
    const cache = new OrgRowsCache({ load: (o, k) => t.load(o, k), changes: bus, maxAgeMs: 500, now: c.now });
    await cache.get(A, "s1");
    c.advance(300);
    const release = t.hold();
    expect(await cache.get(A, "s1")).toBe("v1"); // background re-read reads "v1", then waits
    t.rows.set(`${A}/s1`, "v2");
    await bus.publish(A);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.get(A, "s1")).toBe("v2");
  });

  it("reads again once the max-age has passed, counted from when the read began", async () => {
    const t = table();
    t.rows.set(`${A}/s1`, "v1");
    const c = clock();
    const cache = new OrgRowsCache({ load: (o, k) => t.load(o, k), changes: memoryBus(), maxAgeMs: 500, now: c.now });
    expect(await cache.get(A, "s1")).toBe("v1");
    t.rows.set(`${A}/s1`, "v2"); // a change nobody announced (a lost message)
    c.advance(500);
    expect(await cache.get(A, "s1")).toBe("v2");
    expect(t.reads).toBe(2);
  });

  it("drops the org on a bus message — its own instance's publish, and another instance's", async () => {
    const t = table();
    t.rows.set(`${A}/s1`, "v1");
    t.rows.set(`${B}/s1`, "b1");
    // Two instances' buses, linked the way Redis or NOTIFY links them (each ignores its own echo).
    const local = memoryBus();
    const remote = memoryBus();
    const linked: OrgChangeSource = {
      subscribe: (h) => {
        const off1 = local.subscribe(h);
        const off2 = remote.subscribe(h);
        return () => {
          off1();
          off2();
        };
      },
    };
    const cache = new OrgRowsCache({ load: (o, k) => t.load(o, k), changes: linked, maxAgeMs: 600_000 });
    await cache.get(A, "s1");
    await cache.get(B, "s1");
    t.rows.set(`${A}/s1`, "v2");
    t.rows.set(`${B}/s1`, "b2");
    await local.publish(A);
    expect(await cache.get(A, "s1")).toBe("v2");
    expect(await cache.get(B, "s1")).toBe("b1"); // only the org that changed is dropped
    t.rows.set(`${A}/s1`, "v3");
    await remote.publish(A);
    expect(await cache.get(A, "s1")).toBe("v3");
    expect(t.reads).toBe(4);
    cache.close();
    await local.publish(A); // closed: unsubscribed, nothing left to drop
  });

  it("does not cache a load that was under way when the org changed (its callers still get it)", async () => {
    const t = table();
    t.rows.set(`${A}/s1`, "old");
    const bus = memoryBus();
    const cache = new OrgRowsCache({ load: (o, k) => t.load(o, k), changes: bus, maxAgeMs: 600_000 });
    const release = t.hold();
    const inFlight = cache.get(A, "s1"); // reads "old", then waits
    await Promise.resolve();
    t.rows.set(`${A}/s1`, "new");
    await bus.publish(A); // the change commits and is announced while the read is under way
    release();
    expect(await inFlight).toBe("old");
    expect(await cache.get(A, "s1")).toBe("new"); // the old answer was not kept
    expect(t.reads).toBe(2);
    expect(await cache.get(A, "s1")).toBe("new");
    expect(t.reads).toBe(2);
  });

  it("a get after the change does not join the stale load: it starts its own", async () => {
    const t = table();
    t.rows.set(`${A}/s1`, "old");
    const bus = memoryBus();
    const cache = new OrgRowsCache({ load: (o, k) => t.load(o, k), changes: bus, maxAgeMs: 600_000 });
    const release = t.hold();
    const first = cache.get(A, "s1");
    await Promise.resolve();
    t.rows.set(`${A}/s1`, "new");
    await bus.publish(A);
    release();
    const second = cache.get(A, "s1");
    expect(await first).toBe("old");
    expect(await second).toBe("new");
  });

  it("does not cache failures: the error reaches the caller and the next get reads again", async () => {
    const t = table();
    t.rows.set(`${A}/s1`, "v1");
    const c = clock();
    const cache = new OrgRowsCache({ load: (o, k) => t.load(o, k), changes: memoryBus(), maxAgeMs: 500, now: c.now });
    t.failNext(new Error("connection refused"));
    await expect(cache.get(A, "s1")).rejects.toThrow("connection refused");
    expect(await cache.get(A, "s1")).toBe("v1");
    expect(t.reads).toBe(2);
    // An expired value is not served when its reload fails.
    c.advance(500);
    t.failNext(new Error("timeout"));
    await expect(cache.get(A, "s1")).rejects.toThrow("timeout");
    expect(cache.entries).toBe(0);
  });

  it("a loader that throws synchronously fails the get, uncached", async () => {
    let n = 0;
    const cache = new OrgRowsCache<string>({
      load: () => {
        n++;
        throw new Error("bad");
      },
      changes: memoryBus(),
    });
    await expect(cache.get(A)).rejects.toThrow("bad");
    await expect(cache.get(A)).rejects.toThrow("bad");
    expect(n).toBe(2);
  });

  it("keeps nothing the caller says not to keep (misses), and keys entries by org", async () => {
    const t = table();
    t.rows.set(`${A}/s1`, "a-secret");
    const cache = new OrgRowsCache<string | null>({ load: (o, k) => t.load(o, k), changes: memoryBus(), maxAgeMs: 600_000, cacheable: (v) => v !== null });
    expect(await cache.get(A, "s1")).toBe("a-secret");
    // The same key under another org is another entry: org B never gets org A's row.
    expect(await cache.get(B, "s1")).toBeNull();
    expect(await cache.get(B, "s1")).toBeNull();
    expect(t.reads).toBe(3); // the miss was read twice, not cached
    expect(cache.entries).toBe(1);
  });

  it("stays within its size bound, dropping the least recently loaded orgs", async () => {
    const t = table();
    const orgs = Array.from({ length: 5 }, (_, i) => `0000000${i}-0000-4000-8000-000000000000`);
    for (const o of orgs) for (const k of ["x", "y"]) t.rows.set(`${o}/${k}`, `${o}${k}`);
    const cache = new OrgRowsCache({ load: (o, k) => t.load(o, k), changes: memoryBus(), maxAgeMs: 600_000, maxEntries: 4 });
    for (const o of orgs) {
      await cache.get(o, "x");
      await cache.get(o, "y");
    }
    expect(cache.entries).toBeLessThanOrEqual(4);
    const reads = t.reads;
    expect(await cache.get(orgs[4], "y")).toBe(`${orgs[4]}y`); // the newest org is still there
    expect(t.reads).toBe(reads);
    expect(await cache.get(orgs[0], "x")).toBe(`${orgs[0]}x`); // the oldest was dropped: read again
    expect(t.reads).toBe(reads + 1);
  });
});
