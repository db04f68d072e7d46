// CIDR matching is ours (bytes + prefix); ipaddr.js's own `match` is the oracle.
import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { cidrContains, isValidCidr, matchesAny, parseAddress, parseCidr } from "@/lib/policy/cidr";

const bytesV4 = fc.uint8Array({ minLength: 4, maxLength: 4 });
const bytesV6 = fc.uint8Array({ minLength: 16, maxLength: 16 });

/** An address near the base (only bits past the prefix randomised) half of the time, so matches are common. */
function nearby(base: Uint8Array, prefix: number, noise: Uint8Array, near: boolean): number[] {
  if (!near) return [...noise];
  return base.map((b, i) => {
    const bitStart = i * 8;
    if (bitStart + 8 <= prefix) return b;
    if (bitStart >= prefix) return noise[i];
    const keep = prefix - bitStart;
    const mask = (0xff << (8 - keep)) & 0xff;
    return (b & mask) | (noise[i] & ~mask & 0xff);
  }) as unknown as number[];
}

const toText = (bytes: number[] | Uint8Array) => ipaddr.fromByteArray([...bytes]).toString();

describe("CIDR matching agrees with ipaddr.js", () => {
  it("IPv4", () => {
    fc.assert(
      fc.property(bytesV4, fc.integer({ min: 0, max: 32 }), bytesV4, fc.boolean(), (base, prefix, noise, near) => {
        const cidr = `${toText(base)}/${prefix}`;
        const addr = toText(nearby(base, prefix, noise, near));
        const expected = ipaddr.parse(addr).match(ipaddr.parseCIDR(cidr));
        expect(cidrContains(parseCidr(cidr), parseAddress(addr)!)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("IPv6 (addresses in every textual form ipaddr.js prints)", () => {
    fc.assert(
      fc.property(bytesV6, fc.integer({ min: 0, max: 128 }), bytesV6, fc.boolean(), (base, prefix, noise, near) => {
        const baseAddr = ipaddr.fromByteArray([...base]) as ipaddr.IPv6;
        fc.pre(!baseAddr.isIPv4MappedAddress()); // mapped ranges are normalised to IPv4: tested below
        const cidr = `${baseAddr.toString()}/${prefix}`;
        const addrObj = ipaddr.fromByteArray(nearby(base, prefix, noise, near)) as ipaddr.IPv6;
        fc.pre(!addrObj.isIPv4MappedAddress());
        const forms = [addrObj.toString(), addrObj.toNormalizedString(), addrObj.toRFC5952String()];
        const expected = addrObj.match(ipaddr.parseCIDR(cidr));
        for (const f of forms) expect(cidrContains(parseCidr(cidr), parseAddress(f)!)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("random v4 and v6 addresses against mixed allowlists (fast-check's own ipV4/ipV6)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.array(fc.tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.nat()), { minLength: 1, maxLength: 5 }), (addr, ranges) => {
        const cidrs = ranges.map(([a, n]) => {
          const parsed = ipaddr.parse(a);
          return `${a}/${n % (parsed.kind() === "ipv4" ? 33 : 129)}`;
        });
        const a = ipaddr.process(addr);
        const expected = cidrs.some((c) => {
          let [range, bits] = ipaddr.parseCIDR(c);
          if (range.kind() === "ipv6" && (range as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
            range = (range as ipaddr.IPv6).toIPv4Address();
            bits -= 96;
          }
          return a.kind() === range.kind() && a.match(range, bits);
        });
        expect(matchesAny(cidrs.map(parseCidr), addr)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("IPv4-mapped IPv6 and edge cases", () => {
  it("a mapped client address matches an IPv4 range, and a mapped range matches an IPv4 client", () => {
    const v4 = [parseCidr("10.0.0.0/8")];
    expect(matchesAny(v4, "::ffff:10.1.2.3")).toBe(true);
    expect(matchesAny(v4, "::ffff:a01:203")).toBe(true);
    expect(matchesAny(v4, "::ffff:11.1.2.3")).toBe(false);
    const mapped = [parseCidr("::ffff:10.0.0.0/104")];
    expect(mapped[0]).toMatchObject({ kind: "ipv4", prefix: 8 });
    expect(matchesAny(mapped, "10.200.0.1")).toBe(true);
    expect(matchesAny(mapped, "::ffff:10.200.0.1")).toBe(true);
  });

  it("kinds never cross, null and garbage match nothing, /0 matches its family", () => {
    expect(matchesAny([parseCidr("0.0.0.0/0")], "2001:db8::1")).toBe(false);
    expect(matchesAny([parseCidr("::/0")], "192.0.2.1")).toBe(false);
    expect(matchesAny([parseCidr("0.0.0.0/0")], "192.0.2.1")).toBe(true);
    expect(matchesAny([parseCidr("0.0.0.0/0")], null)).toBe(false);
    expect(matchesAny([parseCidr("0.0.0.0/0")], "localhost")).toBe(false);
    expect(matchesAny([parseCidr("fe80::/10")], "fe80::1%eth0")).toBe(true);
    expect(parseCidr("192.0.2.7")).toMatchObject({ prefix: 32 });
  });

  it("validates CIDRs", () => {
    for (const ok of ["10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32", "::/0", "1.2.3.4"]) expect(isValidCidr(ok)).toBe(true);
    for (const bad of ["10.0.0.0/33", "2001:db8::/129", "10.0.0/8", "example.com", "", "10.0.0.0/-1", "1.2.3.4/8/9"]) expect(isValidCidr(bad)).toBe(false);
  });
});
