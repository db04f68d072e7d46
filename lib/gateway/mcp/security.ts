// DNS-rebinding and cross-site defences of the MCP endpoint (transport spec "Security Warning").
// A rebinding page at http://evil.example whose name now resolves to this server sends
// `Host: evil.example` and `Origin: http://evil.example` — "same origin as the Host" would pass it.
// So the Host itself must be one of ours: the public URL's host, localhost, or an IP literal (a page
// cannot make a browser send an IP literal or localhost as Host for the attacker's own name). Origin,
// when present, must then be ours too.
import ipaddr from "ipaddr.js";

function hostname(hostHeader: string): string | null {
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  } catch {
    return null;
  }
}

const isLocalName = (h: string) => h === "localhost" || h.endsWith(".localhost");

export function hostAllowed(hostHeader: string | null, publicOrigin: string | null): boolean {
  if (!hostHeader) return false; // HTTP/1.1 requires Host; undici and browsers always send it
  const h = hostname(hostHeader);
  if (!h) return false;
  if (ipaddr.isValid(h) || isLocalName(h)) return true;
  return publicOrigin !== null && new URL(publicOrigin).hostname.toLowerCase() === h;
}

/**
 * No Origin (a non-browser client) is fine: the API key is the authentication. Otherwise the Origin
 * must be the endpoint's own origin (its Host, already vetted) or the public URL's.
 */
export function originAllowed(origin: string | null, hostHeader: string | null, publicOrigin: string | null): boolean {
  if (origin === null) return true;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file:) and garbage are foreign
  }
  if (publicOrigin !== null && o.origin === publicOrigin) return true;
  // Same host as the (vetted) Host header. The scheme is not compared: behind a TLS-terminating proxy
  // the request arrives over http while the page's origin is https.
  if (o.protocol !== "https:" && o.protocol !== "http:") return false;
  return hostHeader !== null && o.host === hostHeader.toLowerCase() && hostAllowed(hostHeader, publicOrigin);
}
