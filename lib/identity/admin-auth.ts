// Who is calling the admin API: a Bearer access token (API clients) or the console's session cookie
// (the browser). Either way the membership is read from the database on each request, so removed
// members and changed roles take effect immediately.
import { and, eq } from "drizzle-orm";
import { memberships, organisations, users, type ConsoleRole, type Product, type Tier } from "@/db/schema";
import type { Actor, RequestMeta } from "../context";
import type { Database } from "../db";
import { publicUrl } from "../env";
import { FortressError } from "../errors";
import { verifyToken, type TokenKind } from "./tokens";

export const SESSION_COOKIES = ["__Secure-next-auth.session-token", "next-auth.session-token"];

export interface OrgSummary {
  id: string;
  name: string;
  slug: string;
  tier: Tier;
  products: Product[];
}

export interface AdminContext {
  db: Database;
  orgId: string;
  org: OrgSummary;
  user: { id: string; email: string; name: string | null };
  role: ConsoleRole;
  actor: Actor;
  meta: RequestMeta;
  via: TokenKind;
}

function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

export function sessionTokenFrom(headers: Headers): string | null {
  const cookie = headers.get("cookie");
  for (const name of SESSION_COOKIES) {
    const v = readCookie(cookie, name);
    if (v) return v;
  }
  return null;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cookies ride along on cross-site requests; a state-changing request authenticated by cookie must
 * come from our own origin (CSRF defence on top of SameSite=Lax).
 */
function assertSameOrigin(request: Request): void {
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.get("origin");
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  let ok = false;
  if (origin) {
    try {
      const o = new URL(origin);
      ok = o.origin === new URL(publicUrl()).origin || (host !== null && o.host === host);
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new FortressError("forbidden", "Cross-origin request refused");
}

export async function loadMembership(db: Database, userId: string, orgId: string) {
  const [row] = await db
    .select({ user: users, org: organisations, role: memberships.consoleRole })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(organisations, eq(organisations.id, memberships.orgId))
    .where(and(eq(memberships.userId, userId), eq(memberships.orgId, orgId)))
    .limit(1);
  return row ?? null;
}

export function orgSummary(org: typeof organisations.$inferSelect): OrgSummary {
  return { id: org.id, name: org.name, slug: org.slug, tier: org.tier, products: org.products };
}

export async function authenticateAdmin(db: Database, request: Request, meta: RequestMeta): Promise<AdminContext> {
  const authz = request.headers.get("authorization");
  let via: TokenKind;
  let token: string | null;
  if (authz) {
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    if (!m) throw new FortressError("unauthenticated", "Authorization header must be 'Bearer <access_token>'");
    via = "access";
    token = m[1];
  } else {
    via = "session";
    token = sessionTokenFrom(request.headers);
  }
  if (!token) throw new FortressError("unauthenticated", "Sign in, or send an access token from POST /api/v1/auth/token");
  const claims = await verifyToken(via, token);
  if (via === "session") assertSameOrigin(request);
  const row = await loadMembership(db, claims.sub, claims.org);
  if (!row) throw new FortressError("unauthenticated", "You are no longer a member of this organisation");
  return {
    db,
    orgId: row.org.id,
    org: orgSummary(row.org),
    user: { id: row.user.id, email: row.user.email, name: row.user.name },
    role: row.role,
    actor: { type: "user", id: row.user.id, label: row.user.email },
    meta,
    via,
  };
}
