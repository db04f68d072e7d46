// PII redaction settings: the org's, and optional overrides per role and per connector (partial:
// only the fields given override). Custom regex patterns are a Bank / Zero Trust feature and are
// validated by the redaction engine at save time (catastrophic backtracking refused).
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { connectors, redactionSettings, roles } from "@/db/schema";
import { recordChange } from "../audit/record";
import type { DbOrTx } from "../db";
import { FortressError, notFound } from "../errors";
import { validate } from "../http/body";
import type { RedactionCounts, RedactionSettings } from "../redaction";
import { orgTier, policyChange } from "./change";
import { MAX_PATTERN_LENGTH, redactText, validateCustomPattern } from "./engine-bridge";
import type { ChangeContext } from "./index";

export const DEFAULT_REDACTION: RedactionSettings = { email: true, phone: true, ssn: true, creditCard: true, custom: [] };

export const ZCustomPattern = z.object({
  name: z.string().trim().min(1, "is required").max(50),
  pattern: z.string().min(1, "is required").max(MAX_PATTERN_LENGTH),
});
export const ZRedactionSettings = z.object({
  email: z.boolean(),
  phone: z.boolean(),
  ssn: z.boolean(),
  creditCard: z.boolean(),
  custom: z.array(ZCustomPattern).max(20).default([]),
}).strict(); // a misspelt switch ("credit_card") must not be silently ignored
export const ZRedactionOverride = z.object({
  email: z.boolean().optional(),
  phone: z.boolean().optional(),
  ssn: z.boolean().optional(),
  creditCard: z.boolean().optional(),
  custom: z.array(ZCustomPattern).max(20).optional(),
}).strict();

export type OverrideScope = "role" | "connector";

export interface RedactionView {
  org: RedactionSettings;
  roles: { role_id: string; role_name: string; settings: Partial<RedactionSettings> }[];
  connectors: { connector_id: string; connector_name: string; settings: Partial<RedactionSettings> }[];
  /** Custom regex patterns: Bank and Zero Trust tiers only. */
  custom_patterns_allowed: boolean;
}

export function orgRedaction(stored: Record<string, unknown> | undefined): RedactionSettings {
  return { ...DEFAULT_REDACTION, ...(stored as Partial<RedactionSettings> | undefined) };
}

const tierAllowsCustom = (tier: string) => tier === "BANK" || tier === "ZERO_TRUST";

/** Tier check and engine validation of custom patterns; 403 on SOHO, 400 on a pattern it refuses. */
async function checkCustom(db: DbOrTx, orgId: string, custom: { name: string; pattern: string }[] | undefined): Promise<void> {
  if (!custom || custom.length === 0) return;
  if (!tierAllowsCustom(await orgTier(db, orgId))) {
    throw new FortressError("forbidden", "Custom redaction patterns are available on the Bank and Zero Trust tiers");
  }
  custom.forEach((c, i) => {
    try {
      validateCustomPattern(c.pattern);
    } catch (err) {
      const why = err instanceof Error ? err.message : "is not an accepted pattern";
      throw new FortressError("invalid_request", `custom.${i}.pattern: ${why}`, { details: [{ path: `custom.${i}.pattern`, message: why }] });
    }
  });
}

export async function getRedaction(db: DbOrTx, orgId: string): Promise<RedactionView> {
  const [rows, roleRows, connectorRows, tier] = await Promise.all([
    db.select().from(redactionSettings).where(eq(redactionSettings.orgId, orgId)),
    db.select({ id: roles.id, name: roles.name }).from(roles).where(eq(roles.orgId, orgId)),
    db.select({ id: connectors.id, name: connectors.name }).from(connectors).where(eq(connectors.orgId, orgId)),
    orgTier(db, orgId),
  ]);
  const roleName = new Map(roleRows.map((r) => [r.id, r.name]));
  const connectorName = new Map(connectorRows.map((c) => [c.id, c.name]));
  const org = rows.find((r) => r.scope === "org");
  return {
    org: orgRedaction(org?.settings),
    roles: rows
      .filter((r) => r.scope === "role" && roleName.has(r.scopeId))
      .map((r) => ({ role_id: r.scopeId, role_name: roleName.get(r.scopeId)!, settings: r.settings as Partial<RedactionSettings> })),
    connectors: rows
      .filter((r) => r.scope === "connector" && connectorName.has(r.scopeId))
      .map((r) => ({
        connector_id: r.scopeId,
        connector_name: connectorName.get(r.scopeId)!,
        settings: r.settings as Partial<RedactionSettings>,
      })),
    custom_patterns_allowed: tierAllowsCustom(tier),
  };
}

