// Session key cache: unwrapped keys live in memory for a bounded TTL and are zeroed (all bytes 0) on
// expiry, eviction and clear; callers get copies; concurrent callers share one unwrap.
import { afterEach, describe, expect, it } from "vitest";
import { clear, evict, getOrUnwrap, sessionCacheKey, sessionKeyCount } from "@/lib/vault/session-keys";
import { randomBytes } from "node:crypto";
import { forgetOrgProvider } from "@/lib/vault/org-keys";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isZero = (b: Buffer) => b.every((x) => x === 0);

afterEach(() => clear());

describe("session key cache", () => {
  it("zeroes the cached key when its TTL expires, and unwraps again afterwards", async () => {
    const owned = randomBytes(32);
    const original = Buffer.from(owned);
    let calls = 0;
    const unwrap = async () => {
      calls++;
      return calls === 1 ? owned : Buffer.from(original);
    };
    const k = sessionCacheKey("t", "expiry");
    const a = await getOrUnwrap(k, 0.15, unwrap);
    expect(a.equals(original)).toBe(true);
    expect(a).not.toBe(owned); // the caller's copy, not the cache's buffer
    const b = await getOrUnwrap(k, 0.15, unwrap);
    expect(b.equals(original)).toBe(true);
    expect(calls).toBe(1);
    expect(isZero(owned)).toBe(false);
    await sleep(300);
    expect(isZero(owned)).toBe(true); // the cache's own buffer is wiped
    expect(sessionKeyCount()).toBe(0);
    expect(a.equals(original)).toBe(true); // callers' copies are theirs to zero
    const c = await getOrUnwrap(k, 0.15, unwrap);
    expect(c.equals(original)).toBe(true);
    expect(calls).toBe(2);
  });

  it("reconfiguring an org's key provider drops (and zeroes) every session key at once", async () => {
    const owned = randomBytes(32);
    await getOrUnwrap(sessionCacheKey("t", "reconfigure"), 300, async () => owned);
    expect(sessionKeyCount()).toBe(1);
    forgetOrgProvider("00000000-0000-0000-0000-000000000001");
    expect(sessionKeyCount()).toBe(0);
    expect(isZero(owned)).toBe(true);
  });

  it("clear() and evict() zero what they drop", async () => {
    const one = randomBytes(32);
    const two = randomBytes(32);
    await getOrUnwrap("k1", 60, async () => one);
    await getOrUnwrap("k2", 60, async () => two);
    evict("k1");
    expect(isZero(one)).toBe(true);
    expect(isZero(two)).toBe(false);
    clear();
    expect(isZero(two)).toBe(true);
    expect(sessionKeyCount()).toBe(0);
  });

  it("concurrent callers share one unwrap, each gets its own copy", async () => {
    let calls = 0;
    const key = randomBytes(32);
    const unwrap = async () => {
      calls++;
      await sleep(20);
      return Buffer.from(key);
    };
    const got = await Promise.all(Array.from({ length: 5 }, () => getOrUnwrap("shared", 60, unwrap)));
    expect(calls).toBe(1);
    expect(new Set(got).size).toBe(5);
    for (const g of got) expect(g.equals(key)).toBe(true);
  });

  it("a failed unwrap is not cached", async () => {
    await expect(getOrUnwrap("fails", 60, async () => Promise.reject(new Error("refused")))).rejects.toThrow("refused");
    expect(sessionKeyCount()).toBe(0);
    expect((await getOrUnwrap("fails", 60, async () => Buffer.from("ok"))).toString()).toBe("ok");
  });

  it("TTL 0 disables caching", async () => {
    let calls = 0;
    await getOrUnwrap("nocache", 0, async () => (calls++, randomBytes(8)));
    await getOrUnwrap("nocache", 0, async () => (calls++, randomBytes(8)));
    expect(calls).toBe(2);
    expect(sessionKeyCount()).toBe(0);
  });

  it("cache keys are length-prefixed: ('ab','c') and ('a','bc') differ", () => {
    expect(sessionCacheKey("ab", "c")).not.toBe(sessionCacheKey("a", "bc"));
  });
});
