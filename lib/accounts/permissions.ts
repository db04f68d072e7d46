// What each console role may do. One table, read by the admin route wrapper and the console.
import type { ConsoleRole } from "@/db/schema";

export type Permission =
  | "org:read" // see org-wide configuration, members, keys, audit
  | "org:write" // change configuration, manage members, service accounts and every key
  | "owner:manage" // grant or remove the owner role
  | "keys:self"; // create and revoke one's own API keys

const GRANTS: Record<ConsoleRole, readonly Permission[]> = {
  owner: ["org:read", "org:write", "owner:manage", "keys:self"],
  admin: ["org:read", "org:write", "keys:self"],
  auditor: ["org:read"],
  member: ["keys:self"],
};

export function can(role: ConsoleRole, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}
