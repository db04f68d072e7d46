// The vault's master key: the root of the key hierarchy. It only ever wraps service key versions
// (lib/vault/service-keys.ts). From FORTRESS_MASTER_KEY, or generated into the data folder (mode 0600)
// on first start; an in-memory data folder (tests) keeps a random one in memory.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "../env";

let cached: Buffer | undefined;

function decode(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32) throw new Error(`Vault master key in ${where} is not base64 of 32 bytes`);
  return key;
}

function loadOrCreate(): Buffer {
  const e = env();
  if (e.FORTRESS_MASTER_KEY) return decode(e.FORTRESS_MASTER_KEY, "FORTRESS_MASTER_KEY");
  if (e.FORTRESS_DATA_DIR.startsWith("memory://")) return randomBytes(32);
  const file = path.join(e.FORTRESS_DATA_DIR, "master.key");
  try {
    return decode(readFileSync(file, "utf8"), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    mkdirSync(e.FORTRESS_DATA_DIR, { recursive: true });
    const fresh = randomBytes(32);
    try {
      // "wx": never overwrite a key another process wrote a moment ago.
      writeFileSync(file, fresh.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
      return fresh;
    } catch {
      return decode(readFileSync(file, "utf8"), file);
    }
  }
}

export function masterKey(): Buffer {
  cached ??= loadOrCreate();
  return cached;
}

/** Tests switch master keys (a lost or changed key must fail closed). */
export function resetMasterKeyForTests(): void {
  cached = undefined;
}
