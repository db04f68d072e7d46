// Shapes of the Policy Radar admin API (docs/admin-api.md) as the console reads them.

export type Effect = "allow" | "deny";
export type SubjectKind = "user" | "service_account";

export type Grant =
  | { kind: "connector_action"; connector_id: string; action: string; effect: Effect }
  | { kind: "pat_key"; pat_key_id: string; effect: Effect };

export interface Role {
  id: string;
  name: string;
  description: string;
  grants: Grant[];
  counts: { allowed: number; denied: number; assignments: number };
  created_at: string;
  updated_at: string;
}

export interface PolicyResources {
  connectors: {
    id: string;
    name: string;
    slug: string;
    type: string;
    status: string;
    enabled: boolean;
    actions: { name: string; title: string | null; description: string; destructive: boolean; read_only: boolean; exposed: boolean }[];
  }[];
  pat_keys: { id: string; label: string; status: string; enabled: boolean }[];
}

export interface Subject {
  kind: SubjectKind;
  id: string;
  label: string;
}

export interface Assignment {
  role: { id: string; name: string };
  subject: Subject;
  source: string;
  created_at: string;
}

export type RuleCondition =
  | { type: "time_window"; days: number[]; start: string; end: string; timeZone: string }
  | { type: "rate_limit"; limit: number; windowSeconds: number; per: "user" | "role" | "org" }
  | { type: "ip_allowlist"; cidrs: string[] }
  | { type: "attribute"; expression: string };

export interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  scope: { role_id?: string; subject?: { kind: SubjectKind; id: string } };
  target: { connector_id?: string; action?: string; pat_key_id?: string };
  condition: RuleCondition;
  summary: string;
  created_at: string;
  updated_at: string;
}

export interface RedactionSettings {
  email: boolean;
  phone: boolean;
  ssn: boolean;
  creditCard: boolean;
  custom: { name: string; pattern: string }[];
}

export interface RedactionView {
  org: RedactionSettings;
  roles: { role_id: string; role_name: string; settings: Partial<RedactionSettings> }[];
  connectors: { connector_id: string; connector_name: string; settings: Partial<RedactionSettings> }[];
  custom_patterns_allowed: boolean;
}

export interface TraceStep {
  layer: "toggle" | "role" | "rule";
  outcome: "pass" | "deny" | "skip";
  detail: string;
}

export interface Simulation {
  decision: { effect: Effect; layer: TraceStep["layer"]; rule_id: string | null; reason: string; retry_after_seconds: number | null };
  trace: TraceStep[];
  subject: Subject & { roles: { id: string; name: string }[] };
  resource:
    | { kind: "connector_action"; tool: string; connector_id: string; connector_name: string; action: string; enabled: boolean; destructive: boolean }
    | { kind: "pat_key"; pat_key_id: string; label: string; enabled: boolean };
  ip: string | null;
  at: string;
  redaction: RedactionSettings;
}

export const LAYER_LABELS: Record<TraceStep["layer"], string> = {
  toggle: "1 · Connector / key toggle",
  role: "2 · Role permissions",
  rule: "3 · Conditional rules",
};
