// The PAT benchmarks' one call: POST /v1/messages (JSON or streamed) timed from the client's send to
// the first body byte and to the last.
import type { Dispatcher } from "undici";
import { request } from "undici";

export const messagesBody = (stream: boolean) =>
  JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 256, stream, messages: [{ role: "user", content: "Say hello in five words." }] });

export async function timedMessages(dispatcher: Dispatcher, origin: string, key: string, stream: boolean): Promise<{ total: number; ttfb: number }> {
  const t0 = performance.now();
  const res = await request(`${origin}/v1/messages`, {
    method: "POST",
    dispatcher,
    headers: { "x-api-key": key, "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: messagesBody(stream),
  });
  let ttfb = 0;
  for await (const _chunk of res.body) if (!ttfb) ttfb = performance.now() - t0;
  if (res.statusCode !== 200) throw new Error(`${origin}: HTTP ${res.statusCode}`);
  return { total: performance.now() - t0, ttfb };
}
