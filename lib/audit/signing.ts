// The Ed25519 key that signs audit checkpoints: FORTRESS_AUDIT_SIGNING_KEY (PKCS#8 PEM), or one
// generated into the data folder (mode 0600) on first use. Its public half is published with every
// export, and registered in audit_signing_keys so exports signed before a key change stay verifiable.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { auditSigningKeys } from "@/db/schema";
import type { DbOrTx } from "../db";
import { env } from "../env";
import { canonicalJson } from "./canonical";
import { statementBytes, type CheckpointStatement } from "./signature";

export { verifyJson, verifyStatement, type CheckpointStatement } from "./signature";

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}


const g = globalThis as typeof globalThis & { __fortressAuditKey?: SigningKey };

export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return `ed25519:${createHash("sha256").update(der).digest("hex").slice(0, 16)}`;
}

function fromPrivatePem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== "ed25519") throw new Error("FORTRESS_AUDIT_SIGNING_KEY must be an Ed25519 private key");
  const publicKeyPem = createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
  return { keyId: keyIdOf(publicKeyPem), privateKey, publicKeyPem };
}

function generatePem(): string {
  return generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

function loadOrCreate(): SigningKey {
  const e = env();
  if (e.FORTRESS_AUDIT_SIGNING_KEY) return fromPrivatePem(e.FORTRESS_AUDIT_SIGNING_KEY.replace(/\\n/g, "\n"));
  if (e.FORTRESS_DATA_DIR.startsWith("memory://")) return fromPrivatePem(generatePem());
  const file = path.join(e.FORTRESS_DATA_DIR, "audit-signing-key.pem");
  try {
    return fromPrivatePem(readFileSync(file, "utf8"));
  } catch {
    mkdirSync(e.FORTRESS_DATA_DIR, { recursive: true });
    try {
      writeFileSync(file, generatePem(), { mode: 0o600, flag: "wx" });
    } catch {
      /* another process wrote it a moment ago */
    }
    return fromPrivatePem(readFileSync(file, "utf8"));
  }
}

export function signingKey(): SigningKey {
  g.__fortressAuditKey ??= loadOrCreate();
  return g.__fortressAuditKey;
}

/** Registers the current public key (idempotent) so verifiers can find it by key id. */
export async function registerSigningKey(db: DbOrTx): Promise<SigningKey> {
  const key = signingKey();
  await db.insert(auditSigningKeys).values({ keyId: key.keyId, publicKeyPem: key.publicKeyPem }).onConflictDoNothing();
  return key;
}

export function signStatement(s: Omit<CheckpointStatement, "keyId">, key = signingKey()): { keyId: string; signature: string } {
  const full = { ...s, keyId: key.keyId };
  return { keyId: key.keyId, signature: sign(null, statementBytes(full), key.privateKey).toString("base64") };
}


/** Signs any JSON statement (export manifests) in its canonical form. */
export function signJson(value: Record<string, unknown>, key = signingKey()): { keyId: string; signature: string } {
  return { keyId: key.keyId, signature: sign(null, Buffer.from(canonicalJson({ ...value, keyId: key.keyId }), "utf8"), key.privateKey).toString("base64") };
}
