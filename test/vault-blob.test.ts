// The blob format, pure: round trip, tamper (every bit), binding, nonces, no plaintext in the bytes.
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BlobError, blobMacKey, decryptBlob, parseBlob, sealBlob, verifyBlobMac, type BlobBinding } from "@/lib/vault/blob";
import { KeyProviderError } from "@/lib/vault/key-provider";
import { LocalKeyProvider } from "@/lib/vault/providers/local";
import { deriveMaterial, type ServiceKeyring } from "@/lib/vault/service-keys";

const serviceKey = randomBytes(32);
const material = deriveMaterial(1, serviceKey);
const keyring: ServiceKeyring = {
  currentVersion: async () => 1,
  material: async (v) => {
    if (v !== 1) throw new KeyProviderError("wrong_key", "retired");
    return material;
  },
};
const local = new LocalKeyProvider(keyring);
const binding: BlobBinding = { orgId: "0b8e0a4e-0000-4000-8000-000000000001", objectId: "5e1f0000-0000-4000-8000-000000000002", purpose: "connector", keyVersion: 1 };

async function seal(plaintext: Buffer, b = binding) {
  const dataKey = randomBytes(32);
  const { wrapped, keyId } = await local.wrap(dataKey, { ...b });
  const blob = sealBlob({ plaintext, dataKey, nonce: randomBytes(12), providerKind: "local", keyId, wrapped, binding: b, macKey: material.macKey });
  return blob;
}

/** Full open path without the HMAC shortcut: unwrap with the provider, then GCM. */
async function decryptOnly(blob: Buffer, b = binding): Promise<Buffer> {
  const parsed = parseBlob(blob);
  const dk = await local.unwrap({ wrapped: parsed.wrapped, keyId: parsed.keyId }, { ...b, keyVersion: parsed.keyVersion });
  return decryptBlob(parsed, dk, { ...b, keyVersion: parsed.keyVersion });
}

const macOk = (blob: Buffer, b = binding) => {
  try {
    return verifyBlobMac(parseBlob(blob), b, material.macKey);
  } catch {
    return false;
  }
};
const decrypts = async (blob: Buffer, b = binding) => {
  try {
    await decryptOnly(blob, b);
    return true;
  } catch (err) {
    expect(err instanceof BlobError || err instanceof KeyProviderError).toBe(true);
    return false;
  }
};

