import { listInvitations } from "@/lib/accounts/invitations";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";

// GET /api/v1/invitations – pending invitations
export const GET = adminRoute("org:read", async (ctx) => json({ data: await listInvitations(ctx), next_cursor: null }));
