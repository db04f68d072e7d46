import { auditStatus } from "@/lib/audit/routes";
import { adminRoute } from "@/lib/http/admin-route";

export const dynamic = "force-dynamic";

// GET /api/v1/audit/status – both chains verified, newest signed checkpoint checked, public key
export const GET = adminRoute("org:read", (ctx) => auditStatus(ctx));
