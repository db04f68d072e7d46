// Shapes of the connector admin API as the console reads them (see docs/admin-api.md).
export type ConnectorStatus = "PENDING" | "ACTIVE" | "OFFLINE" | "KILLED";
export type LifecycleAction = "edit" | "test" | "retry" | "rotate" | "kill" | "delete" | "enable";

export interface FieldDef {
  name: string;
  label: string;
  secret: boolean;
  optional?: boolean;
  help?: string;
}

export interface ConnectorTypeView {
  type: string;
  name: string;
  description: string;
  credential_fields: FieldDef[];
  config_fields: FieldDef[];
  actions: { name: string; title: string | null; description: string; destructive: boolean; read_only: boolean }[];
  discovers_actions: boolean;
}

export interface Connector {
  id: string;
  type: string;
  type_name: string;
  slug: string;
  name: string;
  status: ConnectorStatus;
  enabled: boolean;
  config: Record<string, unknown>;
  credential: { type: string; label: string; created_at: string; rotated_at: string | null; expires_at: string | null; expiring_soon: boolean } | null;
  consecutive_failures: number;
  last_tested_at: string | null;
  last_error: string | null;
  tools: { total: number; exposed: number; pending_approval: number };
  roles: { id: string; name: string }[];
  allowed_actions: LifecycleAction[];
  created_at: string;
  updated_at: string;
}

export interface ConnectorAction {
  id: string;
  name: string;
  tool_name: string;
  title: string | null;
  description: string;
  input_schema: Record<string, unknown>;
  destructive: boolean;
  read_only: boolean;
  exposed: boolean;
  pinned_hash: string | null;
  pending: { hash: string; definition: Record<string, unknown> } | null;
  binding: Record<string, unknown>;
}

export interface TestOutcome {
  ok: boolean;
  error: string | null;
  connector: Connector;
  tools?: { added: string[]; held_back: string[]; removed: string[] };
}

export const can = (c: Connector, a: LifecycleAction) =>
  c.allowed_actions.includes(a) || ((a === "test" || a === "retry") && (c.allowed_actions.includes("test") || c.allowed_actions.includes("retry")));
