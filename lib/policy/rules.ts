// Conditional rules (layer 3): time window, rate limit, IP allowlist, attribute expression, each
// scoped to the org / a role / one subject and to every resource / a connector (+ action) / a PAT key.
// A condition is validated at save time by the engine's own schema and parser: what the API
// accepts, the engine can evaluate.
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { connectorActions, connectors, patKeys, policyRules, roles } from "@/db/schema";
import { canonicalJson } from "../audit/canonical";
import { recordChange } from "../audit/record";
import type { DbOrTx } from "../db";
import { FortressError, isFortressError, notFound } from "../errors";
import { validate } from "../http/body";
import { describeCondition } from "./describe";
import { parseExpression, ZRuleCondition } from "./engine-bridge";
import { policyChange } from "./change";
import type { ChangeContext } from "./index";
import { findSubject, ZSubject } from "./subjects";
import type { RuleCondition } from "./types";

export const ZRuleInput = z.object({
  name: z.string().trim().min(1, "is required").max(100),
  enabled: z.boolean().default(true),
  scope: z
    .object({ role_id: z.uuid().optional(), subject: ZSubject.optional() })
    .refine((s) => !(s.role_id && s.subject), "give a role or a subject, not both")
    .default({}),
  target: z
    .object({ connector_id: z.uuid().optional(), action: z.string().trim().min(1).max(200).optional(), pat_key_id: z.uuid().optional() })
    .refine((t) => !(t.pat_key_id && (t.connector_id || t.action)), "give a connector (and action) or a PAT key, not both")
    .refine((t) => !t.action || t.connector_id, "an action needs its connector_id")
    .default({}),
  condition: z.unknown(),
});
export type RuleInput = z.input<typeof ZRuleInput>;

export interface RuleView {
  id: string;
  name: string;
  enabled: boolean;
  scope: { role_id?: string; subject?: { kind: "user" | "service_account"; id: string } };
  target: { connector_id?: string; action?: string; pat_key_id?: string };
  condition: RuleCondition;
  /** "Max 10 calls / hour per user" — what the list shows. */
  summary: string;
  created_at: string;
  updated_at: string;
}

type Row = typeof policyRules.$inferSelect;

function view(r: Row): RuleView {
  const scope: RuleView["scope"] = {};
  if (r.scopeRoleId) scope.role_id = r.scopeRoleId;
  if (r.scopeSubjectKind && r.scopeSubjectId) scope.subject = { kind: r.scopeSubjectKind, id: r.scopeSubjectId };
  const target: RuleView["target"] = {};
  if (r.targetConnectorId) target.connector_id = r.targetConnectorId;
  if (r.targetAction) target.action = r.targetAction;
  if (r.targetPatKeyId) target.pat_key_id = r.targetPatKeyId;
  const condition = r.condition as unknown as RuleCondition;
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    scope,
    target,
    condition,
    summary: describeCondition(condition),
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

const invalid = (message: string, details?: unknown) => new FortressError("invalid_request", message, { details });

/** Validates a condition with the engine's schema, then what the schema cannot know (CIDRs, expressions). */
export function validateCondition(raw: unknown): RuleCondition {
  const parsed = ZRuleCondition.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: ["condition", ...i.path].join("."), message: i.message }));
    throw invalid(issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues);
  }
  const c = parsed.data as RuleCondition;
  if (c.type === "attribute") {
    try {
      parseExpression(c.expression);
    } catch (err) {
      const why = isFortressError(err) || err instanceof Error ? err.message : "does not parse";
      throw invalid(`condition.expression: ${why}`, [{ path: "condition.expression", message: why }]);
    }
  }
  return c;
}

type ParsedInput = z.infer<typeof ZRuleInput>;

/** Scope and target must name this org's role / subject / connector / action / PAT key. */
async function checkReferences(db: DbOrTx, orgId: string, input: ParsedInput): Promise<{ scope: string; target: string }> {
  let scope = "everyone";
  let target = "every connector and PAT key";
  if (input.scope.role_id) {
    const [r] = await db.select({ name: roles.name }).from(roles).where(and(eq(roles.orgId, orgId), eq(roles.id, input.scope.role_id)));
    if (!r) throw invalid("scope.role_id: no such role");
    scope = `role ${r.name}`;
  } else if (input.scope.subject) {
    const s = await findSubject(db, orgId, input.scope.subject);
    if (!s) throw invalid("scope.subject: no such user or service account");
    scope = s.label;
  }
  if (input.target.connector_id) {
    const [c] = await db
      .select({ slug: connectors.slug })
      .from(connectors)
      .where(and(eq(connectors.orgId, orgId), eq(connectors.id, input.target.connector_id)));
    if (!c) throw invalid("target.connector_id: no such connector");
    target = c.slug;
    if (input.target.action) {
      const [a] = await db
        .select({ id: connectorActions.id })
        .from(connectorActions)
        .where(
          and(
            eq(connectorActions.orgId, orgId),
            eq(connectorActions.connectorId, input.target.connector_id),
            eq(connectorActions.name, input.target.action),
          ),
        );
      if (!a) throw invalid(`target.action: connector has no action "${input.target.action}"`);
      target = `${c.slug}__${input.target.action}`;
    }
  } else if (input.target.pat_key_id) {
    const [k] = await db.select({ label: patKeys.label }).from(patKeys).where(and(eq(patKeys.orgId, orgId), eq(patKeys.id, input.target.pat_key_id)));
    if (!k) throw invalid("target.pat_key_id: no such PAT key");
    target = `PAT ${k.label}`;
  }
  return { scope, target };
}

