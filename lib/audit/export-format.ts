// The evidence export format, shared by the exporter (lib/audit/export.ts) and the offline verifier
// (lib/audit/export-verify.ts, scripts/audit-verify.ts). Pure: no database, no settings.
//
// JSON Lines: one object per line
//   {"type":"manifest", format, version, chain, stream, org_id, from, to, from_seq, to_seq,
//    anchor_hash, end_hash, exported_at, key_id, signature, public_keys: {key_id: PEM}}
//   {"type":"row", seq, prev_hash, hash, fields: {…every hashed field…}}         (seq order)
//   {"type":"checkpoint", chain, stream, seq, hash, kind, signed_at, key_id, signature}
// CSV: the same records, one per line, columns CSV_COLUMNS; `data` holds the canonical JSON of the
// record (for rows: the hashed fields), the other columns are for people and must agree with it.
import { canonicalJson } from "./canonical";

export const EXPORT_FORMAT = "fortress-audit-export";
export const CSV_COLUMNS = ["record", "seq", "occurred_at", "product", "actor", "action", "resource", "decision", "reason", "prev_hash", "hash", "data"];

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  version: 1;
  chain: string;
  stream: "events" | "changes";
  org_id: string | null;
  from: string | null;
  to: string | null;
  /** First and last seq of the exported rows; 0/0 when the range is empty. */
  from_seq: number;
  to_seq: number;
  /** prev_hash of the first row, hash of the last row. */
  anchor_hash: string;
  end_hash: string;
  row_count: number;
  /** Seqs of the signed checkpoints included after the rows: removing one is detected too. */
  checkpoint_seqs: number[];
  exported_at: string;
}

export interface SignedManifest extends ExportManifest {
  key_id: string;
  signature: string;
  public_keys: Record<string, string>;
}

export interface ExportRow {
  seq: number;
  prev_hash: string;
  hash: string;
  fields: Record<string, unknown>;
}

export interface ExportCheckpoint {
  chain: string;
  stream: "events" | "changes";
  seq: number;
  hash: string;
  kind: string;
  signed_at: string;
  key_id: string;
  signature: string;
}

/** The manifest fields the signature covers (everything but key_id, signature and public_keys). */
export function manifestStatement(m: ExportManifest): Record<string, unknown> {
  return {
    format: m.format,
    version: m.version,
    chain: m.chain,
    stream: m.stream,
    org_id: m.org_id,
    from: m.from,
    to: m.to,
    from_seq: m.from_seq,
    to_seq: m.to_seq,
    anchor_hash: m.anchor_hash,
    end_hash: m.end_hash,
    row_count: m.row_count,
    checkpoint_seqs: m.checkpoint_seqs,
    exported_at: m.exported_at,
  };
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === "string" ? v : "");
const str = (v: unknown) => (v === null || v === undefined ? "" : String(v));

/** The human-readable columns of a row, derived from its hashed fields (the verifier re-derives them). */
export function displayCells(stream: "events" | "changes", f: Record<string, unknown>): string[] {
  if (stream === "events") {
    const resource = f.resourceType ? `${str(f.resourceType)}:${str(f.resourceId)}` : "";
    return [iso(f.occurredAt), str(f.product), str(f.actorLabel ?? f.actorId), str(f.action), resource, str(f.decision), str(f.reason)];
  }
  const resource = `${str(f.entityType)}:${str(f.entityId)}${f.entityLabel ? ` (${str(f.entityLabel)})` : ""}`;
  return [iso(f.occurredAt), "", str(f.actorLabel ?? f.actorId), str(f.action), resource, "", ""];
}

/** JSON round trip of the hashed fields: what a verifier reading the file sees (Dates become ISO strings). */
export const plainFields = (f: Record<string, unknown>) => JSON.parse(canonicalJson(f)) as Record<string, unknown>;
