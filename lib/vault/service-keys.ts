// Service key versions: random 32-byte keys, each stored wrapped by the master key. A version's
// derived keys wrap local data keys and authenticate every blob (its HMAC). Versions rotate every
// FORTRESS_KEY_ROTATION_DAYS; the rewrap job moves every blob forward; a drained version is retired,
// which erases its wrapped key for good, so a blob still needing it fails closed.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { and, count, desc, eq, isNotNull, lt, sql } from "drizzle-orm";
import { orgKeySettings, vaultSecrets, vaultServiceKeys } from "@/db/schema";
import type { Database, DbOrTx } from "../db";
import { getDb } from "../db";
import { env } from "../env";
import { blobMacKey } from "./blob";
import { KeyProviderError } from "./key-provider";
import { masterKey } from "./master-key";

/** Keys derived from one service key version. The raw version key never leaves this module. */
export interface ServiceKeyMaterial {
  version: number;
  /** HMAC key of every blob sealed under this version. */
  macKey: Buffer;
  /** AES-256-GCM key of the local key provider (wraps data keys). */
  wrapKey: Buffer;
}

/**
 * `db`: the caller's transaction when there is one. On PGlite (one connection) a query on the root
 * handle while a transaction is open waits for that transaction: it would wait for itself.
 */
export interface ServiceKeyring {
  currentVersion(db?: DbOrTx): Promise<number>;
  /** Throws KeyProviderError("wrong_key") for an unknown or retired version. */
  material(version: number, db?: DbOrTx): Promise<ServiceKeyMaterial>;
}

const masterAad = (version: number) => Buffer.from(`fortress:service-key:v${version}`, "utf8");

function wrapWithMaster(master: Buffer, version: number, key: Buffer): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", master, iv);
  c.setAAD(masterAad(version));
  return Buffer.concat([iv, c.update(key), c.final(), c.getAuthTag()]);
}

function unwrapWithMaster(master: Buffer, version: number, wrapped: Buffer): Buffer {
  try {
    const d = createDecipheriv("aes-256-gcm", master, wrapped.subarray(0, 12));
    d.setAAD(masterAad(version));
    d.setAuthTag(wrapped.subarray(wrapped.length - 16));
    return Buffer.concat([d.update(wrapped.subarray(12, wrapped.length - 16)), d.final()]);
  } catch (err) {
    throw new KeyProviderError("integrity", "The vault master key does not open the service key (wrong FORTRESS_MASTER_KEY?)", { cause: err });
  }
}

export function deriveMaterial(version: number, serviceKey: Buffer): ServiceKeyMaterial {
  return {
    version,
    macKey: blobMacKey(serviceKey),
    wrapKey: Buffer.from(hkdfSync("sha256", serviceKey, Buffer.alloc(0), "fortress:vault:local-wrap:v1", 32)),
  };
}

/** Creates a service key version (idempotent under races: the version number is the primary key). */
export async function createServiceKeyVersion(db: DbOrTx, version: number): Promise<boolean> {
  const key = randomBytes(32);
  try {
    const rows = await db
      .insert(vaultServiceKeys)
      .values({ version, state: "active", wrappedKey: wrapWithMaster(masterKey(), version, key) })
      .onConflictDoNothing()
      .returning({ version: vaultServiceKeys.version });
    return rows.length > 0;
  } finally {
    key.fill(0);
  }
}

export async function activeVersion(db: DbOrTx): Promise<{ version: number; createdAt: Date } | undefined> {
  const [row] = await db
    .select({ version: vaultServiceKeys.version, createdAt: vaultServiceKeys.createdAt })
    .from(vaultServiceKeys)
    .where(eq(vaultServiceKeys.state, "active"))
    .orderBy(desc(vaultServiceKeys.version))
    .limit(1);
  return row;
}

// How long a cached answer may be believed. A version retired on another instance keeps working here
// for at most MATERIAL_TTL_MS; retirement waits RETIRE_GRACE_MS after rotation so no instance can
// still be sealing new blobs under the old version when it goes.
const CURRENT_TTL_MS = 5_000;
const MATERIAL_TTL_MS = 30_000;
export const RETIRE_GRACE_MS = 4 * (CURRENT_TTL_MS + MATERIAL_TTL_MS);

/** The keyring backed by vault_service_keys, with short-lived caches (they make decrypt-for-use cheap). */
export class DbServiceKeyring implements ServiceKeyring {
  private current?: { version: number; at: number };
  private readonly cache = new Map<number, { m: ServiceKeyMaterial; at: number }>();

  constructor(private readonly db: () => Promise<Database>) {}

  async currentVersion(handle?: DbOrTx): Promise<number> {
    const now = Date.now();
    if (this.current && now - this.current.at < CURRENT_TTL_MS) return this.current.version;
    const db = handle ?? (await this.db());
    let row = await activeVersion(db);
    if (!row) {
      await createServiceKeyVersion(db, 1);
      row = await activeVersion(db);
    }
    if (!row) throw new KeyProviderError("unavailable", "No active service key");
    this.current = { version: row.version, at: now };
    return row.version;
  }

  async material(version: number, handle?: DbOrTx): Promise<ServiceKeyMaterial> {
    const now = Date.now();
    const hit = this.cache.get(version);
    if (hit && now - hit.at < MATERIAL_TTL_MS) return hit.m;
    const db = handle ?? (await this.db());
    const [row] = await db.select().from(vaultServiceKeys).where(eq(vaultServiceKeys.version, version));
    if (!row || row.state === "retired" || !row.wrappedKey) {
      this.forget(version, true);
      throw new KeyProviderError("wrong_key", `Service key version ${version} is ${row ? "retired" : "unknown"}`);
    }
    const raw = unwrapWithMaster(masterKey(), version, row.wrappedKey);
    try {
      const m = deriveMaterial(version, raw);
      this.cache.set(version, { m, at: now });
      return m;
    } finally {
      raw.fill(0);
    }
  }

