import { notFoundRoute } from "@/lib/http/admin-route";

// Any other /api/v1 path – a 404 in the admin error format rather than an HTML page
export const GET = notFoundRoute;
export const POST = notFoundRoute;
export const PUT = notFoundRoute;
export const PATCH = notFoundRoute;
export const DELETE = notFoundRoute;
