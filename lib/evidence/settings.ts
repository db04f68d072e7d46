// Per-org evidence settings: audit retention (within the tier's limits), the change kinds that need
// a second admin's approval. Every change is in the Change Log;
// shortening retention and removing a guard go through the approval workflow themselves.
import { eq } from "drizzle-orm";
import { z } from "zod";
import { orgEvidenceSettings, organisations, type Tier } from "@/db/schema";
import { GUARDABLE_KINDS, guardedKinds, registerApprovalKind, requireApproval, type ApprovalOutcome } from "../approvals";
import { recordChange } from "../audit/record";
import type { DbOrTx } from "../db";
import { FortressError } from "../errors";
import type { AdminContext } from "../identity/admin-auth";

/** Spec 002: SOHO 90 days, Bank 1 year, Zero Trust 7 years; each org may choose within limits. */
export const RETENTION: Record<Tier, { default: number; min: number; max: number }> = {
  SOHO: { default: 90, min: 30, max: 365 },
  BANK: { default: 365, min: 365, max: 2555 },
  ZERO_TRUST: { default: 2555, min: 2555, max: 3650 },
};

export interface EvidenceSettings {
  retention_days: number;
  retention_is_default: boolean;
  retention_limits: { default: number; min: number; max: number };
  guarded_changes: string[];
  guardable_changes: { kind: string; label: string }[];
}

export async function getEvidenceSettings(db: DbOrTx, orgId: string): Promise<EvidenceSettings> {
  const [org] = await db.select({ tier: organisations.tier }).from(organisations).where(eq(organisations.id, orgId));
  const [s] = await db.select().from(orgEvidenceSettings).where(eq(orgEvidenceSettings.orgId, orgId));
  const limits = RETENTION[org?.tier ?? "SOHO"];
  return {
    retention_days: s?.retentionDays ?? limits.default,
    retention_is_default: s?.retentionDays == null,
    retention_limits: limits,
    guarded_changes: s?.guardedChanges ?? [],
    guardable_changes: Object.entries(GUARDABLE_KINDS).map(([kind, label]) => ({ kind, label })),
  };
}

export const ZEvidenceSettings = z
  .object({
    retention_days: z.number().int().positive().nullable().optional(),
    guarded_changes: z.array(z.string().max(60)).max(50).optional(),
  })
  .strict();
export type EvidenceSettingsInput = z.infer<typeof ZEvidenceSettings>;

async function write(ctx: AdminContext, input: EvidenceSettingsInput): Promise<EvidenceSettings> {
  return ctx.db.transaction(async (tx) => {
    const before = await getEvidenceSettings(tx, ctx.orgId);
    const [current] = await tx.select().from(orgEvidenceSettings).where(eq(orgEvidenceSettings.orgId, ctx.orgId));
    const values = {
      retentionDays: input.retention_days === undefined ? (current?.retentionDays ?? null) : input.retention_days,
      guardedChanges: input.guarded_changes ?? current?.guardedChanges ?? [],
      updatedAt: new Date(),
    };
    await tx.insert(orgEvidenceSettings).values({ orgId: ctx.orgId, ...values }).onConflictDoUpdate({ target: orgEvidenceSettings.orgId, set: values });
    const after = await getEvidenceSettings(tx, ctx.orgId);
    const shape = (s: EvidenceSettings) => ({ retention_days: s.retention_days, guarded_changes: s.guarded_changes });
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "update",
      entityType: "evidence_settings",
      entityId: ctx.orgId,
      entityLabel: "Audit & approvals",
      before: shape(before),
      after: shape(after),
      meta: ctx.meta,
    });
    return after;
  });
}

const applySettings = registerApprovalKind("evidence.settings", (ctx, payload: EvidenceSettingsInput) => write(ctx, payload));

/** PUT /api/v1/evidence-settings. Shortening retention or removing a guard may need a second admin. */
export async function updateEvidenceSettings(ctx: AdminContext, input: EvidenceSettingsInput): Promise<ApprovalOutcome<EvidenceSettings>> {
  const current = await getEvidenceSettings(ctx.db, ctx.orgId);
  if (input.retention_days != null) {
    const l = current.retention_limits;
    if (input.retention_days < l.min || input.retention_days > l.max) {
      throw new FortressError("invalid_request", `retention_days: must be between ${l.min} and ${l.max} days for the ${ctx.org.tier} tier`);
    }
  }
  if (input.guarded_changes) {
    const unknown = input.guarded_changes.filter((k) => !GUARDABLE_KINDS[k]);
    if (unknown.length) throw new FortressError("invalid_request", `guarded_changes: unknown change kind ${unknown.join(", ")}`);
    input = { ...input, guarded_changes: [...new Set(input.guarded_changes)].sort() };
  }
  const guarded = await guardedKinds(ctx.db, ctx.orgId);
  const removesGuard = input.guarded_changes !== undefined && guarded.some((k) => !input.guarded_changes!.includes(k));
  const newRetention = input.retention_days === undefined ? current.retention_days : (input.retention_days ?? current.retention_limits.default);
  const shortens = newRetention < current.retention_days;
  if (removesGuard) {
    // One admin alone can never switch the four-eyes rule off.
    return requireApproval(ctx, "approvals.unguard", input, applySettings, { force: true, summary: `Remove approval requirement for: ${guarded.filter((k) => !input.guarded_changes!.includes(k)).join(", ")}` });
  }
  if (shortens) {
    return requireApproval(ctx, "retention.reduce", input, applySettings, { summary: `Shorten audit retention ${current.retention_days} → ${newRetention} days` });
  }
  return { status: "applied", result: await write(ctx, input) };
}
