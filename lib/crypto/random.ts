// Random bytes for data keys and nonces on the hot path (sealing an archive object takes three draws).
// Each call to crypto.randomBytes is a call into the system CSPRNG that costs ~6 µs on our machines
// whatever its size, so small draws come from a pool refilled 4 KiB at a time from the same CSPRNG
// (crypto.randomFillSync) — the way Node's own randomUUID buffers its entropy. A drawn slice is
// copied out and wiped from the pool at once: no byte is ever handed out twice, and what is left in
// the pool is only ever bytes nobody has seen.
import { randomBytes, randomFillSync } from "node:crypto";

const POOL_BYTES = 4096;
/** Larger draws go straight to the CSPRNG: a pool would not save a call for them. */
const MAX_POOLED = 256;

let pool = Buffer.alloc(0);
let offset = 0;

/** `size` bytes from the system CSPRNG (pooled for small sizes). */
export function secureRandomBytes(size: number): Buffer {
  if (!Number.isInteger(size) || size < 0) throw new RangeError("size must be a non-negative integer");
  if (size > MAX_POOLED) return randomBytes(size);
  if (offset + size > pool.length) {
    pool.fill(0); // the unused tail: never handed out, so wiped rather than kept
    pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_BYTES));
    offset = 0;
  }
  const out = Buffer.alloc(size);
  pool.copy(out, 0, offset, offset + size);
  pool.fill(0, offset, offset + size);
  offset += size;
  return out;
}