function columns(input: ParsedInput, condition: RuleCondition) {
  return {
    name: input.name,
    enabled: input.enabled,
    scopeRoleId: input.scope.role_id ?? null,
    scopeSubjectKind: input.scope.subject?.kind ?? null,
    scopeSubjectId: input.scope.subject?.id ?? null,
    targetConnectorId: input.target.connector_id ?? null,
    targetAction: input.target.action ?? null,
    targetPatKeyId: input.target.pat_key_id ?? null,
    condition: condition as unknown as Record<string, unknown>,
  };
}

const changeShape = (v: RuleView, refs: { scope: string; target: string }) => ({
  name: v.name,
  enabled: v.enabled,
  applies_to: refs.scope,
  on: refs.target,
  condition: v.summary,
});

export async function listRules(db: DbOrTx, orgId: string): Promise<RuleView[]> {
  const rows = await db.select().from(policyRules).where(eq(policyRules.orgId, orgId)).orderBy(asc(policyRules.createdAt), asc(policyRules.id));
  return rows.map(view);
}

async function findRule(db: DbOrTx, orgId: string, id: string): Promise<Row> {
  if (!z.uuid().safeParse(id).success) throw notFound("Rule");
  const [row] = await db.select().from(policyRules).where(and(eq(policyRules.orgId, orgId), eq(policyRules.id, id)));
  if (!row) throw notFound("Rule");
  return row;
}

export async function getRule(db: DbOrTx, orgId: string, id: string): Promise<RuleView> {
  return view(await findRule(db, orgId, id));
}

export async function createRule(db: DbOrTx, orgId: string, raw: unknown, ctx: ChangeContext): Promise<RuleView> {
  const input = validate(ZRuleInput, raw);
  const condition = validateCondition(input.condition);
  const refs = await checkReferences(db, orgId, input);
  return policyChange(db, orgId, async (tx) => {
    const [row] = await tx.insert(policyRules).values({ orgId, ...columns(input, condition) }).returning();
    const v = view(row);
    await recordChange(tx, {
      orgId,
      actor: ctx.actor,
      action: "create",
      entityType: "policy_rule",
      entityId: row.id,
      entityLabel: row.name,
      after: changeShape(v, refs),
      meta: ctx.meta,
    });
    return v;
  });
}

/** Replaces a rule (PUT semantics: the whole rule is given). */
export async function updateRule(db: DbOrTx, orgId: string, id: string, raw: unknown, ctx: ChangeContext): Promise<RuleView> {
  const existing = await findRule(db, orgId, id);
  const input = validate(ZRuleInput, raw);
  const condition = validateCondition(input.condition);
  const refs = await checkReferences(db, orgId, input);
  const before = view(existing);
  const next = columns(input, condition);
  const { name: _n, enabled: _e, condition: _c, ...refCols } = next;
  if (
    next.name === existing.name &&
    next.enabled === existing.enabled &&
    canonicalJson(next.condition) === canonicalJson(existing.condition) &&
    Object.entries(refCols).every(([k, v]) => existing[k as keyof typeof refCols] === v)
  ) {
    return before; // nothing to change, nothing to log
  }
  const beforeRefs = await checkReferences(db, orgId, validate(ZRuleInput, { ...before, condition: before.condition })).catch(() => ({
    scope: "?",
    target: "?",
  }));
  return policyChange(db, orgId, async (tx) => {
    const [row] = await tx
      .update(policyRules)
      .set({ ...columns(input, condition), updatedAt: new Date() })
      .where(and(eq(policyRules.orgId, orgId), eq(policyRules.id, id)))
      .returning();
    if (!row) throw notFound("Rule");
    const v = view(row);
    await recordChange(tx, {
      orgId,
      actor: ctx.actor,
      action: "update",
      entityType: "policy_rule",
      entityId: id,
      entityLabel: row.name,
      before: changeShape(before, beforeRefs),
      after: changeShape(v, refs),
      meta: ctx.meta,
    });
    return v;
  });
}

export async function deleteRule(db: DbOrTx, orgId: string, id: string, ctx: ChangeContext): Promise<void> {
  const existing = await findRule(db, orgId, id);
  const before = view(existing);
  const refs = await checkReferences(db, orgId, validate(ZRuleInput, { ...before, condition: before.condition })).catch(() => ({
    scope: "?",
    target: "?",
  }));
  await policyChange(db, orgId, async (tx) => {
    await tx.delete(policyRules).where(and(eq(policyRules.orgId, orgId), eq(policyRules.id, id)));
    await recordChange(tx, {
      orgId,
      actor: ctx.actor,
      action: "delete",
      entityType: "policy_rule",
      entityId: id,
      entityLabel: existing.name,
      before: changeShape(before, refs),
      meta: ctx.meta,
    });
  });
}
