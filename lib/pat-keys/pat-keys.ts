// PAT keys (spec 000 "Adding a Claude PAT"): an org's Anthropic API key in the vault plus its
// governance (model allowlist, max tokens, monthly cap, alert threshold). Create, list, update,
// rotate, revoke. The Anthropic key goes into the vault and is never returned or logged; every
// change writes a Change Log entry (before/after without the key) in the same transaction.
//
// Rotation keeps the key's identity (its id, which policy roles grant and spend accrues to) and
// swaps in the new Anthropic key. The previous Anthropic key moves to a ROTATED history row that
// stays a fallback for 48 hours (used only if Anthropic refuses the new key) and is then revoked
// (its secret crypto-shredded) by sweepRotatedPatKeys.
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { z } from "zod";
import { patKeys } from "@/db/schema";
import { recordAuditEvent, recordChange } from "../audit/record";
import { SYSTEM_ACTOR } from "../context";
import type { Database, DbOrTx, Tx } from "../db";
import { FortressError, notFound } from "../errors";
import { MODEL_ID } from "../gateway/pat/models";
import { spendFor, utcMonth } from "../gateway/pat/spend";
import type { AdminContext } from "../identity/admin-auth";
import { logger } from "../log";
import { invalidatePolicy } from "../policy";
import * as vault from "../vault";

export const ROTATION_OVERLAP_MS = 48 * 60 * 60 * 1000;

/**
 * After a committed change: the org's policy snapshot and cached PAT keys, on this instance at once
 * and on the others through the policy bus.
 */
async function changed(orgId: string): Promise<void> {
  await invalidatePolicy(orgId).catch((err) => logger().warn({ err, orgId }, "pat keys: policy invalidation failed"));
}

const ZModels = z.array(z.string().trim().regex(MODEL_ID, "must be a model id such as claude-sonnet-4-5-20250929")).max(100);
const ZAnthropicKey = z
  .string()
  .trim()
  .min(8, "is too short")
  .max(512)
  .regex(/^\S+$/, "must not contain spaces");
const ZCapUsd = z.number().min(0).max(10_000_000).nullable();

export const ZCreatePatKey = z.object({
  label: z.string().trim().min(1, "is required").max(100),
  anthropic_key: ZAnthropicKey,
  models: ZModels.default([]),
  max_tokens: z.number().int().min(1).max(1_000_000).nullable().default(null),
  monthly_cap_usd: ZCapUsd.default(null),
  alert_threshold_pct: z.number().int().min(1).max(100).default(80),
  enabled: z.boolean().default(true),
});
export type CreatePatKeyInput = z.infer<typeof ZCreatePatKey>;

export const ZUpdatePatKey = z
  .object({
    label: z.string().trim().min(1).max(100),
    models: ZModels,
    max_tokens: z.number().int().min(1).max(1_000_000).nullable(),
    monthly_cap_usd: ZCapUsd,
    alert_threshold_pct: z.number().int().min(1).max(100),
    enabled: z.boolean(),
  })
  .partial()
  .strict();
export type UpdatePatKeyInput = z.infer<typeof ZUpdatePatKey>;

export const ZRotatePatKey = z.object({ anthropic_key: ZAnthropicKey });

type Row = typeof patKeys.$inferSelect;

export interface PatKeyView {
  id: string;
  label: string;
  status: Row["status"];
  enabled: boolean;
  models: string[];
  max_tokens: number | null;
  monthly_cap_usd: number | null;
  alert_threshold_pct: number;
  last_four: string | null;
  replaces_id: string | null;
  overlap_until: string | null;
  revoked_at: string | null;
  created_at: string;
  updated_at: string;
}

export const usdToMicros = (usd: number | null) => (usd === null ? null : Math.round(usd * 1_000_000));
export const microsToUsd = (m: number | null) => (m === null ? null : m / 1_000_000);

