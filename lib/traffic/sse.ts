// GET /api/v1/traffic/stream: the org's live traffic as Server-Sent Events. Optional filters
// (product, decision) are applied server-side; a comment line every 15 s keeps proxies from closing
// the connection; the subscription ends when the browser goes away.
import { z } from "zod";
import { validate } from "../http/body";
import type { AdminContext } from "../identity/admin-auth";
import { trafficBus, type TrafficEvent } from "./index";
import type { TrafficBus } from "./bus";

export const ZStreamQuery = z.object({
  product: z.enum(["mcp", "pat"]).optional(),
  decision: z.enum(["allow", "deny", "error"]).optional(),
});

export function trafficStream(ctx: AdminContext, request: Request, bus: TrafficBus = trafficBus(), heartbeatMs = 15_000): Response {
  const q = validate(ZStreamQuery, Object.fromEntries(new URL(request.url).searchParams));
  const enc = new TextEncoder();
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(enc.encode(text));
        } catch {
          cleanup();
        }
      };
      const onEvent = (e: TrafficEvent) => {
        if (q.product && e.product !== q.product) return;
        if (q.decision && e.decision !== q.decision) return;
        const { orgId: _org, ...visible } = e;
        send(`event: traffic\ndata: ${JSON.stringify(visible)}\n\n`);
      };
      const unsubscribe = bus.subscribe(ctx.orgId, onEvent);
      const beat = setInterval(() => send(`: keep-alive\n\n`), heartbeatMs);
      beat.unref?.();
      cleanup = () => {
        clearInterval(beat);
        unsubscribe();
        request.signal.removeEventListener("abort", cleanup);
        cleanup = () => {};
      };
      request.signal.addEventListener("abort", () => {
        cleanup();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      });
      send(`retry: 3000\n: connected ${bus.mode}\n\n`);
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}