describe("vault blob format", () => {
  it("round-trips any plaintext and any binding (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 2048 }),
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes("\0")),
        fc.constantFrom("connector", "pat", "webhook", "mdm", "idp", "archive"),
        async (bytes, objectId, purpose) => {
          const b = { ...binding, objectId, purpose };
          const blob = await seal(Buffer.from(bytes), b);
          expect(macOk(blob, b)).toBe(true);
          expect((await decryptOnly(blob, b)).equals(Buffer.from(bytes))).toBe(true);
          expect(parseBlob(blob).formatVersion).toBe(1);
          expect(parseBlob(blob).keyVersion).toBe(1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses any random modification, truncation or extension (property)", async () => {
    const plaintext = randomBytes(64);
    const blob = await seal(plaintext);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ op: fc.constant("xor" as const), at: fc.nat(blob.length - 1), mask: fc.integer({ min: 1, max: 255 }) }),
          fc.record({ op: fc.constant("cut" as const), at: fc.nat(blob.length - 1), mask: fc.constant(0) }),
          fc.record({ op: fc.constant("add" as const), at: fc.nat(blob.length), mask: fc.integer({ min: 0, max: 255 }) }),
        ),
        async ({ op, at, mask }) => {
          let t: Buffer;
          if (op === "xor") {
            t = Buffer.from(blob);
            t[at] ^= mask;
          } else if (op === "cut") t = blob.subarray(0, at);
          else t = Buffer.concat([blob.subarray(0, at), Buffer.from([mask]), blob.subarray(at)]);
          expect(macOk(t)).toBe(false);
          // A flipped bit inside the HMAC itself leaves the content intact: only the HMAC catches it.
          const inMac = op === "xor" && at >= blob.length - 32;
          expect(await decrypts(t)).toBe(inMac);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("tamper suite: every single bit of ciphertext, nonce, tag and wrapped key of a 64-byte secret fails decryption AND the HMAC", async () => {
    const plaintext = randomBytes(64);
    const blob = await seal(plaintext);
    const p = parseBlob(blob);
    const offsetOf = (part: Buffer) => part.byteOffset - blob.byteOffset;
    const regions = { wrapped: p.wrapped, nonce: p.nonce, ciphertext: p.ciphertext, tag: p.tag };
    expect(p.ciphertext.length).toBe(64);
    let flips = 0;
    for (const [name, part] of Object.entries(regions)) {
      const start = offsetOf(part);
      for (let byte = 0; byte < part.length; byte++) {
        for (let bit = 0; bit < 8; bit++) {
          const t = Buffer.from(blob);
          t[start + byte] ^= 1 << bit;
          expect(macOk(t), `${name} byte ${byte} bit ${bit}: HMAC`).toBe(false);
          expect(await decrypts(t), `${name} byte ${byte} bit ${bit}: decrypt`).toBe(false);
          flips++;
        }
      }
    }
    expect(flips).toBe((60 + 12 + 64 + 16) * 8);
    // and the untouched blob still opens
    expect((await decryptOnly(blob)).equals(plaintext)).toBe(true);
  });

  it("a blob moved to another row, org, purpose or key version fails decryption and the HMAC", async () => {
    const blob = await seal(randomBytes(64));
    const moves: BlobBinding[] = [
      { ...binding, objectId: "5e1f0000-0000-4000-8000-000000000003" },
      { ...binding, orgId: "0b8e0a4e-0000-4000-8000-000000000009" },
      { ...binding, purpose: "pat" },
    ];
    for (const b of moves) {
      expect(macOk(blob, b)).toBe(false);
      expect(await decrypts(blob, b)).toBe(false);
    }
    // The content alone, with the right data key, under another binding: GCM refuses too.
    const parsed = parseBlob(blob);
    const dk = await local.unwrap({ wrapped: parsed.wrapped, keyId: parsed.keyId }, binding);
    for (const b of moves) expect(() => decryptBlob(parsed, dk, b)).toThrow(BlobError);
    expect(() => decryptBlob(parsed, dk, { ...binding, keyVersion: 2 })).toThrow(BlobError);
  });

  it("gives 10,000 distinct nonces (and ciphertexts) for 10,000 encryptions of one plaintext", async () => {
    const plaintext = Buffer.from("the same credential every time, 64 bytes long............ done.");
    const nonces = new Set<string>();
    const cts = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const p = parseBlob(await seal(plaintext));
      nonces.add(p.nonce.toString("hex"));
      cts.add(p.ciphertext.toString("hex"));
    }
    expect(nonces.size).toBe(10_000);
    expect(cts.size).toBe(10_000);
  });

  it("never contains the plaintext (raw, hex, base64) in the stored bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 8, maxLength: 256 }), async (bytes) => {
        const pt = Buffer.from(bytes);
        const blob = await seal(pt);
        expect(blob.indexOf(pt)).toBe(-1);
        const text = blob.toString("latin1");
        expect(text.includes(pt.toString("hex"))).toBe(false);
        expect(text.includes(pt.toString("base64"))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses unknown format versions and keys of a retired version", async () => {
    const blob = await seal(randomBytes(16));
    const v2 = Buffer.from(blob);
    v2[2] = 2;
    expect(() => parseBlob(v2)).toThrow(/format version/);
    const parsed = parseBlob(blob);
    await expect(local.unwrap({ wrapped: parsed.wrapped, keyId: parsed.keyId }, { ...binding, keyVersion: 2 })).rejects.toThrow(KeyProviderError);
    expect(blobMacKey(serviceKey).equals(material.macKey)).toBe(true);
  });
});

describe("last four", () => {
  it("shows at most the last 4 characters, only of secrets of 12 characters or more, multi-byte safe", async () => {
    const { lastFourOf } = await import("@/lib/vault/secrets");
    expect(lastFourOf(Buffer.from("abcdefghijkl"))).toBe("ijkl");
    expect(lastFourOf(Buffer.from("abcdefghijk"))).toBeNull();
    expect(lastFourOf(Buffer.from("ééééééééé€😀"))).toBeNull(); // 11 characters, 24 bytes
    expect(lastFourOf(Buffer.from("éééééééééé€😀"))).toBe("éé€😀");
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-composite", minLength: 0, maxLength: 40 }), (s) => {
        const chars = [...s];
        const got = lastFourOf(Buffer.from(s, "utf8"));
        expect(got).toBe(chars.length >= 12 ? chars.slice(-4).join("") : null);
      }),
    );
  });
});