export function view(r: Row): PatKeyView {
  return {
    id: r.id,
    label: r.label,
    status: r.status,
    enabled: r.enabled,
    models: r.models,
    max_tokens: r.maxTokens,
    monthly_cap_usd: microsToUsd(r.monthlyCapMicros),
    alert_threshold_pct: r.alertThresholdPct,
    last_four: r.lastFour,
    replaces_id: r.replacesId,
    overlap_until: r.overlapUntil?.toISOString() ?? null,
    revoked_at: r.revokedAt?.toISOString() ?? null,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

/** What the Change Log records: the governance, never the key (only its last four characters). */
const changeShape = (v: PatKeyView) => {
  const { created_at: _c, updated_at: _u, ...rest } = v;
  return rest;
};

async function storeAnthropicKey(tx: Tx, ctx: AdminContext, label: string, key: string) {
  const plaintext = Buffer.from(key, "utf8");
  try {
    return await vault.storeSecret(tx, { orgId: ctx.orgId, purpose: "pat", type: "anthropic_key", label, plaintext, actor: ctx.actor, meta: ctx.meta });
  } finally {
    plaintext.fill(0);
  }
}

const lastFourOf = (key: string) => (key.length >= 12 ? key.slice(-4) : null);

async function loadForUpdate(tx: Tx, orgId: string, id: string): Promise<Row> {
  if (!z.uuid().safeParse(id).success) throw notFound("PAT key");
  const [row] = await tx.select().from(patKeys).where(and(eq(patKeys.id, id), eq(patKeys.orgId, orgId))).for("update");
  if (!row) throw notFound("PAT key");
  return row;
}

async function audit(tx: Tx, ctx: AdminContext, action: string, row: Row, metadata: Record<string, unknown> = {}) {
  await recordAuditEvent(tx, {
    orgId: ctx.orgId,
    product: "admin_api",
    actor: ctx.actor,
    action,
    resourceType: "pat_key",
    resourceId: row.id,
    decision: "info",
    meta: ctx.meta,
    metadata: { label: row.label, ...metadata },
  });
}

export async function createPatKey(ctx: AdminContext, input: CreatePatKeyInput): Promise<PatKeyView> {
  const v = await ctx.db.transaction(async (tx) => {
    const secret = await storeAnthropicKey(tx, ctx, input.label, input.anthropic_key);
    const [row] = await tx
      .insert(patKeys)
      .values({
        orgId: ctx.orgId,
        label: input.label,
        enabled: input.enabled,
        secretId: secret.id,
        models: input.models,
        maxTokens: input.max_tokens,
        monthlyCapMicros: usdToMicros(input.monthly_cap_usd),
        alertThresholdPct: input.alert_threshold_pct,
        lastFour: secret.lastFour ?? lastFourOf(input.anthropic_key),
      })
      .returning();
    const out = view(row);
    await recordChange(tx, { orgId: ctx.orgId, actor: ctx.actor, action: "create", entityType: "pat_key", entityId: row.id, entityLabel: row.label, after: changeShape(out), meta: ctx.meta });
    await audit(tx, ctx, "pat_key.created", row);
    return out;
  });
  await changed(ctx.orgId);
  return v;
}

export async function getPatKey(db: Database, orgId: string, id: string): Promise<Row> {
  if (!z.uuid().safeParse(id).success) throw notFound("PAT key");
  const [row] = await db.select().from(patKeys).where(and(eq(patKeys.id, id), eq(patKeys.orgId, orgId)));
  if (!row) throw notFound("PAT key");
  return row;
}

export async function listPatKeys(ctx: AdminContext, opts: { includeRevoked?: boolean } = {}): Promise<PatKeyView[]> {
  await sweepRotatedPatKeys(ctx.db, new Date()).catch((err) => logger().warn({ err }, "pat keys: sweep failed"));
  const where = opts.includeRevoked ? eq(patKeys.orgId, ctx.orgId) : and(eq(patKeys.orgId, ctx.orgId), inArray(patKeys.status, ["ACTIVE", "ROTATED"]));
  const rows = await ctx.db.select().from(patKeys).where(where).orderBy(patKeys.createdAt, patKeys.id);
  return rows.map(view);
}

export async function updatePatKey(ctx: AdminContext, id: string, input: UpdatePatKeyInput): Promise<PatKeyView> {
  const out = await ctx.db.transaction(async (tx) => {
    const before = await loadForUpdate(tx, ctx.orgId, id);
    if (before.status !== "ACTIVE") throw new FortressError("conflict", `A ${before.status} PAT key cannot be changed`);
    const set: Partial<typeof patKeys.$inferInsert> = { updatedAt: new Date() };
    if (input.label !== undefined) set.label = input.label;
    if (input.models !== undefined) set.models = input.models;
    if (input.max_tokens !== undefined) set.maxTokens = input.max_tokens;
    if (input.monthly_cap_usd !== undefined) set.monthlyCapMicros = usdToMicros(input.monthly_cap_usd);
    if (input.alert_threshold_pct !== undefined) set.alertThresholdPct = input.alert_threshold_pct;
    if (input.enabled !== undefined) set.enabled = input.enabled;
    const [row] = await tx.update(patKeys).set(set).where(and(eq(patKeys.id, id), eq(patKeys.orgId, ctx.orgId))).returning();
    const v = view(row);
    await recordChange(tx, { orgId: ctx.orgId, actor: ctx.actor, action: "update", entityType: "pat_key", entityId: id, entityLabel: row.label, before: changeShape(view(before)), after: changeShape(v), meta: ctx.meta });
    await audit(tx, ctx, "pat_key.updated", row, { fields: Object.keys(input) });
    return v;
  });
  await changed(ctx.orgId);
  return out;
}

async function revokeRow(tx: Tx, orgId: string, row: Row, actor: AdminContext["actor"], meta: AdminContext["meta"] | undefined, reason: string): Promise<Row> {
  const [after] = await tx
    .update(patKeys)
    .set({ status: "REVOKED", revokedAt: new Date(), updatedAt: new Date(), overlapUntil: row.status === "ROTATED" ? row.overlapUntil : null })
    .where(and(eq(patKeys.id, row.id), eq(patKeys.orgId, orgId)))
    .returning();
  if (row.secretId) await vault.destroySecret(tx, { orgId, secretId: row.secretId }, { actor, meta });
  await recordChange(tx, { orgId, actor, action: "revoke", entityType: "pat_key", entityId: row.id, entityLabel: row.label, before: changeShape(view(row)), after: { ...changeShape(view(after)), reason }, meta });
  return after;
}

/** DELETE = revoke: the key stops serving at once (every instance within 0.5 s), its secret is shredded. */
export async function revokePatKey(ctx: AdminContext, id: string): Promise<PatKeyView> {
  const out = await ctx.db.transaction(async (tx) => {
    const row = await loadForUpdate(tx, ctx.orgId, id);
    if (row.status === "REVOKED") return view(row);
    const after = await revokeRow(tx, ctx.orgId, row, ctx.actor, ctx.meta, "revoked by an administrator");
    // Its rotation fallback goes with it.
    if (row.replacesId) {
      const [old] = await tx.select().from(patKeys).where(and(eq(patKeys.id, row.replacesId), eq(patKeys.orgId, ctx.orgId), eq(patKeys.status, "ROTATED"))).for("update");
      if (old) await revokeRow(tx, ctx.orgId, old, ctx.actor, ctx.meta, "its successor was revoked");
    }
    await audit(tx, ctx, "pat_key.revoked", after);
    return view(after);
  });
  await changed(ctx.orgId);
  return out;
}

/** Swaps in a new Anthropic key; the previous one stays a fallback for 48 hours. */
export async function rotatePatKey(ctx: AdminContext, id: string, anthropicKey: string, now = new Date()): Promise<{ key: PatKeyView; rotated: PatKeyView }> {
  const out = await ctx.db.transaction(async (tx) => {
    const row = await loadForUpdate(tx, ctx.orgId, id);
    if (row.status !== "ACTIVE") throw new FortressError("conflict", `A ${row.status} PAT key cannot be rotated`);
    // Only one fallback at a time: an earlier one still in its window is revoked now.
    if (row.replacesId) {
      const [older] = await tx.select().from(patKeys).where(and(eq(patKeys.id, row.replacesId), eq(patKeys.orgId, ctx.orgId), eq(patKeys.status, "ROTATED"))).for("update");
      if (older) await revokeRow(tx, ctx.orgId, older, ctx.actor, ctx.meta, "superseded by a newer rotation");
    }
    const [history] = await tx
      .insert(patKeys)
      .values({
        orgId: ctx.orgId,
        label: `${row.label} (rotated ${now.toISOString().slice(0, 16).replace("T", " ")} UTC)`,
        status: "ROTATED",
        enabled: row.enabled,
        secretId: row.secretId,
        models: row.models,
        maxTokens: row.maxTokens,
        monthlyCapMicros: row.monthlyCapMicros,
        alertThresholdPct: row.alertThresholdPct,
        overlapUntil: new Date(now.getTime() + ROTATION_OVERLAP_MS),
        lastFour: row.lastFour,
        createdAt: row.createdAt,
      })
      .returning();
    const secret = await storeAnthropicKey(tx, ctx, row.label, anthropicKey);
    const [after] = await tx
      .update(patKeys)
      .set({ secretId: secret.id, lastFour: secret.lastFour ?? lastFourOf(anthropicKey), replacesId: history.id, updatedAt: now })
      .where(and(eq(patKeys.id, id), eq(patKeys.orgId, ctx.orgId)))
      .returning();
    await recordChange(tx, { orgId: ctx.orgId, actor: ctx.actor, action: "rotate", entityType: "pat_key", entityId: id, entityLabel: row.label, before: changeShape(view(row)), after: changeShape(view(after)), meta: ctx.meta });
    await recordChange(tx, { orgId: ctx.orgId, actor: ctx.actor, action: "create", entityType: "pat_key", entityId: history.id, entityLabel: history.label, after: changeShape(view(history)), meta: ctx.meta });
    await audit(tx, ctx, "pat_key.rotated", after, { fallback_until: history.overlapUntil?.toISOString() });
    return { key: view(after), rotated: view(history) };
  });
  await changed(ctx.orgId);
  return out;
}

/** Revokes ROTATED keys whose 48-hour window has ended (any instance may run it; idempotent). */
export async function sweepRotatedPatKeys(db: DbOrTx, now: Date): Promise<number> {
  const due = await db
    .select({ id: patKeys.id, orgId: patKeys.orgId })
    .from(patKeys)
    .where(and(eq(patKeys.status, "ROTATED"), lte(patKeys.overlapUntil, now)))
    .limit(100);
  let n = 0;
  for (const d of due) {
    await (db as Tx).transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(patKeys)
        .where(and(eq(patKeys.id, d.id), eq(patKeys.status, "ROTATED"), sql`${patKeys.overlapUntil} <= ${now.toISOString()}::timestamptz`))
        .for("update", { skipLocked: true });
      if (!row) return;
      await revokeRow(tx, d.orgId, row, SYSTEM_ACTOR, undefined, "48-hour rotation overlap ended");
      n++;
    });
    await changed(d.orgId);
  }
  return n;
}

export async function currentSpend(db: Database, orgId: string, id: string, now = new Date()) {
  const month = utcMonth(now);
  const s = await spendFor(db, orgId, id, month);
  return { month, settled_micros: s.settledMicros, reserved_micros: s.reservedMicros, requests: s.requests };
}
