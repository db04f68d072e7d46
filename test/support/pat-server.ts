// A real node:http server (port 0) in front of a PAT gateway instance, through the same router and
// node adapter as production (lib/http/front.ts), so tests and the benchmark drive the gateway with
// the official SDK over HTTP.
import { gatewayRouter } from "@/lib/gateway/router";
import type { PatGateway } from "@/lib/gateway/pat/gateway";
import { serve } from "@/lib/http/node-adapter";

export interface PatServer {
  url: string;
  close(): Promise<void>;
}

const noMcp = async () => new Response(null, { status: 404 });

export async function startPatServer(gateway: PatGateway): Promise<PatServer> {
  const server = await serve(gatewayRouter(() => ({ mcp: noMcp, pat: gateway })));
  return { url: server.url, close: () => server.close() };
}
