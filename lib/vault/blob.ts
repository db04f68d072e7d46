// The vault's stored blob: pure functions, no I/O, no randomness (the caller passes the data key and
// the nonce), so they can be property-tested exhaustively.
//
// Layout, format version 1 (all integers big-endian):
//
//   0  "FV"                      magic
//   2  u8   format version       = 1
//   3  u8   key provider kind    0 local, 1 aws_kms, 2 vault_transit, 3 xks
//   4  u32  key version          service key version (HMAC key, local wrap key, WrapContext.keyVersion)
//   8  u16  keyId length, keyId  which provider key wrapped the data key (utf-8, not secret)
//      u16  wrapped length, wrapped data key (provider-opaque)
//      12   nonce
//      n    ciphertext           AES-256-GCM under the per-secret data key
//      16   GCM tag
//      32   HMAC-SHA256          over context || everything above; key = HKDF(service key version)
//
// The GCM AAD is the header (magic … wrapped key) followed by the binding context (org, object id,
// purpose, key version): a blob copied to another row, org or purpose, or a header edited to point at
// another key, fails to decrypt. The HMAC is checked first, on every use, so a tampered blob is refused
// before any key provider is asked to unwrap anything.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { KeyProviderKind } from "./key-provider";

export const BLOB_FORMAT_VERSION = 1;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const MAC_BYTES = 32;
export const DATA_KEY_BYTES = 32;
const MAGIC = Buffer.from("FV", "latin1");

const KIND_CODES: Record<KeyProviderKind, number> = { local: 0, aws_kms: 1, vault_transit: 2, xks: 3 };
const KINDS = Object.entries(KIND_CODES).reduce<Record<number, KeyProviderKind>>((m, [k, v]) => ((m[v] = k as KeyProviderKind), m), {});

/** What a blob is bound to. A blob opened with any other binding fails. */
export interface BlobBinding {
  orgId: string;
  objectId: string;
  purpose: string;
  keyVersion: number;
}

export interface BlobHeader {
  formatVersion: number;
  providerKind: KeyProviderKind;
  keyVersion: number;
  keyId: string;
  wrapped: Buffer;
}

export interface ParsedBlob extends BlobHeader {
  /** magic … wrapped key: the bytes bound into the GCM AAD. */
  headerBytes: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  mac: Buffer;
  /** Everything the MAC covers besides the binding. */
  macInput: Buffer;
}

export type BlobFailure = "format" | "mac" | "decrypt";

export class BlobError extends Error {
  constructor(readonly failure: BlobFailure, message: string) {
    super(message);
    this.name = "BlobError";
  }
}

/** Canonical binding bytes: fields are NUL-separated and none may contain NUL, so no two bindings collide. */
export function bindingBytes(b: BlobBinding): Buffer {
  for (const v of [b.orgId, b.objectId, b.purpose]) {
    if (v.includes("\0")) throw new BlobError("format", "binding fields must not contain NUL");
  }
  if (!Number.isInteger(b.keyVersion) || b.keyVersion < 0 || b.keyVersion > 0xffffffff) {
    throw new BlobError("format", "key version out of range");
  }
  return Buffer.from(`fortress-vault-v1\0${b.orgId}\0${b.objectId}\0${b.purpose}\0${b.keyVersion}`, "utf8");
}

/** The blob's HMAC key, derived from one service key version (HKDF-SHA256). */
export function blobMacKey(serviceKey: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", serviceKey, Buffer.alloc(0), "fortress:vault:blob-hmac:v1", 32));
}

function encodeHeader(h: Omit<BlobHeader, "formatVersion">): Buffer {
  const keyId = Buffer.from(h.keyId, "utf8");
  if (keyId.length > 0xffff || h.wrapped.length > 0xffff) throw new BlobError("format", "key id or wrapped key too long");
  const fixed = Buffer.alloc(8);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt8(BLOB_FORMAT_VERSION, 2);
  fixed.writeUInt8(KIND_CODES[h.providerKind], 3);
  fixed.writeUInt32BE(h.keyVersion, 4);
  const l1 = Buffer.alloc(2);
  l1.writeUInt16BE(keyId.length);
  const l2 = Buffer.alloc(2);
  l2.writeUInt16BE(h.wrapped.length);
  return Buffer.concat([fixed, l1, keyId, l2, h.wrapped]);
}

const contentAad = (headerBytes: Buffer, binding: BlobBinding) => Buffer.concat([headerBytes, bindingBytes(binding)]);

function mac(macKey: Buffer, binding: BlobBinding, macInput: Buffer): Buffer {
  return createHmac("sha256", macKey).update(bindingBytes(binding)).update(macInput).digest();
}

