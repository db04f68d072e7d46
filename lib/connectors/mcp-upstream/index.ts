// The upstream MCP server connector: a Streamable HTTP MCP server whose tools Fortress re-exposes
// as `slug__tool`, governed like every other action. Tool definitions are pinned: the SHA-256 of the
// canonical {name, description, inputSchema, outputSchema}. The gateway only ever shows the model
// the approved (pinned) definition; a changed definition is held back (exposed = false,
// pendingHash / pendingDefinition set) until an admin approves it — the tool-poisoning defence.
import { createHash } from "node:crypto";
import { canonicalJson } from "../../audit/canonical";
import { readCredential, str } from "../http";
import { checkBaseUrl } from "../schema";
import { ConnectorError, type ActionCall, type ActionResult, type ConnectorType } from "../types";
import { listUpstreamTools, rpc, type UpstreamTarget, type UpstreamTool } from "./client";

export { listUpstreamTools, forgetUpstreamSessions, type UpstreamTool } from "./client";

export function toolDefinition(t: UpstreamTool): Record<string, unknown> {
  return { name: t.name, description: t.description ?? "", inputSchema: t.inputSchema ?? { type: "object" }, outputSchema: t.outputSchema ?? null };
}

/** SHA-256 (hex) of the canonical JSON of name, description, inputSchema and outputSchema. */
export function toolHash(t: UpstreamTool | Record<string, unknown>): string {
  const d = toolDefinition(t as UpstreamTool);
  return createHash("sha256").update(canonicalJson(d)).digest("hex");
}

/** Upstream tool name → action name ([a-z0-9_], no "__"). */
export function upstreamActionName(tool: string): string {
  const n = tool
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/_{2,}/g, "_")
    .replace(/^_+|_+$/g, "");
  return (n || "tool").slice(0, 64);
}

function target(call: Pick<ActionCall, "connector" | "credential" | "signal">): UpstreamTarget {
  const url = str(call.connector.config, "url");
  if (!url) throw new ConnectorError("Upstream MCP server URL is not configured", { status: 400 });
  const cred = readCredential(call.credential);
  const headerName = str(call.connector.config, "auth_header") ?? "authorization";
  return { url, auth: cred.auth_value ? [headerName, cred.auth_value] : undefined, signal: call.signal, sessionKey: call.connector.id };
}

export async function discoverTools(call: Pick<ActionCall, "connector" | "credential" | "signal">): Promise<UpstreamTool[]> {
  return listUpstreamTools(target(call));
}

export const mcpUpstream: ConnectorType = {
  type: "mcp",
  name: "Upstream MCP server",
  description: "A remote MCP server (Streamable HTTP): its tools are discovered, pinned and governed.",
  credentialType: "auth_header",
  credentialFields: [
    { name: "auth_value", label: "Auth header value", secret: true, optional: true, help: "e.g. Bearer eyJ… (leave empty for a server without auth)" },
  ],
  configFields: [
    { name: "url", label: "Server URL", secret: false, help: "The Streamable HTTP endpoint, e.g. https://mcp.example.com/mcp" },
    { name: "auth_header", label: "Auth header name", secret: false, optional: true, help: "Default Authorization" },
  ],
  actions: [],
  validateConfig: (config) => {
    const url = checkBaseUrl(config.url, "url");
    if (!url) throw new ConnectorError("url is required", { status: 400 });
    const h = config.auth_header;
    if (h !== undefined && h !== "" && (typeof h !== "string" || !/^[A-Za-z0-9-]{1,64}$/.test(h) || ["host", "content-type", "accept", "mcp-session-id", "mcp-protocol-version"].includes(h.toLowerCase()))) {
      throw new ConnectorError("auth_header must be a header name such as Authorization or X-API-Key", { status: 400 });
    }
    return { url, ...(typeof h === "string" && h ? { auth_header: h } : {}) };
  },
  endpoint: (config) => {
    const url = str(config, "url");
    if (!url) throw new ConnectorError("Upstream MCP server URL is not configured", { status: 400 });
    return url;
  },

  async test(call) {
    await discoverTools(call);
  },

  async execute(call): Promise<ActionResult> {
    const tool = typeof call.action.binding?.tool === "string" ? (call.action.binding.tool as string) : call.action.name;
    const result = await rpc(target(call), "tools/call", { name: tool, arguments: call.args });
    const content = (Array.isArray(result?.content) ? result.content : [])
      .map((c: any) => (c?.type === "text" && typeof c.text === "string" ? { type: "text" as const, text: c.text } : { type: "text" as const, text: JSON.stringify(c) }));
    return {
      content,
      ...(result?.structuredContent && typeof result.structuredContent === "object" ? { structuredContent: result.structuredContent } : {}),
      ...(result?.isError ? { isError: true } : {}),
    };
  },
};
