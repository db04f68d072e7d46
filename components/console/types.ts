// Shapes of the admin API (docs/admin-api.md) as the console reads them.

export type ConsoleRole = "owner" | "admin" | "auditor" | "member";
export type Tier = "SOHO" | "BANK" | "ZERO_TRUST";
export type Product = "MCP" | "PAT";

export interface ConsoleIdentity {
  user: { id: string; email: string; name: string | null };
  org: { id: string; name: string; slug: string; tier: Tier; products: Product[] };
  role: ConsoleRole;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  owner: { type: "user" | "service_account"; id: string; label: string };
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface Member {
  id: string;
  email: string;
  name: string | null;
  console_role: ConsoleRole;
  joined_at: string;
}

export interface Invitation {
  id: string;
  email: string;
  console_role: ConsoleRole;
  expires_at: string;
  created_at: string;
}

export interface CreatedInvitation extends Invitation {
  invite_url: string;
}

export interface ServiceAccount {
  id: string;
  name: string;
  description: string | null;
  created_at: string;
}

export const ROLE_LABELS: Record<ConsoleRole, string> = {
  owner: "Owner",
  admin: "Admin",
  auditor: "Auditor",
  member: "Member",
};

export const ROLE_DESCRIPTIONS: Record<ConsoleRole, string> = {
  owner: "Everything, including managing owners",
  admin: "Users, service accounts, every API key",
  auditor: "Reads everything, changes nothing",
  member: "Manages their own API keys",
};

export const canManageOrg = (role: ConsoleRole) => role === "owner" || role === "admin";
export const canReadOrg = (role: ConsoleRole) => role !== "member";
