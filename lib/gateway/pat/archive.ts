// The PAT archive: every request and response, byte for byte, sealed by the vault (AES-256-GCM under
// a per-org data key, AAD bound to org + "archive" + request id) and stored in an S3-compatible
// bucket or a local folder. The sealed object's SHA-256 goes into the audit chain, so a swapped or
// edited object is caught twice: by the recorded hash and by GCM. Written after the response; a
// failed write leaves the sealed blob in the outbox ("archive.retry") and is retried from there.
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { outboxEvents, patRequests } from "@/db/schema";
import { SYSTEM_ACTOR } from "../../context";
import { getDb, type DbOrTx, type Tx } from "../../db";
import { env } from "../../env";
import { FortressError } from "../../errors";
import { recordAuditEvent } from "../../audit/record";
import { logger } from "../../log";
import { enqueueEvent } from "../../outbox/enqueue";
import * as vault from "../../vault";

export interface ArchiveStore {
  readonly kind: "s3" | "local";
  put(key: string, body: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
}

export function localStore(root: string): ArchiveStore {
  const full = (key: string) => {
    const p = path.resolve(root, key);
    if (!p.startsWith(path.resolve(root) + path.sep)) throw new Error("archive key escapes the archive folder");
    return p;
  };
  const made = new Set<string>();
  return {
    kind: "local",
    async put(key, body) {
      const p = full(key);
      const dir = path.dirname(p);
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        if (made.size > 1000) made.clear();
        made.add(dir);
      }
      // Written in place: a torn write (crash) is caught on read by the hash in the audit chain.
      await writeFile(p, body, { mode: 0o600 });
    },
    get: (key) => readFile(full(key)),
  };
}

