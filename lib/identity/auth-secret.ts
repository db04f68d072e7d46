// The secret that signs console sessions and admin API tokens: FORTRESS_AUTH_SECRET, or a random one
// generated into the data folder (mode 0600) on first start. Instances behind one load balancer must
// share it, so production deployments set the setting.
import { randomBytes, hkdfSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "../env";

let secret: Buffer | undefined;

function loadOrCreate(): Buffer {
  const e = env();
  if (e.FORTRESS_AUTH_SECRET) return Buffer.from(e.FORTRESS_AUTH_SECRET, "utf8");
  if (e.FORTRESS_DATA_DIR.startsWith("memory://")) return randomBytes(32);
  const file = path.join(e.FORTRESS_DATA_DIR, "auth-secret");
  try {
    return Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  } catch {
    mkdirSync(e.FORTRESS_DATA_DIR, { recursive: true });
    const fresh = randomBytes(32);
    // "wx": never overwrite a secret another process wrote a moment ago.
    try {
      writeFileSync(file, fresh.toString("base64"), { mode: 0o600, flag: "wx" });
      return fresh;
    } catch {
      return Buffer.from(readFileSync(file, "utf8").trim(), "base64");
    }
  }
}

/** A 32-byte key for one purpose, derived from the auth secret (HKDF-SHA256). */
export function deriveKey(purpose: string): Uint8Array {
  secret ??= loadOrCreate();
  return new Uint8Array(hkdfSync("sha256", secret, Buffer.alloc(0), `fortress:${purpose}`, 32));
}
