// Shapes of the connector admin API as the console reads them (see docs/admin-api.md).
import type { ConnectorActionView, ConnectorView } from "@/lib/connectors/views";

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

// The API's own view types (type-only: nothing of lib/ reaches the browser bundle).

export type Connector = ConnectorView;
export type ConnectorAction = ConnectorActionView;

export interface TestOutcome {
  ok: boolean;
  error: string | null;
  connector: Connector;
  tools?: { added: string[]; held_back: string[]; removed: string[] };
}

export const can = (c: Connector, a: LifecycleAction) =>
  c.allowed_actions.includes(a) || ((a === "test" || a === "retry") && (c.allowed_actions.includes("test") || c.allowed_actions.includes("retry")));
