// Pure parts of the customer providers, as properties: the XKS wrapped-key format round-trips and
// never throws on garbage; the context AAD is injective; a single flipped bit of a stored XKS blob
// never decodes to the same parts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contextAad, encryptionContext, fromB64 } from "@/lib/vault/providers/common";
import { decodeXksBlob, encodeXksBlob } from "@/lib/vault/providers/xks";

const parts = fc.record({
  iv: fc.oneof(fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.uint8Array({ minLength: 16, maxLength: 16 })).map((a) => Buffer.from(a)),
  tag: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a)),
  metadata: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
  ciphertext: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => Buffer.from(a)),
});
const context = fc.record({ orgId: fc.string({ minLength: 1 }), purpose: fc.string({ minLength: 1 }), objectId: fc.string({ minLength: 1 }), keyVersion: fc.nat() });

describe("customer provider formats", () => {
  it("XKS blob: decode(encode(x)) = x", () => {
    fc.assert(
      fc.property(parts, (p) => {
        const d = decodeXksBlob(encodeXksBlob(p))!;
        expect(d.iv.equals(p.iv) && d.tag.equals(p.tag) && d.metadata.equals(p.metadata) && d.ciphertext.equals(p.ciphertext)).toBe(true);
      }),
    );
  });

  it("XKS blob: arbitrary bytes decode to null or to parts, never throw", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (a) => void decodeXksBlob(Buffer.from(a))));
  });

  it("XKS blob: any single flipped bit changes what is sent to the HSM (or makes the blob unreadable)", () => {
    fc.assert(
      fc.property(parts, fc.nat(), fc.integer({ min: 0, max: 7 }), (p, at, bit) => {
        const blob = encodeXksBlob(p);
        const flipped = Buffer.from(blob);
        flipped[at % blob.length] ^= 1 << bit;
        const d = decodeXksBlob(flipped);
        if (!d) return;
        const same = d.iv.equals(p.iv) && d.tag.equals(p.tag) && d.metadata.equals(p.metadata) && d.ciphertext.equals(p.ciphertext);
        expect(same).toBe(false);
      }),
    );
  });

  it("context AAD and EncryptionContext are injective", () => {
    fc.assert(
      fc.property(context, context, (a, b) => {
        const same = a.orgId === b.orgId && a.purpose === b.purpose && a.objectId === b.objectId && a.keyVersion === b.keyVersion;
        expect(contextAad(a).equals(contextAad(b))).toBe(same);
        expect(JSON.stringify(encryptionContext(a)) === JSON.stringify(encryptionContext(b))).toBe(same);
      }),
    );
  });

  it("strict base64: rejects what Buffer.from would silently accept", () => {
    expect(fromB64("AAAA")!.length).toBe(3);
    for (const bad of ["AAA", "A A=", "AA==AA==", "****", 42, null]) expect(fromB64(bad)).toBeNull();
  });
});
