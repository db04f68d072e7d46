// /v1/* — MCP Fortress (/v1/mcp) and PAT Fortress (the Anthropic API surface). All logic lives in
// lib/gateway. In production the first /v1 request comes through here; loading this module
// publishes the gateways to the HTTP front (lib/http/front.ts), which from then on serves /v1
// without Next's routing. It is published from here, not from instrumentation.ts, because Next
// gives instrumentation its own copy of lib/: the routes share one, and so must the gateways.
import { publishGateways, routeGateway } from "@/lib/gateway/front";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

publishGateways();

export const GET = routeGateway;
export const POST = routeGateway;
export const PUT = routeGateway;
export const PATCH = routeGateway;
export const DELETE = routeGateway;
