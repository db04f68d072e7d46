// The vault: encrypted secrets, the service key versions that protect them, each org's key provider
// configuration, and the progress of rewrap runs. Only `blob`, `wrapped_key` and `sealed_credentials`
// hold secret material, and only as ciphertext (lib/vault/blob.ts).
import { sql } from "drizzle-orm";
import { boolean, check, customType, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { organisations } from "./accounts";
import { ts } from "./columns";

/** Binary column. node-postgres gives Buffers, PGlite Uint8Arrays (or hex text): always a Buffer here. */
export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array | string }>({
  dataType: () => "bytea",
  toDriver: (value) => value,
  fromDriver: (value) => {
    if (typeof value === "string") return Buffer.from(value.startsWith("\\x") ? value.slice(2) : value, "hex");
    return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  },
});

export const SERVICE_KEY_STATES = ["active", "retiring", "retired"] as const;
export type ServiceKeyState = (typeof SERVICE_KEY_STATES)[number];

/**
 * Service key versions. The key itself is random, stored wrapped by the master key; retiring a
 * version erases `wrapped_key`, so a blob still needing it can never be opened again (fail closed).
 */
export const vaultServiceKeys = pgTable(
  "vault_service_keys",
  {
    version: integer("version").primaryKey(),
    state: text("state", { enum: SERVICE_KEY_STATES }).notNull().default("active"),
    wrappedKey: bytea("wrapped_key"),
    createdAt: ts("created_at").notNull().defaultNow(),
    retiredAt: ts("retired_at"),
  },
  (t) => [check("vault_service_keys_state_check", sql`${t.state} IN ('active','retiring','retired')`)],
);

export const KEY_PROVIDER_KINDS = ["local", "aws_kms", "vault_transit", "xks"] as const;

export const vaultSecrets = pgTable(
  "vault_secrets",
  {
    /** Chosen before sealing: it is bound into the blob's AAD. */
    id: uuid("id").primaryKey(),
    orgId: uuid("org_id").notNull().references(() => organisations.id, { onDelete: "cascade" }),
    purpose: text("purpose").notNull(),
    type: text("type").notNull(),
    label: text("label").notNull(),
    lastFour: text("last_four"),
    /** The sealed secret; null once crypto-shredded. */
    blob: bytea("blob"),
    keyProvider: text("key_provider", { enum: KEY_PROVIDER_KINDS }).notNull(),
    keyVersion: integer("key_version").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
    rotatedAt: ts("rotated_at"),
    expiresAt: ts("expires_at"),
    destroyedAt: ts("destroyed_at"),
    /** When the (already shredded) row itself is deleted by the purge job. */
    purgeAfter: ts("purge_after"),
  },
  (t) => [
    index("vault_secrets_org_idx").on(t.orgId),
    index("vault_secrets_key_version_idx").on(t.keyVersion).where(sql`${t.blob} IS NOT NULL`),
    index("vault_secrets_expires_idx").on(t.expiresAt).where(sql`${t.destroyedAt} IS NULL`),
    index("vault_secrets_purge_idx").on(t.purgeAfter).where(sql`${t.purgeAfter} IS NOT NULL`),
  ],
);

/**
 * Each org's customer key provider. `config` holds the non-secret fields only (key ARN, region,
 * address, key name…); access credentials are sealed with the service key into `sealed_credentials`.
 * A configuration counts only once a wrap/unwrap test passed against this exact `config_version`.
 */
export const orgKeySettings = pgTable("org_key_settings", {
  orgId: uuid("org_id")
    .primaryKey()
    .references(() => organisations.id, { onDelete: "cascade" }),
  providerKind: text("provider_kind", { enum: KEY_PROVIDER_KINDS }).notNull(),
  config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
  sealedCredentials: bytea("sealed_credentials"),
  credentialsKeyVersion: integer("credentials_key_version"),
  configVersion: integer("config_version").notNull().default(1),
  testedAt: ts("tested_at"),
  testOk: boolean("test_ok"),
  testedConfigVersion: integer("tested_config_version"),
  /** Failure kind and safe message of the last failed test (never a secret). */
  testFailure: text("test_failure"),
  createdAt: ts("created_at").notNull().defaultNow(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
});

export const REWRAP_STATUSES = ["running", "done"] as const;

/** One pass of the rewrap job towards `target_version`; resumed from `cursor` after a crash. */
export const vaultRewrapRuns = pgTable(
  "vault_rewrap_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    targetVersion: integer("target_version").notNull(),
    status: text("status", { enum: REWRAP_STATUSES }).notNull().default("running"),
    /** Last secret id handled (ids are walked in order). */
    cursor: uuid("cursor"),
    processed: integer("processed").notNull().default(0),
    succeeded: integer("succeeded").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    startedAt: ts("started_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
    finishedAt: ts("finished_at"),
  },
  (t) => [index("vault_rewrap_runs_status_idx").on(t.status, t.targetVersion)],
);
