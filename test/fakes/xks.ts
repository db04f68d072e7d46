// Test-only fake XKS proxy following the AWS KMS External Key Store Proxy API Specification v1:
//   POST {prefix}/kms/xks/v1/keys/{externalKeyId}/metadata | /encrypt | /decrypt,  POST …/v1/health
// JSON (application/json) with requestMetadata; GET on an API URI → 405; SigV4 (service
// "kms-xks-proxy") verified on every call (401 AuthenticationFailedException otherwise); errors as
// {"errorName","errorMessage"} with the spec's HTTP codes. AES-GCM with the spec's AAD construction
// (2-byte AAD length || AAD || 1-byte metadata length || ciphertextMetadata) and the Ciphertext Data
// Integrity Value (Appendix C). Optional https with a required client certificate (mTLS).
// Faults: delay, 5xx (InternalException), unknown key, access denied, disabled key, bad CDIV.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { readBody, sleep, verifySigV4 } from "./sigv4";

export interface FakeXksFaults {
  delayMs: number;
  serverError?: boolean;
  accessDenied?: boolean;
  corruptCdiv?: boolean;
}

export interface FakeXksTls {
  certPem: string;
  keyPem: string;
  /** CA that client certificates must chain to. */
  clientCaPem: string;
}

export class FakeXks {
  readonly accessKeyId = "AKIAXKSFAKE2345672345";
  readonly secretAccessKey = randomBytes(32).toString("base64");
  readonly pathPrefix = "/tenant-a/kms/xks/v1";
  readonly faults: FakeXksFaults = { delayMs: 0 };
  /** Requests whose SigV4 signature was verified, and those refused. */
  verified = 0;
  rejected = 0;
  readonly requests: Array<{ path: string; status: number; body: Record<string, unknown> | null; clientCertCn?: string }> = [];
  private readonly keys = new Map<string, { material: Buffer; enabled: boolean }>();
  private server?: Server;
  url = "";

  constructor(private readonly tls?: FakeXksTls) {}

  createKey(id = `key-${randomBytes(4).toString("hex")}`): string {
    this.keys.set(id, { material: randomBytes(32), enabled: true });
    return id;
  }
  disableKey(id: string, disabled = true) {
    this.keys.get(id)!.enabled = !disabled;
  }
  deleteKey(id: string) {
    this.keys.delete(id);
  }

  get uriEndpoint(): string {
    return `${this.url}${this.pathPrefix}`;
  }