export interface SealInput {
  plaintext: Buffer;
  dataKey: Buffer;
  nonce: Buffer;
  providerKind: KeyProviderKind;
  keyId: string;
  wrapped: Buffer;
  binding: BlobBinding;
  macKey: Buffer;
}

/** Encrypts and assembles a blob. Pure: the same inputs give the same bytes. */
export function sealBlob(input: SealInput): Buffer {
  if (input.dataKey.length !== DATA_KEY_BYTES) throw new BlobError("format", "data key must be 32 bytes");
  if (input.nonce.length !== NONCE_BYTES) throw new BlobError("format", "nonce must be 12 bytes");
  const headerBytes = encodeHeader({
    providerKind: input.providerKind,
    keyVersion: input.binding.keyVersion,
    keyId: input.keyId,
    wrapped: input.wrapped,
  });
  const cipher = createCipheriv("aes-256-gcm", input.dataKey, input.nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(contentAad(headerBytes, input.binding));
  const ciphertext = Buffer.concat([cipher.update(input.plaintext), cipher.final()]);
  const macInput = Buffer.concat([headerBytes, input.nonce, ciphertext, cipher.getAuthTag()]);
  return Buffer.concat([macInput, mac(input.macKey, input.binding, macInput)]);
}

/** Splits a blob into its parts; throws BlobError("format") on anything malformed. */
export function parseBlob(blob: Buffer): ParsedBlob {
  const fail = (why: string): never => {
    throw new BlobError("format", `malformed vault blob: ${why}`);
  };
  if (blob.length < 8 + 2 + 2 + NONCE_BYTES + TAG_BYTES + MAC_BYTES) fail("too short");
  if (!blob.subarray(0, 2).equals(MAGIC)) fail("bad magic");
  const formatVersion = blob.readUInt8(2);
  if (formatVersion !== BLOB_FORMAT_VERSION) fail(`unknown format version ${formatVersion}`);
  const providerKind = KINDS[blob.readUInt8(3)];
  if (!providerKind) fail("unknown key provider");
  const keyVersion = blob.readUInt32BE(4);
  let at = 8;
  const keyIdLen = blob.readUInt16BE(at);
  at += 2;
  if (at + keyIdLen + 2 > blob.length) fail("truncated key id");
  const keyId = blob.subarray(at, at + keyIdLen).toString("utf8");
  at += keyIdLen;
  const wrappedLen = blob.readUInt16BE(at);
  at += 2;
  const headerEnd = at + wrappedLen;
  if (headerEnd + NONCE_BYTES + TAG_BYTES + MAC_BYTES > blob.length) fail("truncated");
  const macStart = blob.length - MAC_BYTES;
  const tagStart = macStart - TAG_BYTES;
  return {
    formatVersion,
    providerKind,
    keyVersion,
    keyId,
    wrapped: blob.subarray(at, headerEnd),
    headerBytes: blob.subarray(0, headerEnd),
    nonce: blob.subarray(headerEnd, headerEnd + NONCE_BYTES),
    ciphertext: blob.subarray(headerEnd + NONCE_BYTES, tagStart),
    tag: blob.subarray(tagStart, macStart),
    mac: blob.subarray(macStart),
    macInput: blob.subarray(0, macStart),
  };
}

/** Constant-time HMAC check over the whole stored blob and its binding. */
export function verifyBlobMac(parsed: ParsedBlob, binding: BlobBinding, macKey: Buffer): boolean {
  const expected = mac(macKey, binding, parsed.macInput);
  return expected.length === parsed.mac.length && timingSafeEqual(expected, parsed.mac);
}

/** Decrypts the content with an unwrapped data key. Returns a fresh Buffer the caller zeroes. */
export function decryptBlob(parsed: ParsedBlob, dataKey: Buffer, binding: BlobBinding): Buffer {
  if (binding.keyVersion !== parsed.keyVersion) throw new BlobError("decrypt", "key version does not match the blob");
  try {
    const decipher = createDecipheriv("aes-256-gcm", dataKey, parsed.nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(contentAad(parsed.headerBytes, binding));
    decipher.setAuthTag(parsed.tag);
    const first = decipher.update(parsed.ciphertext);
    try {
      const last = decipher.final();
      if (last.length === 0) return first;
      const out = Buffer.concat([first, last]);
      first.fill(0);
      return out;
    } catch (err) {
      first.fill(0); // GCM streams unauthenticated plaintext before final(): never let it out.
      throw err;
    }
  } catch {
    throw new BlobError("decrypt", "vault blob failed authentication");
  }
}

/** The key version a blob needs, read without verifying anything (for routing to the right key). */
export function blobKeyVersion(blob: Buffer): number {
  return parseBlob(blob).keyVersion;
}
