// Test-only fake of AWS KMS, shaped like the real service's wire protocol (AWS JSON 1.1): POST /,
// Content-Type application/x-amz-json-1.1, X-Amz-Target TrentService.<Operation>, SigV4 (service
// "kms") verified, blobs base64 in JSON, errors as HTTP 4xx/5xx with {"__type","message"}.
// Operations: Encrypt, Decrypt, ReEncrypt. The EncryptionContext is authenticated (AES-GCM AAD), so a
// Decrypt with another context fails with InvalidCiphertextException, as KMS does.
// Faults: delay, 5xx, deleted (unknown) key, disabled key, revoked grant (AccessDeniedException).
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody, sleep, verifySigV4 } from "./sigv4";

interface FakeKey {
  arn: string;
  material: Buffer;
  enabled: boolean;
  grantRevoked: boolean;
}

export interface FakeKmsFaults {
  delayMs: number;
  /** Answer every call with this 5xx (KMSInternalException) when set. */
  serverError?: number;
}

export class FakeKms {
  readonly region = "eu-west-1";
  readonly account = "111122223333";
  readonly accessKeyId = "AKIAFAKEKMS000000001";
  readonly secretAccessKey = "fake-kms-secret-access-key-0000000000000";
  readonly faults: FakeKmsFaults = { delayMs: 0 };
  readonly calls: Array<{ target: string; status: number; keyId?: string }> = [];
  /** Every raw request body seen (to prove what left the product). */
  readonly bodies: string[] = [];
  private readonly keys = new Map<string, FakeKey>();
  private server?: Server;
  url = "";

