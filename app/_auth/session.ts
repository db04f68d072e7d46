// The console session for server components: the next-auth cookie, verified, plus the membership
// read fresh from the database (so a removed member is signed out on their next page load).
import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import type { ConsoleRole } from "@/db/schema";
import { getDb } from "@/lib/db";
import { loadMembership, orgSummary, SESSION_COOKIES, type OrgSummary } from "@/lib/identity/admin-auth";
import { verifyToken } from "@/lib/identity/tokens";

export interface ConsoleSession {
  user: { id: string; email: string; name: string | null };
  org: OrgSummary;
  role: ConsoleRole;
}

export async function getConsoleSession(): Promise<ConsoleSession | null> {
  const jar = await cookies();
  const token = SESSION_COOKIES.map((n) => jar.get(n)?.value).find(Boolean);
  if (!token) return null;
  try {
    const claims = await verifyToken("session", token);
    const row = await loadMembership(await getDb(), claims.sub, claims.org);
    if (!row) return null;
    return { user: { id: row.user.id, email: row.user.email, name: row.user.name }, org: orgSummary(row.org), role: row.role };
  } catch {
    return null;
  }
}

export async function requireConsoleSession(): Promise<ConsoleSession> {
  const session = await getConsoleSession();
  if (!session) redirect("/login");
  return session;
}
