// Offline verification of an evidence export: the manifest's Ed25519 signature, the hash chain
// between the signed ends, every included checkpoint's signature and hash, and (CSV) that the
// readable columns agree with the hashed data. Names the first bad row. Pure: runs anywhere.
import { chainHash } from "./chain";
import { parseCsv, uncell } from "./csv";
import {
  CSV_COLUMNS,
  displayCells,
  EXPORT_FORMAT,
  manifestStatement,
  type ExportCheckpoint,
  type ExportRow,
  type SignedManifest,
} from "./export-format";
import { verifyJson, verifyStatement } from "./signature";

export interface ParsedExport {
  manifest: SignedManifest | null;
  rows: ExportRow[];
  checkpoints: ExportCheckpoint[];
  /** Problems found while parsing (CSV columns that disagree with the data, bad lines). */
  problems: { line: number; seq?: number; problem: string }[];
}

export type ExportVerdict =
  | { ok: true; rows: number; checkpoints: number; fromSeq: number; toSeq: number; keyId: string; keySource: "pinned" | "embedded" }
  | { ok: false; firstBadSeq: number | null; problem: string; line?: number };

export function parseExport(text: string): ParsedExport {
  const trimmed = text.replace(/^\uFEFF/, "").trimStart();
  return trimmed.startsWith("{") ? parseJsonl(trimmed) : parseCsvExport(trimmed);
}

function parseJsonl(text: string): ParsedExport {
  const out: ParsedExport = { manifest: null, rows: [], checkpoints: [], problems: [] };
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let rec: any;
    try {
      rec = JSON.parse(line);
    } catch {
      out.problems.push({ line: i + 1, problem: `line ${i + 1} is not JSON` });
      return;
    }
    take(out, rec, i + 1);
  });
  return out;
}

function take(out: ParsedExport, rec: any, line: number) {
  if (rec?.type === "manifest") {
    if (out.manifest) out.problems.push({ line, problem: `line ${line}: a second manifest` });
    else out.manifest = rec as SignedManifest;
  } else if (rec?.type === "row") {
    out.rows.push({ seq: rec.seq, prev_hash: rec.prev_hash, hash: rec.hash, fields: rec.fields ?? {}, line } as ExportRow & { line: number });
  } else if (rec?.type === "checkpoint") {
    out.checkpoints.push(rec as ExportCheckpoint);
  } else out.problems.push({ line, problem: `line ${line}: unknown record` });
}

function parseCsvExport(text: string): ParsedExport {
  const out: ParsedExport = { manifest: null, rows: [], checkpoints: [], problems: [] };
  const table = parseCsv(text);
  const head = table[0]?.join(",");
  if (head !== CSV_COLUMNS.join(",")) {
    out.problems.push({ line: 1, problem: "line 1: not a Fortress audit export (unexpected CSV header)" });
    return out;
  }
  const col = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, i]));
  for (let i = 1; i < table.length; i++) {
    const cells = table[i].map(uncell);
    const line = i + 1;
    let data: any;
    try {
      data = JSON.parse(cells[col.data]);
    } catch {
      out.problems.push({ line, problem: `line ${line}: data column is not JSON` });
      continue;
    }
    const kind = cells[col.record];
    if (kind === "manifest") take(out, { ...data, type: "manifest" }, line);
    else if (kind === "checkpoint") take(out, { ...data, type: "checkpoint" }, line);
    else if (kind === "row") {
      const seq = Number(cells[col.seq]);
      take(out, { type: "row", seq, prev_hash: cells[col.prev_hash], hash: cells[col.hash], fields: data }, line);
      const stream = out.manifest?.stream ?? "events";
      const expected = displayCells(stream, data);
      const shown = [cells[col.occurred_at], cells[col.product], cells[col.actor], cells[col.action], cells[col.resource], cells[col.decision], cells[col.reason]];
      if (expected.some((v, k) => v !== shown[k])) {
        out.problems.push({ line, seq, problem: `row ${seq}: a readable column was altered (it no longer matches the hashed data)` });
      }
    } else out.problems.push({ line, problem: `line ${line}: unknown record "${kind}"` });
  }
  return out;
}

const fail = (firstBadSeq: number | null, problem: string, line?: number): ExportVerdict => ({ ok: false, firstBadSeq, problem, line });

/**
 * Verifies a parsed export. `publicKeyPem` pins the key the auditor trusts (recommended); without it
 * the key embedded in the manifest is used, which proves integrity against that key only.
 */
