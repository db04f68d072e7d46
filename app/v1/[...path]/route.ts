import { patGateway } from "@/lib/gateway/pat/gateway";

// Any other /v1/* path: /v1/models/{id} and the "/v1/v1/…" paths of SDKs configured with a base URL
// ending in /v1 are served; every other Anthropic endpoint (batches, files…) is refused with an
// Anthropic-shaped error, never forwarded ungoverned. (/v1/mcp has its own, more specific route.)
export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ path: string[] }> };
const handle = async (request: Request, ctx: Ctx) => patGateway().other(request, (await ctx.params).path ?? []);
export const GET = handle;
export const POST = handle;
export const PUT = handle;
export const PATCH = handle;
export const DELETE = handle;
