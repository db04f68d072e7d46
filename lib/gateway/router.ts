// Every request under /v1 belongs to a gateway: /v1/mcp is MCP Fortress, everything else is the
// Anthropic API surface of PAT Fortress (which serves what it governs and refuses the rest in
// Anthropic's error format). One router for the Next route, the production front and the tests.
import type { PatGateway } from "./pat/gateway";

export type WebHandler = (request: Request) => Promise<Response>;

export interface Gateways {
  mcp: WebHandler;
  pat: PatGateway;
}

/** True for the paths the gateways own: /v1 and everything below it. */
export function isGatewayPath(pathname: string): boolean {
  return pathname === "/v1" || pathname.startsWith("/v1/");
}

/** The path below /v1 as decoded segments, as Next hands a catch-all route its params. */
export function gatewaySegments(pathname: string): string[] {
  return pathname
    .slice(3)
    .split("/")
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s; // a malformed escape stays as sent; the gateway answers 404 for it
      }
    });
}

export function gatewayRouter(gateways: () => Gateways): WebHandler {
  return (request) => {
    const { pathname } = new URL(request.url);
    const g = gateways();
    // With a trailing slash too: a client configured with ".../v1/mcp/" is still talking MCP (Next
    // redirects it; the front serves it) and must not get PAT's Anthropic-format 404.
    if (pathname === "/v1/mcp" || pathname === "/v1/mcp/") return g.mcp(request);
    return g.pat.other(request, gatewaySegments(pathname));
  };
}
