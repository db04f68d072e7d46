// The hash chain, as pure functions: the same code hashes rows when they are written and verifies
// them later (in the database, or offline from an export).
//   hash(n) = SHA-256( hash(n-1) + "\n" + canonicalJson(fields of row n) ),  hash(0) = GENESIS_HASH
import { sha256Hex } from "../crypto/tokens";
import { canonicalJson } from "./canonical";

export const GENESIS_HASH = "0".repeat(64);

export interface ChainedRow {
  seq: number;
  prevHash: string;
  hash: string;
  /** Every field the hash covers (everything but prevHash and hash). */
  fields: Record<string, unknown>;
}

export function chainHash(prevHash: string, fields: Record<string, unknown>): string {
  return sha256Hex(`${prevHash}\n${canonicalJson(fields)}`);
}

export type ChainVerdict =
  | { ok: true; checked: number; headSeq: number; headHash: string }
  | { ok: false; checked: number; firstBadSeq: number; problem: string };

/**
 * Walks rows in seq order from the start of the chain (or from a known anchor) and reports the first
 * row that does not fit: an edited row (hash mismatch), a deleted or inserted row (seq gap or
 * prev-hash mismatch), a reordered row.
 */
export function verifyChain(
  rows: Iterable<ChainedRow>,
  anchor: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
): ChainVerdict {
  let expectedSeq = anchor.seq + 1;
  let prev = anchor.hash;
  let checked = 0;
  for (const row of rows) {
    if (row.seq !== expectedSeq) {
      return { ok: false, checked, firstBadSeq: expectedSeq, problem: `row ${expectedSeq} is missing (found ${row.seq} next)` };
    }
    if (row.prevHash !== prev) {
      return { ok: false, checked, firstBadSeq: row.seq, problem: `row ${row.seq} does not link to the row before it` };
    }
    if (chainHash(prev, row.fields) !== row.hash) {
      return { ok: false, checked, firstBadSeq: row.seq, problem: `row ${row.seq} was altered after it was written` };
    }
    prev = row.hash;
    expectedSeq++;
    checked++;
  }
  return { ok: true, checked, headSeq: expectedSeq - 1, headHash: prev };
}
