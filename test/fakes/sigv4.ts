// Test-only: verifies an AWS Signature Version 4 the way a service does (AWS General Reference,
// "Create a canonical request" / "string to sign" / "calculate the signature"; XKS proxy API spec
// Appendix A). Written from the spec with node:crypto, independently of @smithy/signature-v4, so a
// signing bug in the product cannot be hidden by the same bug in the verifier.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export type SigV4Verdict = { ok: true; accessKeyId: string; region: string } | { ok: false; reason: string };

const hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

// RFC 3986 unreserved characters stay, everything else %XX (upper case).
function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function verifySigV4(
  req: IncomingMessage,
  body: Buffer,
  options: { service: string; secrets: Record<string, string>; now?: Date; maxSkewMs?: number },
): SigV4Verdict {
  const auth = req.headers.authorization;
  if (typeof auth !== "string") return { ok: false, reason: "no Authorization header" };
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { ok: false, reason: "malformed Authorization header" };
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = m;
  if (service !== options.service) return { ok: false, reason: `wrong service ${service}` };
  const secret = options.secrets[accessKeyId];
  if (!secret) return { ok: false, reason: "unknown access key id" };
  const signedHeaders = signedHeaderList.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date")) return { ok: false, reason: "host and x-amz-date must be signed" };
  const amzDate = req.headers["x-amz-date"];
  if (typeof amzDate !== "string" || !/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date) return { ok: false, reason: "bad x-amz-date" };
  const when = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs((options.now ?? new Date()).getTime() - when) > (options.maxSkewMs ?? 5 * 60_000)) return { ok: false, reason: "request time too skewed" };

  const url = new URL(req.url ?? "/", "http://placeholder");
  // Non-S3 services: each path segment is URI-encoded once more.
  const canonicalUri = url.pathname.split("/").map((seg) => encodeRfc3986(seg)).join("/") || "/";
  const canonicalQuery = [...url.searchParams.entries()]
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = signedHeaders
    .map((h) => {
      const raw = req.headers[h];
      const value = Array.isArray(raw) ? raw.join(",") : (raw ?? "");
      return `${h}:${String(value).trim().replace(/\s+/g, " ")}\n`;
    })
    .join("");
  const payloadHash = typeof req.headers["x-amz-content-sha256"] === "string" ? (req.headers["x-amz-content-sha256"] as string) : hex(body);
  if (payloadHash !== hex(body)) return { ok: false, reason: "payload hash mismatch" };
  const canonicalRequest = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaderList, payloadHash].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, hex(canonicalRequest)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
  const expected = createHmac("sha256", signingKey).update(stringToSign, "utf8").digest();
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature mismatch" };
  return { ok: true, accessKeyId, region };
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
