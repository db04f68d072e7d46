// Per-request facts every surface needs: a request id and the client address.
import { randomUUID } from "node:crypto";
import type { RequestMeta } from "../context";
import { env } from "../env";
import { clientIp, parseCidrList, type Cidr } from "./client-ip";

let trusted: { source: string | undefined; cidrs: Cidr[] } | undefined;

function trustedProxies(): Cidr[] {
  const source = env().FORTRESS_TRUSTED_PROXIES;
  if (!trusted || trusted.source !== source) trusted = { source, cidrs: parseCidrList(source) };
  return trusted.cidrs;
}

export function requestMeta(request: Request): RequestMeta {
  return { requestId: randomUUID(), clientIp: clientIp(request.headers, trustedProxies()) };
}
