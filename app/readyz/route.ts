import { checkReadiness } from "@/lib/health";

// GET /readyz – the database answers and migrations are applied (readiness)
export const dynamic = "force-dynamic";
export async function GET() {
  const ready = await checkReadiness();
  return Response.json(ready, { status: ready.status === "ready" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
