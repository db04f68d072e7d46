// The one wrapper every /api/v1 handler goes through: request id, authentication, console-role check,
// org scope, error mapping, access log. Handlers receive an AdminContext and return a Response.
// Framework-free: takes a Web Request, so route files, tests and benchmarks call it the same way.
import { can, type Permission } from "../accounts/permissions";
import type { RequestMeta } from "../context";
import { getDb, type Database } from "../db";
import { FortressError } from "../errors";
import { authenticateAdmin, type AdminContext } from "../identity/admin-auth";
import { logger } from "../log";
import { adminErrorResponse } from "./admin-errors";
import { requestMeta } from "./request-context";

type Params = Record<string, string | string[] | undefined>;
/** Next.js passes route params as a promise; tests pass the same shape. */
export interface RouteContext {
  params?: Promise<Params>;
}
export type RouteHandler = (request: Request, context: RouteContext) => Promise<Response>;

export interface PublicContext {
  db: Database;
  meta: RequestMeta;
}

async function run(
  request: Request,
  meta: RequestMeta,
  fn: () => Promise<Response>,
): Promise<Response> {
  const started = performance.now();
  let response: Response;
  try {
    response = await fn();
  } catch (err) {
    response = adminErrorResponse(err, meta.requestId);
  }
  response.headers.set("x-request-id", meta.requestId);
  logger().info(
    {
      requestId: meta.requestId,
      method: request.method,
      path: new URL(request.url).pathname,
      status: response.status,
      ms: Math.round(performance.now() - started),
      clientIp: meta.clientIp,
    },
    "admin api request",
  );
  return response;
}

function stringParams(params: Params | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  // Next.js passes no params at all for routes without dynamic segments.
  for (const [k, v] of Object.entries(params ?? {})) if (typeof v === "string") out[k] = v;
  return out;
}

async function database(): Promise<Database> {
  try {
    return await getDb();
  } catch (err) {
    // Fail closed: no database, no answer but "unavailable".
    throw new FortressError("unavailable", "The service is temporarily unavailable", { cause: err });
  }
}

/** An authenticated admin endpoint that needs `permission`. */
export function adminRoute(
  permission: Permission | Permission[],
  handler: (ctx: AdminContext, request: Request, params: Record<string, string>) => Promise<Response>,
): RouteHandler {
  const needed = Array.isArray(permission) ? permission : [permission];
  return async (request, context) => {
    const meta = requestMeta(request);
    return run(request, meta, async () => {
      const db = await database();
      const ctx = await authenticateAdmin(db, request, meta);
      if (!needed.some((p) => can(ctx.role, p))) {
        throw new FortressError("forbidden", `Your console role (${ctx.role}) does not allow this action`);
      }
      return handler(ctx, request, stringParams(await context?.params));
    });
  };
}

/** An endpoint reachable without a session (sign-up, token issuance, accepting an invitation). */
export function publicRoute(
  handler: (ctx: PublicContext, request: Request, params: Record<string, string>) => Promise<Response>,
): RouteHandler {
  return async (request, context) => {
    const meta = requestMeta(request);
    return run(request, meta, async () => handler({ db: await database(), meta }, request, stringParams(await context?.params)));
  };
}

/** Answers every method of an unknown /api/v1 path, in the admin error format. */
export const notFoundRoute: RouteHandler = async (request) => {
  const meta = requestMeta(request);
  return run(request, meta, async () => {
    throw new FortressError("not_found", "No such endpoint");
  });
};