async function upsert(
  db: DbOrTx,
  orgId: string,
  scope: "org" | OverrideScope,
  scopeId: string,
  settings: Record<string, unknown>,
  label: string,
  before: unknown,
  ctx: ChangeContext,
): Promise<void> {
  await policyChange(db, orgId, async (tx) => {
    await tx
      .insert(redactionSettings)
      .values({ orgId, scope, scopeId, settings })
      .onConflictDoUpdate({
        target: [redactionSettings.orgId, redactionSettings.scope, redactionSettings.scopeId],
        set: { settings, updatedAt: new Date() },
      });
    await recordChange(tx, {
      orgId,
      actor: ctx.actor,
      action: "update",
      entityType: "redaction_settings",
      entityId: scopeId,
      entityLabel: label,
      before,
      after: settings,
      meta: ctx.meta,
    });
  });
}

/** Replaces the org's settings (every field given). */
export async function setOrgRedaction(db: DbOrTx, orgId: string, raw: unknown, ctx: ChangeContext): Promise<RedactionSettings> {
  const settings = validate(ZRedactionSettings, raw);
  await checkCustom(db, orgId, settings.custom);
  const before = (await getRedaction(db, orgId)).org;
  await upsert(db, orgId, "org", orgId, settings, "PII redaction (organisation)", before, ctx);
  return settings;
}

async function scopeLabel(db: DbOrTx, orgId: string, scope: OverrideScope, id: string): Promise<string> {
  if (!z.uuid().safeParse(id).success) throw notFound(scope === "role" ? "Role" : "Connector");
  if (scope === "role") {
    const [r] = await db.select({ name: roles.name }).from(roles).where(and(eq(roles.orgId, orgId), eq(roles.id, id)));
    if (!r) throw notFound("Role");
    return `PII redaction (role ${r.name})`;
  }
  const [c] = await db.select({ name: connectors.name }).from(connectors).where(and(eq(connectors.orgId, orgId), eq(connectors.id, id)));
  if (!c) throw notFound("Connector");
  return `PII redaction (connector ${c.name})`;
}

async function currentOverride(db: DbOrTx, orgId: string, scope: OverrideScope, id: string) {
  const [row] = await db
    .select()
    .from(redactionSettings)
    .where(and(eq(redactionSettings.orgId, orgId), eq(redactionSettings.scope, scope), eq(redactionSettings.scopeId, id)));
  return row?.settings ?? null;
}

/** Sets the override of one role or connector (only the fields given override the org's). */
export async function setRedactionOverride(
  db: DbOrTx,
  orgId: string,
  scope: OverrideScope,
  id: string,
  raw: unknown,
  ctx: ChangeContext,
): Promise<Partial<RedactionSettings>> {
  const label = await scopeLabel(db, orgId, scope, id);
  const settings = validate(ZRedactionOverride, raw);
  await checkCustom(db, orgId, settings.custom);
  const before = await currentOverride(db, orgId, scope, id);
  await upsert(db, orgId, scope, id, settings, label, before, ctx);
  return settings;
}

export async function deleteRedactionOverride(db: DbOrTx, orgId: string, scope: OverrideScope, id: string, ctx: ChangeContext): Promise<void> {
  const label = await scopeLabel(db, orgId, scope, id);
  const before = await currentOverride(db, orgId, scope, id);
  if (!before) throw notFound("Override");
  await policyChange(db, orgId, async (tx) => {
    await tx
      .delete(redactionSettings)
      .where(and(eq(redactionSettings.orgId, orgId), eq(redactionSettings.scope, scope), eq(redactionSettings.scopeId, id)));
    await recordChange(tx, {
      orgId,
      actor: ctx.actor,
      action: "delete",
      entityType: "redaction_settings",
      entityId: id,
      entityLabel: label,
      before,
      meta: ctx.meta,
    });
  });
}

export const ZPreview = z.object({
  text: z.string().max(20_000),
  /** Unsaved settings to try (the console's live preview); the org's saved settings otherwise. */
  settings: ZRedactionSettings.optional(),
});

export async function previewRedaction(db: DbOrTx, orgId: string, raw: unknown): Promise<{ text: string; counts: RedactionCounts }> {
  const input = validate(ZPreview, raw);
  let settings: RedactionSettings;
  if (input.settings) {
    await checkCustom(db, orgId, input.settings.custom);
    settings = input.settings;
  } else {
    settings = (await getRedaction(db, orgId)).org;
  }
  return redactText(input.text, settings);
}
