// SSRF defence for every outbound call to a customer-supplied URL (connectors, upstream MCP servers,
// key services, webhooks). Pure checks here; lib/net/outbound.ts applies them at connect time.
//
// Rules: https only; no userinfo; the destination address must be public unicast, unless it falls in
// FORTRESS_OUTBOUND_ALLOW (self-hosted private upstreams, local test fakes), where plain http is
// also accepted. Odd IPv4 spellings (decimal 2130706433, octal 0177.0.0.1, hex 0x7f.1) are
// normalised by the WHATWG URL parser before we look, and IPv4 embedded in IPv6 (::ffff:127.0.0.1,
// NAT64, 6to4, Teredo) is judged by what it embeds or refused outright.
import ipaddr from "ipaddr.js";
import { inCidrs, parseCidrList, type Cidr } from "../http/client-ip";

export type Verdict = { ok: true } | { ok: false; reason: string };

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

/** Whether one resolved address may be connected to. */
export function checkAddress(address: string, allow: Cidr[]): Verdict {
  const raw = address.replace(/^\[(.*)\]$/, "$1");
  if (!ipaddr.isValid(raw)) return { ok: false, reason: `not an IP address: ${address}` };
  let addr: Addr = ipaddr.parse(raw);
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (inCidrs(addr, allow)) return { ok: true };
  const range = addr.range();
  if (range !== "unicast") return { ok: false, reason: `address ${addr.toString()} is ${range}, not public` };
  return { ok: true };
}

export function isAllowlisted(address: string, allow: Cidr[]): boolean {
  const raw = address.replace(/^\[(.*)\]$/, "$1");
  if (!ipaddr.isValid(raw)) return false;
  let addr: Addr = ipaddr.parse(raw);
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  return inCidrs(addr, allow);
}

/**
 * Checks a URL before any name resolution: scheme, userinfo, and literal IP hosts. A hostname still
 * has to pass `checkAddress` for every address it resolves to (done by the outbound agent).
 */
export function checkUrl(input: string | URL, allow: Cidr[]): Verdict & { url?: URL } {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, reason: "not a valid URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: `scheme ${url.protocol} is not allowed` };
  if (url.username || url.password) return { ok: false, reason: "credentials in the URL are not allowed" };
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) return { ok: false, reason: "no host" };
  if (ipaddr.isValid(host)) {
    const v = checkAddress(host, allow);
    if (!v.ok) return v;
    if (url.protocol === "http:" && !isAllowlisted(host, allow)) return { ok: false, reason: "plain http is only allowed to FORTRESS_OUTBOUND_ALLOW destinations" };
    return { ok: true, url };
  }
  // A name is judged by the addresses it resolves to (lib/net/outbound.ts), at connect time.
  return { ok: true, url };
}

export function parseAllowList(value: string | undefined): Cidr[] {
  return parseCidrList(value);
}
