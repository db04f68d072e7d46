// CONTRACT: the policy model as plain data. The policy store (DB tables, admin API) produces a
// PolicySource per org; the engine compiles it (compilePolicy) and decides over the compiled form.
import type { Tier } from "@/db/schema";
import type { RedactionSettings } from "../redaction";

export type Effect = "allow" | "deny";

export type GrantSource =
  | { kind: "connector_action"; connectorId: string; action: string; effect: Effect }
  | { kind: "pat_key"; patKeyId: string; effect: Effect };

export interface RoleSource {
  id: string;
  name: string;
  grants: GrantSource[];
  /** Overrides the org's redaction settings for holders of this role. */
  redaction?: Partial<RedactionSettings>;
}

export interface AssignmentSource {
  roleId: string;
  subjectKind: "user" | "service_account";
  subjectId: string;
}

/** 0 = Sunday … 6 = Saturday, as Date#getDay and Intl agree. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

export type RuleCondition =
  /** Allowed only inside the window, evaluated in the rule's IANA time zone (DST-correct). */
  | { type: "time_window"; days: Weekday[]; start: string /* "09:00" */; end: string /* "17:00" */; timeZone: string }
  /** At most `limit` calls per `windowSeconds`, counted per user, per role or per org. */
  | { type: "rate_limit"; limit: number; windowSeconds: number; per: "user" | "role" | "org" }
  /** Allowed only from these IPv4/IPv6 CIDRs. */
  | { type: "ip_allowlist"; cidrs: string[] }
  /** Allowed only when the expression over the subject's attributes is true: department == "Engineering". */
  | { type: "attribute"; expression: string };

export interface RuleSource {
  id: string;
  name: string;
  enabled: boolean;
  /** Who it applies to: nothing set = the whole org; otherwise a role or one subject. */
  scope: { roleId?: string; subject?: { kind: "user" | "service_account"; id: string } };
  /** What it applies to: nothing set = every resource; connectorId (+ action) or patKeyId. */
  target: { connectorId?: string; action?: string; patKeyId?: string };
  condition: RuleCondition;
}

export interface PolicySource {
  orgId: string;
  tier: Tier;
  version: number | string;
  roles: RoleSource[];
  assignments: AssignmentSource[];
  rules: RuleSource[];
  redaction: {
    org: RedactionSettings;
    /** Per-connector overrides, keyed by connector id. */
    connectors: Record<string, Partial<RedactionSettings>>;
  };
  /** Subject attributes for attribute rules, keyed by `${kind}:${id}`. */
  attributes: Record<string, Record<string, string | string[]>>;
}