  createKey(): string {
    const arn = `arn:aws:kms:${this.region}:${this.account}:key/${randomUUID()}`;
    this.keys.set(arn, { arn, material: randomBytes(32), enabled: true, grantRevoked: false });
    return arn;
  }
  revokeGrant(arn: string, revoked = true) {
    this.key(arn).grantRevoked = revoked;
  }
  disableKey(arn: string, disabled = true) {
    this.key(arn).enabled = !disabled;
  }
  deleteKey(arn: string) {
    this.keys.delete(arn);
  }
  private key(arn: string): FakeKey {
    const k = this.keys.get(arn);
    if (!k) throw new Error(`no such fake key ${arn}`);
    return k;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    this.bodies.push(body.toString("utf8"));
    const target = String(req.headers["x-amz-target"] ?? "");
    const send = (status: number, payload: unknown) => {
      this.calls.push({ target, status });
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() });
      res.end(JSON.stringify(payload));
    };
    const error = (status: number, type: string, message: string) => send(status, { __type: type, message });
    if (this.faults.delayMs) await sleep(this.faults.delayMs);
    if (req.method !== "POST" || req.url !== "/") return error(404, "UnknownOperationException", "Unknown operation");
    if (req.headers["content-type"] !== "application/x-amz-json-1.1") return error(400, "SerializationException", "Unsupported content type");
    const sig = verifySigV4(req, body, { service: "kms", secrets: { [this.accessKeyId]: this.secretAccessKey } });
    if (!sig.ok) return error(400, sig.reason === "unknown access key id" ? "UnrecognizedClientException" : "InvalidSignatureException", "The request signature we calculated does not match the signature you provided.");
    if (this.faults.serverError) return error(this.faults.serverError, "KMSInternalException", "An internal error occurred.");
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body.toString("utf8") || "{}");
    } catch {
      return error(400, "SerializationException", "Malformed JSON");
    }
    const op = target.startsWith("TrentService.") ? target.slice("TrentService.".length) : "";
    try {
      if (op === "Encrypt") return send(200, this.encrypt(String(input.KeyId ?? ""), b64(input.Plaintext), ctx(input.EncryptionContext)));
      if (op === "Decrypt") {
        const { key, plaintext } = this.decrypt(b64(input.CiphertextBlob), ctx(input.EncryptionContext), input.KeyId as string | undefined);
        return send(200, { KeyId: key.arn, Plaintext: plaintext.toString("base64"), EncryptionAlgorithm: "SYMMETRIC_DEFAULT" });
      }
      if (op === "ReEncrypt") {
        const { key: source, plaintext } = this.decrypt(b64(input.CiphertextBlob), ctx(input.SourceEncryptionContext), input.SourceKeyId as string | undefined);
        const out = this.encrypt(String(input.DestinationKeyId ?? ""), plaintext, ctx(input.DestinationEncryptionContext));
        return send(200, { CiphertextBlob: out.CiphertextBlob, KeyId: out.KeyId, SourceKeyId: source.arn, SourceEncryptionAlgorithm: "SYMMETRIC_DEFAULT", DestinationEncryptionAlgorithm: "SYMMETRIC_DEFAULT" });
      }
      return error(400, "UnknownOperationException", "Unknown operation");
    } catch (e) {
      if (e instanceof KmsError) return error(400, e.type, e.message);
      throw e;
    }
  }

  private usable(keyId: string): FakeKey {
    const key = this.keys.get(keyId);
    if (!key) throw new KmsError("NotFoundException", `Key '${keyId}' does not exist`);
    if (key.grantRevoked) throw new KmsError("AccessDeniedException", "User is not authorized to perform: kms:* on this resource because no grant allows it");
    if (!key.enabled) throw new KmsError("DisabledException", `${keyId} is disabled.`);
    return key;
  }

  private encrypt(keyId: string, plaintext: Buffer | null, context: Record<string, string> | null) {
    if (!plaintext || plaintext.length < 1 || plaintext.length > 4096) throw new KmsError("ValidationException", "1 validation error detected: Plaintext");
    if (context === null) throw new KmsError("ValidationException", "EncryptionContext must be a map of strings");
    const key = this.usable(keyId);
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", key.material, iv);
    c.setAAD(aad(context));
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    const arn = Buffer.from(key.arn, "utf8");
    const blob = Buffer.concat([Buffer.from([0x01, arn.length]), arn, iv, c.getAuthTag(), ct]);
    return { CiphertextBlob: blob.toString("base64"), KeyId: key.arn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
  }

  private decrypt(blob: Buffer | null, context: Record<string, string> | null, keyId?: string): { key: FakeKey; plaintext: Buffer } {
    if (!blob || blob.length < 2 + 12 + 16 || blob[0] !== 0x01) throw new KmsError("InvalidCiphertextException", "");
    const arnLen = blob[1];
    const arn = blob.subarray(2, 2 + arnLen).toString("utf8");
    if (keyId && keyId !== arn) throw new KmsError("IncorrectKeyException", "The key ID in the request does not identify a KMS key that can perform this operation.");
    const key = this.usable(arn);
    if (context === null) throw new KmsError("InvalidCiphertextException", "");
    const at = 2 + arnLen;
    try {
      const d = createDecipheriv("aes-256-gcm", key.material, blob.subarray(at, at + 12));
      d.setAuthTag(blob.subarray(at + 12, at + 28));
      d.setAAD(aad(context));
      return { key, plaintext: Buffer.concat([d.update(blob.subarray(at + 28)), d.final()]) };
    } catch {
      // KMS says nothing more for a wrong context or a corrupted blob.
      throw new KmsError("InvalidCiphertextException", "");
    }
  }
}

class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function b64(v: unknown): Buffer | null {
  return typeof v === "string" ? Buffer.from(v, "base64") : null;
}
function ctx(v: unknown): Record<string, string> | null {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) return null;
  for (const x of Object.values(v)) if (typeof x !== "string") return null;
  return v as Record<string, string>;
}
function aad(context: Record<string, string>): Buffer {
  return Buffer.from(JSON.stringify(Object.keys(context).sort().map((k) => [k, context[k]])), "utf8");
}

export async function startFakeKms(): Promise<FakeKms> {
  return new FakeKms().start();
}
