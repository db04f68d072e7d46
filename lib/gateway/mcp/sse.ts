// Server-Sent Events: a one-shot stream carrying a POST's response, and the long-lived notification
// stream (legacy GET with a session; modern subscriptions/listen) that tells a caller when its tool
// list changed. The list is re-checked on every change signal for the org (connectors, policy) and on
// every keep-alive tick, and a notification is sent only when the caller's own list differs.
import { logger } from "../../log";

const encoder = new TextEncoder();

export const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

export const sseEvent = (message: unknown) => encoder.encode(`event: message\ndata: ${JSON.stringify(message)}\n\n`);

/** A POST answered as an SSE stream: the response is its only event, then the stream ends. */
export function sseResponse(message: unknown, headers: Record<string, string> = {}): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(sseEvent(message));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...headers } });
}

export interface NotificationStreamOptions {
  /** The caller's current list fingerprint; null ends the stream (session gone, key revoked…). */
  fingerprint: () => Promise<string | null>;
  /** Registers for "may have changed" signals; returns the unsubscribe function. */
  subscribe: (onSignal: () => void) => () => void;
  /** Messages to send first (subscriptions/listen acknowledgment). */
  initial?: unknown[];
  /** Builds the notification sent when the list changed. */
  notification: () => unknown;
  keepAliveMs: number;
  signal: AbortSignal;
  headers?: Record<string, string>;
}

export async function notificationStream(options: NotificationStreamOptions): Promise<Response> {
  let last = await options.fingerprint();
  let closed = false;
  let cleanup = () => {};

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let checking = false;
      let again = false;
      const close = () => {
        if (closed) return;
        closed = true;
        cleanup();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      const send = (chunk: Uint8Array) => {
        if (closed) return;
        try {
          controller.enqueue(chunk);
        } catch {
          close();
        }
      };
      // Serialised re-checks: a burst of signals costs at most one check running plus one queued.
      const check = async () => {
        if (closed) return;
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        try {
          do {
            again = false;
            const now = await options.fingerprint();
            if (now === null) return close();
            if (now !== last) {
              last = now;
              send(sseEvent(options.notification()));
            }
          } while (again && !closed);
        } catch (err) {
          logger().warn({ err }, "mcp notification stream: could not re-check the tool list");
        } finally {
          checking = false;
        }
      };
      const unsubscribe = options.subscribe(() => void check());
      const timer = setInterval(() => {
        send(encoder.encode(": keep-alive\n\n"));
        void check(); // also covers a lost cross-instance message and time-window rules
      }, options.keepAliveMs);
      timer.unref?.();
      const onAbort = () => close();
      options.signal.addEventListener("abort", onAbort, { once: true });
      cleanup = () => {
        unsubscribe();
        clearInterval(timer);
        options.signal.removeEventListener("abort", onAbort);
      };
      for (const m of options.initial ?? []) send(sseEvent(m));
      // Tell the client the stream is up without waiting for the first keep-alive.
      send(encoder.encode(": open\n\n"));
      if (last === null) close();
    },
    cancel() {
      closed = true;
      cleanup();
    },
  });
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...(options.headers ?? {}) } });
}