export async function s3Store(settings: { bucket: string; region: string; endpoint?: string; accessKeyId?: string; secretAccessKey?: string }): Promise<ArchiveStore> {
  const { S3Client, PutObjectCommand, GetObjectCommand } = await import("@aws-sdk/client-s3");
  const client = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: !!settings.endpoint,
    credentials: settings.accessKeyId && settings.secretAccessKey ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } : undefined,
  });
  return {
    kind: "s3",
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: settings.bucket, Key: key, Body: body, ContentType: "application/octet-stream", ServerSideEncryption: settings.endpoint ? undefined : "AES256" }));
    },
    async get(key) {
      const out = await client.send(new GetObjectCommand({ Bucket: settings.bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    },
  };
}

let configured: Promise<ArchiveStore> | undefined;
/** The store chosen by the settings: S3 when FORTRESS_ARCHIVE_S3_BUCKET is set, a local folder otherwise. */
export function archiveStore(): Promise<ArchiveStore> {
  configured ??= (async () => {
    const e = env();
    if (e.FORTRESS_ARCHIVE_S3_BUCKET) {
      return s3Store({
        bucket: e.FORTRESS_ARCHIVE_S3_BUCKET,
        region: e.FORTRESS_ARCHIVE_S3_REGION,
        endpoint: e.FORTRESS_ARCHIVE_S3_ENDPOINT,
        accessKeyId: e.FORTRESS_ARCHIVE_S3_ACCESS_KEY_ID,
        secretAccessKey: e.FORTRESS_ARCHIVE_S3_SECRET_ACCESS_KEY,
      });
    }
    // An in-memory database (tests) has no data folder on disk: keep the archive in a temp folder.
    const dir = e.FORTRESS_DATA_DIR.startsWith("memory://") ? path.join(os.tmpdir(), `fortress-pat-archive-${process.pid}`) : path.join(e.FORTRESS_DATA_DIR, "pat-archive");
    return localStore(dir);
  })();
  return configured;
}

/** Tests switch stores; production never calls this. */
export function setArchiveStoreForTests(store: ArchiveStore | undefined): void {
  configured = store ? Promise.resolve(store) : undefined;
}

export function objectKey(orgId: string, requestId: string, at: Date): string {
  const prefix = env().FORTRESS_ARCHIVE_S3_BUCKET ? env().FORTRESS_ARCHIVE_S3_PREFIX : "";
  const y = at.getUTCFullYear();
  const m = String(at.getUTCMonth() + 1).padStart(2, "0");
  return `${prefix}${orgId}/${y}/${m}/${requestId}.sealed`;
}

/** What an archive object holds (before sealing): exact bytes, base64, plus the facts around them. */
export interface ArchiveRecord {
  v: 1;
  request_id: string;
  org_id: string;
  at: string;
  request: { method: string; path: string; headers: Record<string, string>; body_b64: string };
  response: { status: number; headers: Record<string, string>; body_b64: string; truncated: boolean };
}

/** One exchange as archived: the forwarded request (headers as sent upstream) and the answer relayed. */
export function exchangeRecord(x: {
  requestId: string;
  orgId: string;
  at: Date;
  request: { method: string; path: string; headers: string[]; body: Uint8Array | null };
  response: { status: number; headers: Headers; body: Buffer[]; truncated: boolean };
}): ArchiveRecord {
  const requestHeaders: Record<string, string> = {};
  for (let i = 0; i < x.request.headers.length; i += 2) requestHeaders[x.request.headers[i]] = x.request.headers[i + 1];
  return {
    v: 1,
    request_id: x.requestId,
    org_id: x.orgId,
    at: x.at.toISOString(),
    request: { method: x.request.method, path: x.request.path, headers: requestHeaders, body_b64: Buffer.from(x.request.body ?? new Uint8Array()).toString("base64") },
    response: { status: x.response.status, headers: Object.fromEntries(x.response.headers), body_b64: Buffer.concat(x.response.body).toString("base64"), truncated: x.response.truncated },
  };
}

export type SealFn = typeof vault.sealObject;
export type OpenFn = typeof vault.openObject;

export const sha256Hex = (b: Buffer) => createHash("sha256").update(b).digest("hex");

// An archived object keeps its service key version from retiring until the object's row is purged.
vault.registerKeyVersionHolder("pat-archive", async (db, version) => {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(patRequests)
    .where(and(eq(patRequests.archiveKeyVersion, version), sql`${patRequests.archiveStatus} <> 'none'`));
  return Number(row?.n ?? 0);
});

async function stored(db: DbOrTx, orgId: string, requestId: string, key: string, sha: string, bytes: number, actorMeta: { requestId: string; clientIp: string | null }, keyVersion: number | null) {
  await (db as Tx).transaction(async (tx) => {
    await recordAuditEvent(tx, {
      orgId,
      product: "pat",
      actor: SYSTEM_ACTOR,
      action: "pat.archive.stored",
      resourceType: "pat_request",
      resourceId: requestId,
      decision: "info",
      meta: actorMeta,
      metadata: { object_key: key, sha256: sha, bytes },
    });
    await tx
      .update(patRequests)
      .set({ archiveStatus: "stored", archiveKey: key, archiveSha256: sha, archiveError: null, ...(keyVersion === null ? {} : { archiveKeyVersion: keyVersion }) })
      .where(and(eq(patRequests.orgId, orgId), eq(patRequests.id, requestId)));
  });
}

export type ArchiveResult =
  | { status: "none" }
  | { status: "unsealed" }
  | { status: "stored"; key: string; sha256: string; keyVersion: number }
  | { status: "failed"; key: string; sha256: string; keyVersion: number; blob: Buffer };

/**
 * Seals and writes one archive object. Never throws: the caller records the result (hash into the
 * audit chain, or a retry job for a failed write) in the request's completion transaction.
 */
export async function archiveExchange(record: ArchiveRecord, seal: SealFn): Promise<ArchiveResult> {
  const key = objectKey(record.org_id, record.request_id, new Date(record.at));
  let blob: Buffer;
  try {
    blob = await seal({ orgId: record.org_id, purpose: "archive", objectId: record.request_id, plaintext: Buffer.from(JSON.stringify(record)) });
  } catch (err) {
    logger().error({ err, requestId: record.request_id }, "pat archive: could not seal");
    return { status: "unsealed" };
  }
  const sha256 = sha256Hex(blob);
  const keyVersion = vault.sealedKeyVersion(blob);
  try {
    await (await archiveStore()).put(key, blob);
    return { status: "stored", key, sha256, keyVersion };
  } catch (err) {
    logger().warn({ err, requestId: record.request_id }, "pat archive: write failed, queued for retry");
    return { status: "failed", key, sha256, keyVersion, blob };
  }
}

/** The sealed blob is already encrypted: safe to park in the outbox until the store is back. */
export async function queueArchiveRetry(tx: DbOrTx, orgId: string, requestId: string, r: { key: string; sha256: string; blob: Buffer }): Promise<void> {
  await enqueueEvent(tx, {
    orgId,
    type: "archive.retry",
    dedupeKey: `archive.retry:${requestId}`,
    payload: { request_id: requestId, object_key: r.key, sha256: r.sha256, blob_b64: r.blob.toString("base64") },
  });
}

const RETRY_BACKOFF_S = [10, 30, 120, 600, 1800, 3600];

/** Works through queued archive writes (safe on several instances: FOR UPDATE SKIP LOCKED). */
export async function processArchiveRetries(limit = 20): Promise<{ stored: number; failed: number }> {
  const db = await getDb();
  const store = await archiveStore();
  let ok = 0;
  let failed = 0;
  for (let i = 0; i < limit; i++) {
    const done = await db.transaction(async (tx) => {
      const [job] = await tx
        .select()
        .from(outboxEvents)
        .where(and(eq(outboxEvents.type, "archive.retry"), eq(outboxEvents.status, "pending"), sql`${outboxEvents.availableAt} <= now()`))
        .orderBy(outboxEvents.availableAt)
        .limit(1)
        .for("update", { skipLocked: true });
      if (!job) return false;
      const p = job.payload as { request_id: string; object_key: string; sha256: string; blob_b64: string };
      try {
        const blob = Buffer.from(p.blob_b64, "base64");
        await store.put(p.object_key, blob);
        await stored(tx, job.orgId, p.request_id, p.object_key, p.sha256, blob.length, { requestId: p.request_id, clientIp: null }, vault.sealedKeyVersion(blob));
        await tx.update(outboxEvents).set({ status: "done", processedAt: new Date(), payload: { request_id: p.request_id } }).where(eq(outboxEvents.id, job.id));
        ok++;
      } catch (err) {
        const attempts = job.attempts + 1;
        const dead = attempts >= RETRY_BACKOFF_S.length;
        await tx
          .update(outboxEvents)
          .set({
            attempts,
            status: dead ? "dead" : "pending",
            lastError: String((err as Error)?.message ?? err).slice(0, 500),
            availableAt: new Date(Date.now() + RETRY_BACKOFF_S[Math.min(attempts, RETRY_BACKOFF_S.length - 1)] * 1000),
          })
          .where(eq(outboxEvents.id, job.id));
        failed++;
      }
      return true;
    });
    if (!done) break;
  }
  return { stored: ok, failed };
}

/** Reads, verifies and decrypts one archived exchange. A changed object is an error, never data. */
export async function readArchive(
  row: { orgId: string; id: string; archiveKey: string | null; archiveSha256: string | null; archiveStatus: string },
  open: OpenFn,
): Promise<ArchiveRecord> {
  if (row.archiveStatus !== "stored" || !row.archiveKey || !row.archiveSha256) {
    throw new FortressError("not_found", row.archiveStatus === "failed" ? "Archive object not written yet (write failed, retry pending)" : "No archive object for this request");
  }
  const blob = await (await archiveStore()).get(row.archiveKey).catch((err) => {
    throw new FortressError("unavailable", "Archive storage unavailable", { cause: err });
  });
  if (sha256Hex(blob) !== row.archiveSha256) {
    throw new FortressError("conflict", "Archive object does not match the hash recorded in the audit chain: it was modified");
  }
  try {
    return await open({ orgId: row.orgId, purpose: "archive", objectId: row.id, blob }, (plain) => JSON.parse(plain.toString("utf8")) as ArchiveRecord);
  } catch (err) {
    // The vault says "unavailable" for every refusal; its details tell a tampered blob from an outage.
    const failure = (err as FortressError)?.details as { failure?: string } | undefined;
    if (err instanceof FortressError && err.code === "unavailable" && failure?.failure !== "integrity") throw err;
    throw new FortressError("conflict", "Archive object failed its integrity check: it was modified", { cause: err });
  }
}
