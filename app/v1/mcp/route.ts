// /v1/mcp — MCP Fortress endpoint (Streamable HTTP; protocol revisions 2025-06-18, 2025-11-25 and
// 2026-07-28). All logic lives in lib/gateway/mcp; this file only hands Next's Request over.
import { mcpHandler } from "@/lib/gateway/mcp/handler";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// POST /v1/mcp – one JSON-RPC message
export const POST = (request: Request) => mcpHandler()(request);
// GET /v1/mcp – notification stream of a legacy session
export const GET = (request: Request) => mcpHandler()(request);
// DELETE /v1/mcp – end a legacy session
export const DELETE = (request: Request) => mcpHandler()(request);
