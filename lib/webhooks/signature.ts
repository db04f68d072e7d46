// Webhook signatures: HMAC-SHA256 over `${timestamp}.${rawBody}` with the endpoint's secret, sent as
//   Fortress-Signature: t=<unix seconds>,v1=<hex>
// The receiver recomputes it over the RAW body (before any JSON parsing), compares in constant time,
// and refuses timestamps outside the replay window (docs/webhooks.md has the recipe in three languages).
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "Fortress-Signature";
export const REPLAY_WINDOW_SECONDS = 300;

export function signatureHeader(secret: Uint8Array, timestamp: number, rawBody: string): string {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex");
  return `t=${timestamp},v1=${v1}`;
}

/**
 * The verification recipe, as a function receivers can copy. Returns null when valid, else why not.
 * Several v1 values may be present (during a secret rotation); any match is accepted.
 */
export function verifyWebhookSignature(
  header: string | null,
  rawBody: string,
  secret: string | Uint8Array,
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): string | null {
  if (!header) return "missing signature header";
  const parts = header.split(",").map((p) => p.trim().split("=", 2) as [string, string]);
  const t = Number(parts.find(([k]) => k === "t")?.[1]);
  const sigs = parts.filter(([k]) => k === "v1").map(([, v]) => v);
  if (!Number.isInteger(t) || sigs.length === 0) return "malformed signature header";
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? REPLAY_WINDOW_SECONDS)) return "timestamp outside the replay window";
  const key = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
  const expected = createHmac("sha256", key).update(`${t}.${rawBody}`).digest();
  const ok = sigs.some((s) => {
    const got = Buffer.from(s, "hex");
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
  return ok ? null : "signature mismatch";
}
