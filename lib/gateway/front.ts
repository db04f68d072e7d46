// The gateways as the production front serves them (see lib/http/front.ts): the router over this
// process's MCP handler and PAT gateway, behind the node adapter, with the baseline security headers
// Next.js would have added.
import { nodeListener } from "../http/node-adapter";
import { publishGatewayFront } from "../http/front";
import { SECURITY_HEADERS } from "../http/security-headers";
import { mcpHandler } from "./mcp/handler";
import { patGateway } from "./pat/gateway";
import { gatewayRouter } from "./router";

/** The process's gateways (real policy engine, vault and audit log). */
export const routeGateway = gatewayRouter(() => ({ mcp: mcpHandler(), pat: patGateway() }));

/** Called when the /v1 route module loads (app/v1/[[...path]]/route.ts): from then on /v1 bypasses Next. */
export function publishGateways(): void {
  publishGatewayFront(nodeListener(routeGateway, { headers: SECURITY_HEADERS }));
}
