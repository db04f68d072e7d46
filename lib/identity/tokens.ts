// Signed JWTs (jose, HS256) for console sessions and admin API access. Both carry only who the user
// is and which organisation they act in; the console role is read from the database on every
// request, so a role change or a removal takes effect at once.
import { jwtVerify, SignJWT, errors as joseErrors } from "jose";
import { FortressError } from "../errors";
import { deriveKey } from "./auth-secret";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const SESSION_TTL_SECONDS = 12 * 60 * 60;
const ISSUER = "fortress";

export type TokenKind = "access" | "session";
const audience = (kind: TokenKind) => (kind === "access" ? "fortress:admin-api" : "fortress:console");

export interface TokenClaims {
  /** User id. */
  sub: string;
  /** Organisation the user acts in. */
  org: string;
  email: string;
}

export async function signToken(kind: TokenKind, claims: TokenClaims, ttlSeconds?: number): Promise<string> {
  const ttl = ttlSeconds ?? (kind === "access" ? ACCESS_TOKEN_TTL_SECONDS : SESSION_TTL_SECONDS);
  return new SignJWT({ org: claims.org, email: claims.email })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuer(ISSUER)
    .setAudience(audience(kind))
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttl)
    .sign(deriveKey("jwt"));
}

/** Verifies signature, issuer, audience and expiry; any failure is the same 401. */
export async function verifyToken(kind: TokenKind, token: string): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, deriveKey("jwt"), {
      issuer: ISSUER,
      audience: audience(kind),
      algorithms: ["HS256"],
    });
    if (typeof payload.sub !== "string" || typeof payload.org !== "string" || typeof payload.email !== "string") {
      throw new Error("claims missing");
    }
    return { sub: payload.sub, org: payload.org, email: payload.email };
  } catch (err) {
    const expired = err instanceof joseErrors.JWTExpired;
    throw new FortressError("unauthenticated", expired ? "Token expired" : "Invalid token", { cause: err });
  }
}
