// The client's address. Next.js fills X-Forwarded-For only when the client did not send one, so the
// header cannot be trusted by itself: our server (scripts/server.ts) stamps the socket's peer address
// into `x-fortress-peer`, overwriting anything a client sent, and X-Forwarded-For is believed only
// when that peer is one of FORTRESS_TRUSTED_PROXIES.
import ipaddr from "ipaddr.js";

export const PEER_HEADER = "x-fortress-peer";

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export function parseCidrList(list: string | undefined): Cidr[] {
  if (!list) return [];
  return list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.includes("/") ? ipaddr.parseCIDR(s) : ([ipaddr.parse(s), ipaddr.parse(s).kind() === "ipv4" ? 32 : 128] as Cidr)));
}

/** Parses an address, unwrapping IPv4-mapped IPv6 (::ffff:10.0.0.1 is 10.0.0.1). */
export function normaliseIp(value: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const v = value.trim().replace(/^\[(.*)\]$/, "$1");
  if (!ipaddr.isValid(v)) return null;
  const addr = ipaddr.parse(v);
  return addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}

export function inCidrs(addr: ipaddr.IPv4 | ipaddr.IPv6, cidrs: Cidr[]): boolean {
  return cidrs.some(([range, bits]) => addr.kind() === range.kind() && addr.match(range, bits));
}

/**
 * Walks X-Forwarded-For from the right (nearest hop first) while the hop is a trusted proxy; the
 * first untrusted hop is the client. Returns null when no peer is known.
 */
export function clientIp(headers: Headers, trustedProxies: Cidr[]): string | null {
  const peer = normaliseIp(headers.get(PEER_HEADER) ?? "");
  if (!peer) return null;
  if (!inCidrs(peer, trustedProxies)) return peer.toString();
  const hops = (headers.get("x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseIp(hops[i]);
    if (!hop) break;
    client = hop;
    if (!inCidrs(hop, trustedProxies)) break;
  }
  return client.toString();
}
