// The baseline every response carries: the console and both gateways share one origin.
// next.config.ts applies it to what Next.js serves; the gateway front (lib/http/front.ts) to /v1.
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};
