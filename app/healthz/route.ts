// GET /healthz – the process is up (liveness). Touches nothing else on purpose.
export const dynamic = "force-dynamic";
export function GET() {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
