// Test-only fake of HashiCorp Vault's Transit secrets engine HTTP API:
//   POST /v1/{mount}/encrypt/{name}  {plaintext(b64), associated_data?(b64)} → data.ciphertext "vault:vN:…"
//   POST /v1/{mount}/decrypt/{name}  {ciphertext, associated_data?}          → data.plaintext (b64)
// X-Vault-Token checked (403 {"errors":["permission denied"]}), X-Vault-Namespace honoured, aes256-gcm96
// ciphertext = base64(nonce(12) || ciphertext || tag(16)), associated_data authenticated (a mismatch
// fails with 400 "cipher: message authentication failed", as Vault does).
// Faults: delay, 5xx (500 or 503 sealed), unknown key, revoked token.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody, sleep } from "./sigv4";

export interface FakeTransitFaults {
  delayMs: number;
  serverError?: 500 | 503;
  tokenRevoked?: boolean;
}

export class FakeVaultTransit {
  readonly token = `hvs.${randomBytes(18).toString("base64url")}`;
  readonly mount = "transit";
  namespace: string | undefined = undefined;
  readonly faults: FakeTransitFaults = { delayMs: 0 };
  readonly bodies: string[] = [];
  readonly calls: Array<{ path: string; status: number }> = [];
  private readonly keys = new Map<string, Buffer[]>();
  private server?: Server;
  url = "";

  createKey(name: string): string {
    this.keys.set(name, [randomBytes(32)]);
    return name;
  }
  rotateKey(name: string) {
    this.keys.get(name)!.push(randomBytes(32));
  }
  deleteKey(name: string) {
    this.keys.delete(name);
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
    const path = (req.url ?? "").split("?")[0];
    const send = (status: number, payload: unknown) => {
      this.calls.push({ path, status });
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    const errors = (status: number, ...messages: string[]) => send(status, { errors: messages });
    const ok = (data: Record<string, unknown>) =>
      send(200, { request_id: randomUUID(), lease_id: "", renewable: false, lease_duration: 0, data, wrap_info: null, warnings: null, auth: null, mount_type: "transit" });

    if (this.faults.delayMs) await sleep(this.faults.delayMs);
    if (this.faults.serverError === 503) return errors(503, "Vault is sealed");
    if (this.faults.serverError) return errors(500, "internal error");
    if (req.headers["x-vault-token"] !== this.token || this.faults.tokenRevoked) return errors(403, "permission denied");
    if (this.namespace !== undefined && String(req.headers["x-vault-namespace"] ?? "").replace(/\/$/, "") !== this.namespace) return errors(403, "permission denied");
    const m = new RegExp(`^/v1/${this.mount}/(encrypt|decrypt)/([^/]+)$`).exec(path);
    if (!m) return errors(404, "no handler for route");
    if (req.method !== "POST" && req.method !== "PUT") return errors(405, "unsupported operation");
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body.toString("utf8") || "{}");
    } catch {
      return errors(400, "failed to parse JSON input");
    }
    const [, op, name] = m;
    const versions = this.keys.get(decodeURIComponent(name));
    const ad = typeof input.associated_data === "string" ? Buffer.from(input.associated_data, "base64") : Buffer.alloc(0);
    if (op === "encrypt") {
      if (typeof input.plaintext !== "string") return errors(400, "missing plaintext to encrypt");
      if (!versions) return errors(400, "encryption key not found");
      const version = versions.length;
      const nonce = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", versions[version - 1], nonce);
      if (ad.length) c.setAAD(ad);
      const ct = Buffer.concat([c.update(Buffer.from(input.plaintext, "base64")), c.final()]);
      return ok({ ciphertext: `vault:v${version}:${Buffer.concat([nonce, ct, c.getAuthTag()]).toString("base64")}`, key_version: version });
    }
    if (typeof input.ciphertext !== "string") return errors(400, "missing ciphertext to decrypt");
    const cm = /^vault:v(\d+):(.*)$/.exec(input.ciphertext);
    if (!cm) return errors(400, "invalid ciphertext: no prefix");
    if (!versions) return errors(400, "encryption key not found");
    const key = versions[Number(cm[1]) - 1];
    if (!key) return errors(400, "invalid key version");
    const raw = Buffer.from(cm[2], "base64");
    if (raw.length < 28) return errors(400, "invalid ciphertext: ciphertext too short");
    try {
      const d = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(raw.length - 16));
      if (ad.length) d.setAAD(ad);
      const pt = Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
      return ok({ plaintext: pt.toString("base64") });
    } catch {
      return errors(400, "cipher: message authentication failed");
    }
  }
}

export async function startFakeVaultTransit(): Promise<FakeVaultTransit> {
  return new FakeVaultTransit().start();
}
