// Helpers for tests that drive route handlers with real Web Requests against a real database.
import { randomUUID } from "node:crypto";
import type { RouteContext, RouteHandler } from "@/lib/http/admin-route";
import { getDb } from "@/lib/db";
import { signUp } from "@/lib/accounts/sign-up";
import { signToken } from "@/lib/identity/tokens";

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** Raw body, sent as is (for malformed-input tests). */
  rawBody?: string | Uint8Array;
  token?: string;
  headers?: Record<string, string>;
  params?: Record<string, string | string[]>;
  path?: string;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function call(handler: RouteHandler, options: CallOptions = {}): Promise<CallResult> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  let body: BodyInit | undefined;
  if (options.rawBody !== undefined) body = options.rawBody as BodyInit;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const request = new Request(`http://localhost:3000${options.path ?? "/api/v1/test"}`, {
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
  });
  // Like Next.js: routes without dynamic segments get no params at all.
  const context: RouteContext = options.params ? { params: Promise.resolve(options.params) } : {};
  const response = await handler(request, context);
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export const uniqueEmail = (tag = "user") => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
export const PASSWORD = "correct horse battery staple";

/** A fresh organisation with its owner, and an admin API access token for that owner. */
export async function newOrg(name = "Acme Corp") {
  const email = uniqueEmail("owner");
  const meta = { requestId: randomUUID(), clientIp: null };
  const { org, user } = await signUp(await getDb(), { email, password: PASSWORD, org_name: name }, meta);
  const token = await signToken("access", { sub: user.id, org: org.id, email });
  return { org, user, email, token };
}

export const tokenFor = (userId: string, orgId: string, email: string) => signToken("access", { sub: userId, org: orgId, email });
