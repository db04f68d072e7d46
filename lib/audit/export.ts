// The one-click evidence export: a time range of one org's audit events (or Change Log) as CSV or
// JSON Lines, streamed in seq order, with everything an auditor needs to verify it offline: each
// row's seq, prev_hash and hash, the signed checkpoints inside the range, and a manifest signed with
// the org's checkpoint key pinning the first and last hash. Verify with `npm run audit:verify`.
import { and, asc, eq, gte, lt, max, min, sql, type SQL } from "drizzle-orm";
import { auditEvents, changeLog } from "@/db/schema";
import type { Database } from "../db";
import { FortressError } from "../errors";
import { canonicalJson } from "./canonical";
import { GENESIS_HASH } from "./chain";
import { checkpointsBetween, publicKeys, signCheckpoint, type Checkpoint } from "./checkpoints";
import { csvLine } from "./csv";
import {
  CSV_COLUMNS,
  displayCells,
  EXPORT_FORMAT,
  manifestStatement,
  plainFields,
  type ExportCheckpoint,
  type ExportManifest,
  type SignedManifest,
} from "./export-format";
import { changeFields, eventFields, type Stream } from "./record";
import { registerSigningKey, signJson } from "./signing";

export interface ExportOptions {
  orgId: string;
  stream: Stream;
  format: "csv" | "jsonl";
  from?: Date;
  to?: Date;
  now?: Date;
}

const BATCH = 500;

function tableOf(stream: Stream) {
  return stream === "events" ? auditEvents : changeLog;
}

/** Resolves the time range to a contiguous seq range of the chain (a chain export has no holes). */
async function seqRange(db: Database, o: ExportOptions): Promise<{ fromSeq: number; toSeq: number } | null> {
  const t = tableOf(o.stream);
  const where: SQL[] = [eq(t.chain, o.orgId)];
  if (o.from) where.push(gte(t.occurredAt, o.from));
  if (o.to) where.push(lt(t.occurredAt, o.to));
  const [r] = await db.select({ lo: min(t.seq), hi: max(t.seq) }).from(t).where(and(...where));
  if (r?.lo === null || r?.lo === undefined || r.hi === null) return null;
  return { fromSeq: Number(r.lo), toSeq: Number(r.hi) };
}

async function rowAt(db: Database, stream: Stream, chain: string, seq: number) {
  const t = tableOf(stream);
  const [row] = await db.select({ prevHash: t.prevHash, hash: t.hash }).from(t).where(and(eq(t.chain, chain), eq(t.seq, seq)));
  return row;
}

export const cpView = (c: Checkpoint): ExportCheckpoint => ({
  chain: c.chain,
  stream: c.stream,
  seq: c.seq,
  hash: c.hash,
  kind: c.kind,
  signed_at: c.signedAt.toISOString(),
  key_id: c.keyId,
  signature: c.signature,
});

/** Builds the signed manifest and the checkpoints to include; signs an export checkpoint at the end. */
async function prepare(db: Database, o: ExportOptions) {
  const now = o.now ?? new Date();
  const range = await seqRange(db, o);
  let manifest: ExportManifest;
  let checkpoints: Checkpoint[] = [];
  if (!range) {
    manifest = {
      format: EXPORT_FORMAT, version: 1, chain: o.orgId, stream: o.stream, org_id: o.orgId,
      from: o.from?.toISOString() ?? null, to: o.to?.toISOString() ?? null,
      from_seq: 0, to_seq: 0, anchor_hash: GENESIS_HASH, end_hash: GENESIS_HASH, row_count: 0, checkpoint_seqs: [], exported_at: now.toISOString(),
    };
  } else {
    const first = await rowAt(db, o.stream, o.orgId, range.fromSeq);
    const last = await rowAt(db, o.stream, o.orgId, range.toSeq);
    if (!first || !last) throw new FortressError("unavailable", "The audit log changed during the export; try again");
    await signCheckpoint(db, { chain: o.orgId, stream: o.stream, seq: range.toSeq, hash: last.hash }, "export", now);
    checkpoints = await checkpointsBetween(db, o.orgId, o.stream, range.fromSeq - 1, range.toSeq);
    manifest = {
      format: EXPORT_FORMAT, version: 1, chain: o.orgId, stream: o.stream, org_id: o.orgId,
      from: o.from?.toISOString() ?? null, to: o.to?.toISOString() ?? null,
      from_seq: range.fromSeq, to_seq: range.toSeq, anchor_hash: first.prevHash, end_hash: last.hash,
      row_count: range.toSeq - range.fromSeq + 1, checkpoint_seqs: checkpoints.map((c) => c.seq), exported_at: now.toISOString(),
    };
  }
  const key = await registerSigningKey(db);
  const { keyId, signature } = signJson(manifestStatement(manifest), key);
  const keys = await publicKeys(db, [keyId, ...checkpoints.map((c) => c.keyId)]);
  const signed: SignedManifest = { ...manifest, key_id: keyId, signature, public_keys: keys };
  return { manifest: signed, checkpoints: checkpoints.map(cpView), range };
}

