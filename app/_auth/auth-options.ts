// next-auth configuration for the console. Sessions are JWTs signed by lib/identity/tokens, so the
// admin API can read the same cookie without next-auth. More providers (SAML/OIDC SSO) plug into
// `providers` later.
import type { AuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { login } from "@/lib/accounts/login";
import { ZCredentials } from "@/lib/accounts/schemas";
import { getDb } from "@/lib/db";
import { publicUrl } from "@/lib/env";
import { isFortressError } from "@/lib/errors";
import { requestMeta } from "@/lib/http/request-context";
import { deriveKey } from "@/lib/identity/auth-secret";
import { SESSION_TTL_SECONDS, signToken, verifyToken } from "@/lib/identity/tokens";

function headersOf(raw: Record<string, unknown> | undefined): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw ?? {})) if (typeof v === "string") h.set(k, v);
  return h;
}

export function authOptions(): AuthOptions {
  return {
    secret: Buffer.from(deriveKey("next-auth")).toString("hex"),
    useSecureCookies: publicUrl().startsWith("https://"),
    session: { strategy: "jwt", maxAge: SESSION_TTL_SECONDS },
    pages: { signIn: "/login", error: "/login" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          const parsed = ZCredentials.safeParse(credentials ?? {});
          if (!parsed.success) return null;
          const meta = requestMeta(new Request("http://internal/", { headers: headersOf(req?.headers) }));
          try {
            const result = await login(await getDb(), parsed.data.email, parsed.data.password, meta);
            return { id: result.user.id, email: result.user.email, name: result.user.name, orgId: result.org.id };
          } catch (err) {
            // Throttling is worth telling the person; every other failure is the same "invalid" answer.
            if (isFortressError(err) && err.code === "rate_limited") throw new Error(err.message);
            return null;
          }
        },
      }),
    ],
    jwt: {
      async encode({ token }) {
        if (!token?.sub || typeof token.org !== "string" || typeof token.email !== "string") return "";
        return signToken("session", { sub: token.sub, org: token.org, email: token.email });
      },
      async decode({ token }) {
        if (!token) return null;
        try {
          const claims = await verifyToken("session", token);
          return { sub: claims.sub, org: claims.org, email: claims.email };
        } catch {
          return null;
        }
      },
    },
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.email = user.email;
          token.org = (user as { orgId?: string }).orgId;
        }
        return token;
      },
    },
  };
}