  // Refreshed material simply replaces the old (a concurrent caller may still hold it); a retired
  // version's keys are zeroed.
  private forget(version: number, zero = false) {
    const old = this.cache.get(version);
    if (old && zero) {
      old.m.macKey.fill(0);
      old.m.wrapKey.fill(0);
    }
    this.cache.delete(version);
  }

  invalidate(): void {
    this.current = undefined;
    for (const v of [...this.cache.keys()]) this.forget(v);
  }
}

const g = globalThis as typeof globalThis & { __fortressKeyring?: DbServiceKeyring };

/** The process-wide keyring. */
export function serviceKeyring(): DbServiceKeyring {
  g.__fortressKeyring ??= new DbServiceKeyring(getDb);
  return g.__fortressKeyring;
}

export interface ServiceKeyStatus {
  currentVersion: number;
  lastRotation: Date;
  nextRotation: Date;
  versions: { version: number; state: string; createdAt: Date; retiredAt: Date | null }[];
}

const DAY_MS = 86_400_000;

export async function serviceKeyStatus(db: DbOrTx): Promise<ServiceKeyStatus> {
  let active = await activeVersion(db);
  if (!active) {
    await createServiceKeyVersion(db, 1);
    active = await activeVersion(db);
  }
  const versions = await db
    .select({
      version: vaultServiceKeys.version,
      state: vaultServiceKeys.state,
      createdAt: vaultServiceKeys.createdAt,
      retiredAt: vaultServiceKeys.retiredAt,
    })
    .from(vaultServiceKeys)
    .orderBy(desc(vaultServiceKeys.version));
  return {
    currentVersion: active!.version,
    lastRotation: active!.createdAt,
    nextRotation: new Date(active!.createdAt.getTime() + env().FORTRESS_KEY_ROTATION_DAYS * DAY_MS),
    versions,
  };
}

/** Starts a new version when the active one is older than the rotation period. Safe on many instances. */
export async function rotateServiceKeyIfDue(db: Database, now = new Date()): Promise<{ rotated: boolean; version: number }> {
  return rotateServiceKey(db, { now, onlyIfDue: true });
}

export async function rotateServiceKey(
  db: Database,
  opts: { now?: Date; onlyIfDue?: boolean } = {},
): Promise<{ rotated: boolean; version: number }> {
  const now = opts.now ?? new Date();
  const result = await db.transaction(async (tx) => {
    // One rotation at a time across instances.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(7355608)`);
    const active = await activeVersion(tx);
    if (!active) {
      await createServiceKeyVersion(tx, 1);
      return { rotated: false, version: 1 };
    }
    const due = now.getTime() - active.createdAt.getTime() >= env().FORTRESS_KEY_ROTATION_DAYS * DAY_MS;
    if (opts.onlyIfDue && !due) return { rotated: false, version: active.version };
    const [{ max }] = await tx.select({ max: sql<number>`max(${vaultServiceKeys.version})` }).from(vaultServiceKeys);
    const next = Number(max) + 1;
    await createServiceKeyVersion(tx, next);
    await tx.update(vaultServiceKeys).set({ state: "retiring" }).where(and(eq(vaultServiceKeys.state, "active"), lt(vaultServiceKeys.version, next)));
    return { rotated: true, version: next };
  });
  serviceKeyring().invalidate();
  return result;
}

/**
 * Retires every non-current version no blob needs any more (after the grace period), erasing its
 * key. Returns the versions retired.
 */
/**
 * Blobs kept outside vault_secrets (the PAT archive) name their service key version too. Their owner
 * registers a counter here so that a version still needed by any of them is not retired: the archive
 * stays readable for its whole retention, and the version retires once the last such object is purged.
 */
export type KeyVersionHolder = (db: Database, version: number) => Promise<number>;
const holders = new Map<string, KeyVersionHolder>();
export function registerKeyVersionHolder(name: string, count: KeyVersionHolder): void {
  holders.set(name, count);
}

export async function retireDrainedVersions(db: Database, now = new Date(), graceMs = RETIRE_GRACE_MS): Promise<number[]> {
  const active = await activeVersion(db);
  if (!active || now.getTime() - active.createdAt.getTime() < graceMs) return [];
  const retiring = await db.select({ version: vaultServiceKeys.version }).from(vaultServiceKeys).where(eq(vaultServiceKeys.state, "retiring"));
  const retired: number[] = [];
  for (const { version } of retiring) {
    const [{ n: secrets }] = await db
      .select({ n: count() })
      .from(vaultSecrets)
      .where(and(eq(vaultSecrets.keyVersion, version), isNotNull(vaultSecrets.blob)));
    const [{ n: configs }] = await db
      .select({ n: count() })
      .from(orgKeySettings)
      .where(and(eq(orgKeySettings.credentialsKeyVersion, version), isNotNull(orgKeySettings.sealedCredentials)));
    let held = Number(secrets) + Number(configs);
    for (const holder of holders.values()) held += await holder(db, version);
    if (held > 0) continue;
    await db
      .update(vaultServiceKeys)
      .set({ state: "retired", wrappedKey: null, retiredAt: now })
      .where(and(eq(vaultServiceKeys.version, version), eq(vaultServiceKeys.state, "retiring")));
    retired.push(version);
  }
  if (retired.length) serviceKeyring().invalidate();
  return retired;
}