export function verifyExport(parsed: ParsedExport, options: { publicKeyPem?: string } = {}): ExportVerdict {
  const m = parsed.manifest;
  if (!m || m.format !== EXPORT_FORMAT) return fail(null, "no export manifest: not a Fortress audit export");
  const keySource = options.publicKeyPem ? "pinned" : "embedded";
  const keyFor = (keyId: string) => options.publicKeyPem ?? m.public_keys?.[keyId];
  const pem = keyFor(m.key_id);
  if (!pem) return fail(null, `no public key for ${m.key_id}`);
  if (!verifyJson(manifestStatement(m), m.key_id, m.signature, pem)) {
    return fail(null, "the export manifest's signature does not verify (manifest altered, or signed by another key)");
  }

  // Rows: exactly from_seq..to_seq, linked, each hash recomputed. Parse-time problems are reported in
  // seq order together with chain problems, so the first bad row is named whatever its kind.
  const rowProblems = parsed.problems.filter((p) => p.seq !== undefined);
  const otherProblems = parsed.problems.filter((p) => p.seq === undefined);
  if (otherProblems.length) return fail(null, otherProblems[0].problem, otherProblems[0].line);

  let chainFailure: { seq: number; problem: string } | null = null;
  const rows = parsed.rows;
  if (rows.length !== m.row_count && m.row_count === 0) chainFailure = { seq: rows[0]?.seq ?? 0, problem: "rows present in an export that declares none" };
  let expectedSeq = m.from_seq;
  let prev = m.anchor_hash;
  for (const row of rows) {
    if (chainFailure) break;
    if (row.seq !== expectedSeq) {
      chainFailure = row.seq > expectedSeq
        ? { seq: expectedSeq, problem: `row ${expectedSeq} is missing (found ${row.seq} next)` }
        : { seq: row.seq, problem: `row ${row.seq} is out of place (expected row ${expectedSeq}): inserted or reordered` };
      break;
    }
    if (row.prev_hash !== prev) {
      chainFailure = { seq: row.seq, problem: `row ${row.seq} does not link to the row before it` };
      break;
    }
    if (chainHash(prev, row.fields) !== row.hash) {
      chainFailure = { seq: row.seq, problem: `row ${row.seq} was altered after it was written` };
      break;
    }
    prev = row.hash;
    expectedSeq++;
  }
  if (!chainFailure && m.row_count > 0) {
    if (expectedSeq - 1 < m.to_seq) chainFailure = { seq: expectedSeq, problem: `rows ${expectedSeq}..${m.to_seq} are missing from the end of the export` };
    else if (prev !== m.end_hash) chainFailure = { seq: m.to_seq, problem: `row ${m.to_seq} does not match the signed end of the export` };
  }
  const firstRowProblem = rowProblems.sort((a, b) => a.seq! - b.seq!)[0];
  if (firstRowProblem && (!chainFailure || firstRowProblem.seq! <= chainFailure.seq)) {
    return fail(firstRowProblem.seq!, firstRowProblem.problem, firstRowProblem.line);
  }
  if (chainFailure) return fail(chainFailure.seq, chainFailure.problem);

  // Checkpoints: exactly those the manifest lists; each signature; each agrees with its row.
  const listed = [...(m.checkpoint_seqs ?? [])].sort((a, b) => a - b).join(",");
  const present = parsed.checkpoints.map((c) => c.seq).sort((a, b) => a - b).join(",");
  if (listed !== present) return fail(null, `the checkpoints in the file (${present || "none"}) are not those the signed manifest lists (${listed || "none"})`);
  const bySeq = new Map(rows.map((r) => [r.seq, r.hash]));
  for (const cp of parsed.checkpoints) {
    const cpKey = keyFor(cp.key_id);
    if (!cpKey) return fail(cp.seq, `checkpoint at seq ${cp.seq}: no public key for ${cp.key_id}`);
    const okSig = verifyStatement(
      { chain: cp.chain, stream: cp.stream, seq: cp.seq, hash: cp.hash, signedAt: cp.signed_at, keyId: cp.key_id },
      cp.signature,
      cpKey,
    );
    if (!okSig) return fail(cp.seq, `checkpoint at seq ${cp.seq} has a bad signature`);
    if (cp.chain !== m.chain || cp.stream !== m.stream) return fail(cp.seq, `checkpoint at seq ${cp.seq} belongs to another chain`);
    if (cp.seq === m.from_seq - 1 && cp.hash !== m.anchor_hash) return fail(m.from_seq, `row ${m.from_seq} does not start where the signed checkpoint says`);
    const h = bySeq.get(cp.seq);
    if (cp.seq >= m.from_seq && cp.seq <= m.to_seq && h !== cp.hash) return fail(cp.seq, `row ${cp.seq} does not match its signed checkpoint`);
  }
  return { ok: true, rows: rows.length, checkpoints: parsed.checkpoints.length, fromSeq: m.from_seq, toSeq: m.to_seq, keyId: m.key_id, keySource };
}
