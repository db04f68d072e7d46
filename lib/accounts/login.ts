// Password login, shared by the console (next-auth credentials provider) and POST /api/v1/auth/token.
// Unknown email and wrong password get the same answer in the same time; attempts are throttled per
// account and per client address; every failure and success is audited.
import { asc, eq } from "drizzle-orm";
import { memberships, organisations, users } from "@/db/schema";
import { recordAuditEvent } from "../audit/record";
import type { RequestMeta } from "../context";
import type { Database } from "../db";
import { FortressError } from "../errors";
import { orgSummary, type OrgSummary } from "../identity/admin-auth";
import { burnPasswordCheck, verifyPassword } from "../identity/passwords";
import { counter } from "../limits/counter";
import { ACCESS_TOKEN_TTL_SECONDS, signToken } from "../identity/tokens";

export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT = 10;
export const MAX_ATTEMPTS_PER_IP = 50;

export const INVALID_LOGIN = "Invalid email or password";

export interface LoginResult {
  user: { id: string; email: string; name: string | null };
  org: OrgSummary;
  role: (typeof memberships.$inferSelect)["consoleRole"];
}

async function throttle(email: string, ip: string | null): Promise<void> {
  const c = counter();
  const [acct, byIp] = await Promise.all([
    c.peek(`login:acct:${email}`, LOGIN_WINDOW_MS),
    ip ? c.peek(`login:ip:${ip}`, LOGIN_WINDOW_MS) : Promise.resolve({ count: 0, resetAt: 0 }),
  ]);
  const blocked = acct.count >= MAX_FAILURES_PER_ACCOUNT ? acct : byIp.count >= MAX_ATTEMPTS_PER_IP ? byIp : null;
  if (blocked) {
    const retry = Math.max(1, Math.ceil((blocked.resetAt - Date.now()) / 1000));
    throw new FortressError("rate_limited", `Too many login attempts. Try again in ${Math.ceil(retry / 60)} minutes.`, {
      retryAfterSeconds: retry,
    });
  }
}

export async function login(db: Database, email: string, password: string, meta: RequestMeta): Promise<LoginResult> {
  await throttle(email, meta.clientIp);
  if (meta.clientIp) await counter().hit(`login:ip:${meta.clientIp}`, LOGIN_WINDOW_MS);

  const [user] = await db.select().from(users).where(eq(users.email, email));
  const passwordOk = user?.passwordHash ? await verifyPassword(password, user.passwordHash) : (await burnPasswordCheck(password), false);
  // The org a login lands in: the user's oldest membership.
  const [member] = user
    ? await db
        .select({ org: organisations, role: memberships.consoleRole })
        .from(memberships)
        .innerJoin(organisations, eq(organisations.id, memberships.orgId))
        .where(eq(memberships.userId, user.id))
        .orderBy(asc(memberships.createdAt))
        .limit(1)
    : [];

  if (!user || !passwordOk || !member) {
    await counter().hit(`login:acct:${email}`, LOGIN_WINDOW_MS);
    await recordAuditEvent(db, {
      orgId: member?.org.id ?? null,
      product: "console",
      actor: user ? { type: "user", id: user.id, label: user.email } : { type: "anonymous", id: null, label: email.slice(0, 254) },
      action: "auth.login_failed",
      decision: "deny",
      reason: !user ? "unknown account" : !passwordOk ? "wrong password" : "no membership",
      meta,
    });
    throw new FortressError("unauthenticated", INVALID_LOGIN);
  }
  await counter().reset(`login:acct:${email}`, LOGIN_WINDOW_MS);
  await recordAuditEvent(db, {
    orgId: member.org.id,
    product: "console",
    actor: { type: "user", id: user.id, label: user.email },
    action: "auth.login",
    decision: "allow",
    meta,
  });
  return { user: { id: user.id, email: user.email, name: user.name }, org: orgSummary(member.org), role: member.role };
}

/** POST /api/v1/auth/token: a short-lived admin API access token for valid credentials. */
export async function issueAccessToken(db: Database, email: string, password: string, meta: RequestMeta) {
  const result = await login(db, email, password, meta);
  const accessToken = await signToken("access", { sub: result.user.id, org: result.org.id, email: result.user.email });
  return {
    access_token: accessToken,
    token_type: "Bearer" as const,
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    org: { id: result.org.id, name: result.org.name, slug: result.org.slug },
  };
}
