// The pooled CSPRNG draw behind data keys and nonces (lib/crypto/random.ts): the size asked for, never
// the same bytes twice (across pool refills too), and what it hands out is not left in the pool.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { secureRandomBytes } from "@/lib/crypto/random";

describe("secureRandomBytes", () => {
  it("returns exactly the size asked for, pooled or not", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2048 }), (size) => {
        expect(secureRandomBytes(size).byteLength).toBe(size);
      }),
    );
  });

  it("never hands out the same bytes twice, across many pool refills", () => {
    const seen = new Set<string>();
    // 12-byte nonces and 32-byte keys interleaved: ~20 pool refills.
    for (let i = 0; i < 2000; i++) {
      for (const size of [12, 32]) {
        const hex = secureRandomBytes(size).toString("hex");
        expect(seen.has(hex)).toBe(false);
        seen.add(hex);
      }
    }
  });

  it("hands out a copy: wiping it after use does not touch later draws", () => {
    const a = secureRandomBytes(32);
    a.fill(0);
    const b = secureRandomBytes(32);
    expect(b.equals(Buffer.alloc(32))).toBe(false);
    expect(b.buffer).not.toBe(a.buffer);
  });

  it("refuses a size that is not a non-negative integer", () => {
    expect(() => secureRandomBytes(-1)).toThrow(RangeError);
    expect(() => secureRandomBytes(1.5)).toThrow(RangeError);
  });
});
