// IP allowlists for layer-3 rules: CIDRs parsed once (at compile time) into bytes + prefix length,
// matched by comparing bytes. ipaddr.js parses; matching is ours so the property test can check it
// against ipaddr.js's own `match`. IPv4-mapped IPv6 (::ffff:10.1.2.3) is normalised to IPv4 on both
// sides, so a v4 allowlist holds whether the socket reports the address in v4 or v6 form.
import ipaddr from "ipaddr.js";

export interface ParsedCidr {
  /** The CIDR as written, for reasons and traces. */
  source: string;
  kind: "ipv4" | "ipv6";
  bytes: Uint8Array;
  prefix: number;
}

export class CidrError extends Error {}

/** Parses "10.0.0.0/8", "2001:db8::/32", a bare address (= /32 or /128) or "::ffff:10.0.0.0/104" (→ 10.0.0.0/8). */
export function parseCidr(source: string): ParsedCidr {
  const text = source.trim();
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let prefix: number;
  try {
    // Only dotted-quad IPv4: "10.0.0/8" or "10.1" (inet_aton shorthands) are ambiguous in an allowlist.
    if (!text.includes(":") && !ipaddr.IPv4.isValidFourPartDecimal(text.split("/")[0])) throw new Error("not four-part");
    if (text.includes("/")) {
      [addr, prefix] = ipaddr.parseCIDR(text);
    } else {
      addr = ipaddr.parse(text);
      prefix = addr.kind() === "ipv4" ? 32 : 128;
    }
  } catch {
    throw new CidrError(`"${source}" is not a valid IPv4 or IPv6 CIDR`);
  }
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
    prefix -= 96;
  }
  return { source: text, kind: addr.kind(), bytes: Uint8Array.from(addr.toByteArray()), prefix };
}

export function isValidCidr(source: string): boolean {
  try {
    parseCidr(source);
    return true;
  } catch {
    return false;
  }
}

export interface ParsedAddress {
  kind: "ipv4" | "ipv6";
  bytes: Uint8Array;
}

/** Parses a client address; IPv4-mapped IPv6 becomes IPv4. Null when it is not an IP address. */
export function parseAddress(address: string): ParsedAddress | null {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  const text = address.trim();
  if (!text.includes(":") && !ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  try {
    addr = ipaddr.process(text);
  } catch {
    return null;
  }
  return { kind: addr.kind(), bytes: Uint8Array.from(addr.toByteArray()) };
}

export function cidrContains(cidr: ParsedCidr, address: ParsedAddress): boolean {
  if (cidr.kind !== address.kind) return false;
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (cidr.bytes[i] !== address.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (cidr.bytes[full] & mask) === (address.bytes[full] & mask);
}

/** True when the address lies in any of the CIDRs; an unparseable address matches nothing. */
export function matchesAny(cidrs: ParsedCidr[], address: string | ParsedAddress | null): boolean {
  if (address === null) return false;
  const parsed = typeof address === "string" ? parseAddress(address) : address;
  if (!parsed) return false;
  for (const c of cidrs) if (cidrContains(c, parsed)) return true;
  return false;
}

const addressCache = new Map<string, ParsedAddress | null>();

/** parseAddress memoised (clients repeat their addresses); results are frozen because they are shared. */
export function parseAddressCached(address: string): ParsedAddress | null {
  let hit = addressCache.get(address);
  if (hit === undefined) {
    hit = parseAddress(address);
    if (hit) Object.freeze(hit);
    if (addressCache.size >= 10_000) addressCache.clear();
    addressCache.set(address, hit);
  }
  return hit;
}
