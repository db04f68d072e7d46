import { statusBoard } from "@/lib/evidence/status-board";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";

export const dynamic = "force-dynamic";

// GET /api/v1/status-board – the landing page's figures (connectors, PAT keys, users, spend)
export const GET = adminRoute("org:read", async (ctx) => json(await statusBoard(ctx.db, ctx.orgId)));