  async start(): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = this.tls
      ? createHttpsServer({ cert: this.tls.certPem, key: this.tls.keyPem, ca: this.tls.clientCaPem, requestCert: true, rejectUnauthorized: true }, handler)
      : createHttpServer(handler);
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.url = `${this.tls ? "https" : "http"}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    const path = (req.url ?? "").split("?")[0];
    let body: Record<string, unknown> | null = null;
    const peer = this.tls ? (req.socket as TLSSocket).getPeerCertificate?.() : undefined;
    const send = (status: number, payload: unknown) => {
      this.requests.push({ path, status, body, clientCertCn: peer?.subject?.CN as string | undefined });
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    const error = (status: number, errorName: string, errorMessage?: string) => send(status, { errorName, ...(errorMessage ? { errorMessage } : {}) });

    if (this.faults.delayMs) await sleep(this.faults.delayMs);
    if (!path.startsWith(`${this.pathPrefix}/`)) return error(404, "InvalidUriPathException");
    const rest = path.slice(this.pathPrefix.length);
    const km = /^\/keys\/([A-Za-z0-9._-]{1,128})\/(metadata|encrypt|decrypt)$/.exec(rest);
    if (!km && rest !== "/health") return error(404, "InvalidUriPathException");
    if (req.method !== "POST") return error(405, "ValidationException", "Method Not Allowed");
    const sig = verifySigV4(req, raw, { service: "kms-xks-proxy", secrets: { [this.accessKeyId]: this.secretAccessKey } });
    if (!sig.ok) {
      this.rejected++;
      return error(401, "AuthenticationFailedException", sig.reason);
    }
    this.verified++;
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) return error(400, "ValidationException", "Content-Type must be application/json");
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return error(400, "ValidationException", "Malformed JSON");
    }
    const meta = (body?.requestMetadata ?? null) as Record<string, unknown> | null;
    if (!meta || typeof meta.kmsRequestId !== "string" || typeof meta.kmsOperation !== "string") return error(400, "ValidationException", "requestMetadata.kmsRequestId and kmsOperation are required");
    if (this.faults.serverError) return error(500, "InternalException");

    if (!km) {
      return send(200, {
        xksProxyFleetSize: 1,
        xksProxyVendor: "Fortress test",
        xksProxyModel: "Fake XKS Proxy 1.0",
        ekmVendor: "Fortress test",
        ekmFleetDetails: [{ id: "hsm-1", model: "Fake HSM", healthStatus: "ACTIVE" }],
      });
    }
    if (typeof meta.awsPrincipalArn !== "string") return error(400, "ValidationException", "requestMetadata.awsPrincipalArn is required");
    const [, keyId, op] = km;
    const key = this.keys.get(keyId);
    if (!key) return error(404, "KeyNotFoundException");
    if (this.faults.accessDenied) return error(403, "AccessDeniedException", "denied by policy");
    if (op === "metadata") return send(200, { keySpec: "AES_256", keyUsage: ["ENCRYPT", "DECRYPT"], keyStatus: key.enabled ? "ENABLED" : "DISABLED" });
    if (!key.enabled) return error(400, "InvalidStateException");
    if (body!.encryptionAlgorithm !== "AES_GCM") return error(400, "ValidationException", "encryptionAlgorithm must be AES_GCM");
    const aad = typeof body!.additionalAuthenticatedData === "string" ? Buffer.from(body!.additionalAuthenticatedData, "base64") : Buffer.alloc(0);

    if (op === "encrypt") {
      if (typeof body!.plaintext !== "string") return error(400, "ValidationException", "plaintext is required");
      const plaintext = Buffer.from(body!.plaintext, "base64");
      const metadata = Buffer.from("kv=1", "utf8");
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key.material, iv);
      c.setAAD(hsmAad(aad, metadata));
      const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
      const tag = c.getAuthTag();
      const out: Record<string, string> = {
        ciphertext: ciphertext.toString("base64"),
        ciphertextMetadata: metadata.toString("base64"),
        initializationVector: iv.toString("base64"),
        authenticationTag: tag.toString("base64"),
      };
      if (body!.ciphertextDataIntegrityValueAlgorithm === "SHA_256") {
        const cdiv = createHash("sha256").update(aad).update(metadata).update(iv).update(ciphertext).update(tag).digest();
        if (this.faults.corruptCdiv) cdiv[0] ^= 1;
        out.ciphertextDataIntegrityValue = cdiv.toString("base64");
      }
      return send(200, out);
    }
    // decrypt
    const field = (name: string) => (typeof body![name] === "string" ? Buffer.from(body![name] as string, "base64") : null);
    const ciphertext = field("ciphertext");
    const iv = field("initializationVector");
    const tag = field("authenticationTag");
    const metadata = field("ciphertextMetadata") ?? Buffer.alloc(0);
    if (!ciphertext || !iv || !tag) return error(400, "ValidationException", "ciphertext, initializationVector and authenticationTag are required");
    if ((iv.length !== 12 && iv.length !== 16) || tag.length !== 16) return error(400, "InvalidCiphertextException");
    try {
      const d = createDecipheriv("aes-256-gcm", key.material, iv);
      d.setAuthTag(tag);
      d.setAAD(hsmAad(aad, metadata));
      const plaintext = Buffer.concat([d.update(ciphertext), d.final()]);
      return send(200, { plaintext: plaintext.toString("base64") });
    } catch {
      return error(400, "InvalidCiphertextException", "The request was rejected because the specified ciphertext, or additional authenticated data is corrupted, missing, or otherwise invalid.");
    }
  }
}

/** Spec, Encrypt response: AAD for the key manager = len16(AAD) || AAD || len8(metadata) || metadata. */
function hsmAad(aad: Buffer, metadata: Buffer): Buffer {
  const a = Buffer.alloc(2);
  a.writeUInt16BE(aad.length);
  return Buffer.concat([a, aad, Buffer.from([metadata.length]), metadata]);
}

export async function startFakeXks(tls?: FakeXksTls): Promise<FakeXks> {
  return new FakeXks(tls).start();
}
