// The production HTTP front (scripts/server.ts). Every request gets the socket's peer address
// stamped into x-fortress-peer (replacing anything a client sent; see client-ip.ts). Requests for
// the gateways (/v1/*) then go straight to them through the node adapter; everything else (console,
// admin API, SSO, SCIM) to Next.js.
//
// Why the gateways skip Next: its routing and Request/Response plumbing added 1.5–2.5 ms to every
// gateway call here (docs/benchmarks.md), more than the gateways' own work. The listener that serves
// them is built inside Next's server bundle, by the /v1 route module when it first loads
// (lib/gateway/front.ts), and published on globalThis: there is still one copy of lib/ and of its
// process-wide state (caches, audit chain heads) for the console and the gateways. Until it is
// published, /v1 goes through that Next route, which runs the very same router.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { isGatewayPath } from "../gateway/router";
import { PEER_HEADER } from "./client-ip";

const g = globalThis as typeof globalThis & { __fortressGatewayFront?: RequestListener };

export function publishGatewayFront(listener: RequestListener): void {
  g.__fortressGatewayFront = listener;
}

export function publishedGatewayFront(): RequestListener | undefined {
  return g.__fortressGatewayFront;
}

/**
 * Where the front finds the gateways: nowhere under `npm run dev` (Next's route keeps hot reload
 * working) or with FORTRESS_GATEWAY_FRONT=off (the operator's way back to Next's routing), else
 * the listener published by the /v1 route.
 */
export function gatewayFrontSource(opts: { dev: boolean; setting: "on" | "off" }): () => RequestListener | undefined {
  return opts.dev || opts.setting === "off" ? () => undefined : publishedGatewayFront;
}

/** The request path without its query, as sent on the request line. */
function pathOf(url: string | undefined): string {
  if (!url) return "/";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

export function createFrontListener(
  next: (req: IncomingMessage, res: ServerResponse) => unknown,
  gatewayFront: () => RequestListener | undefined = publishedGatewayFront,
): RequestListener {
  return (req, res) => {
    req.headers[PEER_HEADER] = req.socket.remoteAddress ?? "";
    const front = isGatewayPath(pathOf(req.url)) ? gatewayFront() : undefined;
    if (front) return front(req, res);
    void next(req, res);
  };
}
