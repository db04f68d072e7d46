// Reads just enough of a Messages API body to govern it. The client's bytes are what gets
// forwarded; this parses a copy and never re-serialises anything.
import { FortressError } from "../../errors";

/** Anthropic's own request-size limit for the Messages API. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface GovernedBody {
  model: string;
  maxTokens: number | null;
  stream: boolean;
  /** Documents/images by URL or file id, server tools, MCP servers: input not bounded by body size. */
  remoteSources: number;
}

const invalid = (message: string) => new FortressError("invalid_request", message);

function countRemoteSources(body: Record<string, unknown>): number {
  let n = 0;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) {
    const content = (m as { content?: unknown })?.content;
    if (!Array.isArray(content)) continue;
    for (const block of content) {
      const src = (block as { source?: { type?: unknown } })?.source;
      if (src && (src.type === "url" || src.type === "file")) n++;
    }
  }
  const tools = Array.isArray(body.tools) ? body.tools : [];
  for (const t of tools) {
    const type = (t as { type?: unknown })?.type;
    if (typeof type === "string" && type !== "custom" && /web_|code_execution|bash_|computer_/.test(type)) n++;
  }
  if (Array.isArray(body.mcp_servers)) n += body.mcp_servers.length;
  return n;
}

export function parseGovernedBody(bytes: Uint8Array, needsMaxTokens: boolean): GovernedBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch {
    throw invalid("The request body is not valid JSON");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw invalid("The request body must be a JSON object");
  const body = parsed as Record<string, unknown>;
  if (typeof body.model !== "string" || body.model.length === 0) throw invalid("model: Field required");
  let maxTokens: number | null = null;
  if (needsMaxTokens) {
    if (typeof body.max_tokens !== "number" || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
      throw invalid("max_tokens: Field required (a positive integer)");
    }
    maxTokens = body.max_tokens;
  }
  return { model: body.model, maxTokens, stream: body.stream === true, remoteSources: countRemoteSources(body) };
}