function encodeManifest(format: "csv" | "jsonl", m: SignedManifest): string {
  if (format === "jsonl") return `${JSON.stringify({ type: "manifest", ...m })}\n`;
  return csvLine(CSV_COLUMNS) + csvLine(["manifest", "", m.exported_at, "", "", "", "", "", "", m.anchor_hash, m.end_hash, canonicalJson(m)]);
}

function encodeRow(format: "csv" | "jsonl", stream: Stream, seq: number, prevHash: string, hash: string, fields: Record<string, unknown>): string {
  const plain = plainFields(fields);
  if (format === "jsonl") return `${JSON.stringify({ type: "row", seq, prev_hash: prevHash, hash, fields: plain })}\n`;
  return csvLine(["row", seq, ...displayCells(stream, plain), prevHash, hash, canonicalJson(plain)]);
}

function encodeCheckpoint(format: "csv" | "jsonl", c: ExportCheckpoint): string {
  if (format === "jsonl") return `${JSON.stringify({ type: "checkpoint", ...c })}\n`;
  return csvLine(["checkpoint", c.seq, c.signed_at, "", "", c.kind, "", "", "", "", c.hash, canonicalJson(c)]);
}

/** A ReadableStream of the export: rows are read in batches, never all in memory. */
export async function exportAudit(db: Database, o: ExportOptions): Promise<ReadableStream<Uint8Array>> {
  const { manifest, checkpoints, range } = await prepare(db, o);
  const enc = new TextEncoder();
  const t = tableOf(o.stream);
  let next = range?.fromSeq ?? 1;
  let phase: "manifest" | "rows" | "checkpoints" | "done" = "manifest";
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (phase === "manifest") {
          controller.enqueue(enc.encode(encodeManifest(o.format, manifest)));
          phase = range ? "rows" : "checkpoints";
          return;
        }
        if (phase === "rows" && range) {
          const rows = await db
            .select()
            .from(t)
            .where(and(eq(t.chain, o.orgId), gte(t.seq, next), sql`${t.seq} <= ${range.toSeq}`))
            .orderBy(asc(t.seq))
            .limit(BATCH);
          let chunk = "";
          for (const r of rows) {
            const fields = o.stream === "events" ? eventFields(r as typeof auditEvents.$inferSelect) : changeFields(r as typeof changeLog.$inferSelect);
            chunk += encodeRow(o.format, o.stream, r.seq, r.prevHash, r.hash, fields);
            next = r.seq + 1;
          }
          if (chunk) controller.enqueue(enc.encode(chunk));
          if (rows.length < BATCH || next > range.toSeq) phase = "checkpoints";
          return;
        }
        if (phase === "checkpoints") {
          controller.enqueue(enc.encode(checkpoints.map((c) => encodeCheckpoint(o.format, c)).join("")));
          phase = "done";
          return;
        }
        controller.close();
      } catch (err) {
        controller.error(err);
      }
    },
  });
}

export function exportFilename(o: ExportOptions, now = new Date()): string {
  const day = now.toISOString().slice(0, 10);
  return `fortress-audit-${o.stream}-${o.orgId.slice(0, 8)}-${day}.${o.format}`;
}
