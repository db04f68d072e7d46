import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";

// GET /api/v1/me – the caller, their organisation and console role
export const GET = adminRoute(["org:read", "keys:self"], async (ctx) =>
  json({ user: ctx.user, org: ctx.org, console_role: ctx.role }),
);
