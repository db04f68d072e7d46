import { listTypes } from "@/lib/connectors/service";
import { json } from "@/lib/http/admin-errors";
import { adminRoute } from "@/lib/http/admin-route";

// GET /api/v1/connector-types – the catalog: credential and config fields, actions
export const GET = adminRoute("org:read", async () => json(listTypes()));
