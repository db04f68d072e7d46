// The connector catalog: every connector type Fortress knows, by its `type` key.
import { github } from "./github";
import { jira } from "./jira";
import { mcpUpstream } from "./mcp-upstream";
import { openapi } from "./openapi";
import { salesforce } from "./salesforce";
import { slack } from "./slack";
import type { ConnectorType } from "./types";
import { zendesk } from "./zendesk";

const TYPES: ConnectorType[] = [zendesk, slack, github, jira, salesforce, openapi, mcpUpstream];
const BY_TYPE = new Map(TYPES.map((t) => [t.type, t]));

export function getConnectorType(type: string): ConnectorType | undefined {
  return BY_TYPE.get(type);
}

export function listConnectorTypes(): ConnectorType[] {
  return TYPES;
}

/** The catalog as the admin API and console show it: no executors. */
export function connectorTypeView(t: ConnectorType) {
  return {
    type: t.type,
    name: t.name,
    description: t.description,
    credential_fields: t.credentialFields,
    config_fields: t.configFields,
    actions: t.actions.map((a) => ({ name: a.name, title: a.title ?? null, description: a.description, destructive: a.destructive, read_only: a.readOnly, input_schema: a.inputSchema })),
    discovers_actions: t.type === "openapi" || t.type === "mcp",
  };
}
