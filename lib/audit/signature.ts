// Pure Ed25519 checkpoint/manifest signature checks: no database, no settings. Used by the offline
// verifier (scripts/audit-verify.ts) as well as by the service.
import { createPublicKey, verify } from "node:crypto";
import { canonicalJson } from "./canonical";

/** What a checkpoint signature covers. */
export interface CheckpointStatement {
  chain: string;
  stream: "events" | "changes";
  seq: number;
  hash: string;
  signedAt: string;
  keyId: string;
}

export function statementBytes(s: CheckpointStatement): Buffer {
  return Buffer.from(
    canonicalJson({ v: 1, chain: s.chain, stream: s.stream, seq: s.seq, hash: s.hash, signedAt: s.signedAt, keyId: s.keyId }),
    "utf8",
  );
}

export function verifyStatement(s: CheckpointStatement, signatureB64: string, publicKeyPem: string): boolean {
  try {
    return verify(null, statementBytes(s), createPublicKey(publicKeyPem), Buffer.from(signatureB64, "base64"));
  } catch {
    return false;
  }
}

export function verifyJson(value: Record<string, unknown>, keyId: string, signatureB64: string, publicKeyPem: string): boolean {
  try {
    return verify(null, Buffer.from(canonicalJson({ ...value, keyId }), "utf8"), createPublicKey(publicKeyPem), Buffer.from(signatureB64, "base64"));
  } catch {
    return false;
  }
}
