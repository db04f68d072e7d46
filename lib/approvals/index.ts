// Approval workflows (four-eyes): an org lists the change kinds that need a second admin's sign-off
// (org_evidence_settings.guarded_changes). A module making such a change calls
//     requireApproval(ctx, kind, payload, apply)
// When the kind is not guarded, `apply(ctx, payload)` runs at once. When it is, nothing changes: a
// pending_changes row is stored (and recorded in the Change Log and the audit trail) until a
// DIFFERENT owner/admin approves it (then `apply` runs, as the approver, in the same transaction that
// marks it applied) or rejects it. The requester can never approve their own change.
// `apply` must be registered under its kind at module load (registerApprovalKind) so an approval
// arriving in another request, or on another instance, finds it: lib/approvals/handlers.ts imports
// every module that declares a guarded kind.
import { and, desc, eq, lt } from "drizzle-orm";
import { z } from "zod";
import { orgEvidenceSettings, pendingChanges } from "@/db/schema";
import { can } from "../accounts/permissions";
import { recordAuditEvent, recordChange } from "../audit/record";
import { announceOrgChange } from "../cache/shared";
import type { Database, DbOrTx } from "../db";
import { FortressError, forbidden, isFortressError, notFound } from "../errors";
import type { AdminContext } from "../identity/admin-auth";

/** Kinds an org may guard. Modules add theirs with registerApprovalKind. */
export const GUARDABLE_KINDS: Record<string, string> = {
  "org.tier": "Change the organisation's tier",
  "api_key.revoke": "Revoke another person's API key",
  "connector.delete": "Delete a connector",
  "pat_key.revoke": "Revoke a PAT key",
  "redaction.disable": "Disable PII redaction",
  "retention.reduce": "Shorten audit retention",
  "webhook.delete": "Delete a webhook endpoint",
  "approvals.unguard": "Remove a change kind from this list (always guarded while the list is not empty)",
};

export type ApplyFn<P, R> = (ctx: AdminContext, payload: P) => Promise<R>;

interface KindEntry {
  apply: ApplyFn<any, any>;
  schema?: z.ZodType;
}
const g = globalThis as typeof globalThis & { __fortressApprovalKinds?: Map<string, KindEntry> };
const kinds: Map<string, KindEntry> = (g.__fortressApprovalKinds ??= new Map());

/** Declares how a guarded kind is applied once approved (call at module load). */
export function registerApprovalKind<P, R>(kind: string, apply: ApplyFn<P, R>, options: { label?: string; schema?: z.ZodType<P> } = {}): ApplyFn<P, R> {
  kinds.set(kind, { apply, schema: options.schema });
  if (options.label && !GUARDABLE_KINDS[kind]) GUARDABLE_KINDS[kind] = options.label;
  return apply;
}

export interface ApprovalView {
  id: string;
  kind: string;
  summary: string;
  payload: unknown;
  status: "pending" | "applied" | "rejected" | "failed";
  requested_by: { id: string | null; label: string | null };
  decided_by: { id: string | null; label: string | null } | null;
  requested_at: string;
  decided_at: string | null;
  note: string | null;
}

type Row = typeof pendingChanges.$inferSelect;
export function approvalView(r: Row): ApprovalView {
  return {
    id: r.id,
    kind: r.kind,
    summary: r.summary,
    payload: r.payload,
    status: r.status,
    requested_by: { id: r.requestedBy, label: r.requestedByLabel },
    decided_by: r.decidedAt ? { id: r.decidedBy, label: r.decidedByLabel } : null,
    requested_at: r.createdAt.toISOString(),
    decided_at: r.decidedAt?.toISOString() ?? null,
    note: r.note,
  };
}

export async function guardedKinds(db: DbOrTx, orgId: string): Promise<string[]> {
  const [s] = await db.select({ kinds: orgEvidenceSettings.guardedChanges }).from(orgEvidenceSettings).where(eq(orgEvidenceSettings.orgId, orgId));
  return s?.kinds ?? [];
}

export type ApprovalOutcome<R> = { status: "applied"; result: R } | { status: "pending"; approval: ApprovalView };

/**
 * Runs `apply` now, or — when the org guards `kind` (or `force` says so) — stores it as a pending
 * change for a second admin. `summary` is what approvers read ("Change tier SOHO → BANK").
 */
export async function requireApproval<P extends Record<string, unknown>, R>(
  ctx: AdminContext,
  kind: string,
  payload: P,
  apply: ApplyFn<P, R>,
  options: { summary?: string; force?: boolean } = {},
): Promise<ApprovalOutcome<R>> {
  if (!kinds.has(kind)) kinds.set(kind, { apply });
  const guarded = options.force || (await guardedKinds(ctx.db, ctx.orgId)).includes(kind);
  if (!guarded) return { status: "applied", result: await apply(ctx, payload) };
  const summary = options.summary ?? `${GUARDABLE_KINDS[kind] ?? kind}`;
  const row = await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .insert(pendingChanges)
      .values({ orgId: ctx.orgId, kind, summary, payload, requestedBy: ctx.user.id, requestedByLabel: ctx.user.email })
      .returning();
    await recordChange(tx, {
      orgId: ctx.orgId,
      actor: ctx.actor,
      action: "request_approval",
      entityType: "pending_change",
      entityId: r.id,
      entityLabel: summary,
      after: { kind, payload, status: "pending" },
      meta: ctx.meta,
    });
    await recordAuditEvent(tx, {
      orgId: ctx.orgId,
      product: "admin_api",
      actor: ctx.actor,
      action: "approval.requested",
      resourceType: "pending_change",
      resourceId: r.id,
      decision: "info",
      reason: summary,
      meta: ctx.meta,
      metadata: { kind },
    });
    return r;
  });
  return { status: "pending", approval: approvalView(row) };
}

export const ZApprovalQuery = z.object({
  status: z.enum(["pending", "applied", "rejected", "failed"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.iso.datetime({ offset: true }).optional(),
});

export async function listApprovals(db: Database, orgId: string, q: z.infer<typeof ZApprovalQuery>) {
  const where = [eq(pendingChanges.orgId, orgId)];
  if (q.status) where.push(eq(pendingChanges.status, q.status));
  if (q.cursor) where.push(lt(pendingChanges.createdAt, new Date(q.cursor)));
  const rows = await db.select().from(pendingChanges).where(and(...where)).orderBy(desc(pendingChanges.createdAt)).limit(q.limit + 1);
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  return { data: page.map(approvalView), next_cursor: more ? page[page.length - 1].createdAt.toISOString() : null };
}

export const ZDecision = z.object({ note: z.string().trim().max(500).optional() });

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** Approve (apply) or reject a pending change, as an owner/admin who is not its requester. */
export async function decideApproval(ctx: AdminContext, id: string, decision: "approve" | "reject", note?: string): Promise<ApprovalView> {
  if (!isUuid(id)) throw notFound("Pending change");
  if (!can(ctx.role, "org:write")) throw forbidden("Only owners and admins approve changes");
  let applying = false;
  try {
    const view = await ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(pendingChanges)
        .where(and(eq(pendingChanges.id, id), eq(pendingChanges.orgId, ctx.orgId)))
        .for("update");
      if (!row) throw notFound("Pending change");
      if (row.status !== "pending") throw new FortressError("conflict", `This change was already ${row.status}`);
      if (row.requestedBy === ctx.user.id) throw forbidden("You cannot approve or reject your own change: another admin must decide");
      let result: unknown = null;
      if (decision === "approve") {
        const entry = kinds.get(row.kind);
        if (!entry) throw new FortressError("unavailable", `No handler for ${row.kind} on this instance`);
        const payload = entry.schema ? entry.schema.parse(row.payload) : row.payload;
        applying = true;
        result = (await entry.apply({ ...ctx, db: tx as unknown as Database }, payload)) ?? null;
      }
      const status = decision === "approve" ? "applied" : "rejected";
      const [updated] = await tx
        .update(pendingChanges)
        .set({ status, decidedBy: ctx.user.id, decidedByLabel: ctx.user.email, decidedAt: new Date(), note: note ?? null, result: toJson(result), updatedAt: new Date() })
        .where(eq(pendingChanges.id, id))
        .returning();
      await recordChange(tx, {
        orgId: ctx.orgId,
        actor: ctx.actor,
        action: decision === "approve" ? "approve" : "reject",
        entityType: "pending_change",
        entityId: id,
        entityLabel: row.summary,
        before: { kind: row.kind, status: "pending", requested_by: row.requestedByLabel },
        after: { kind: row.kind, status, decided_by: ctx.user.email, note: note ?? null },
        meta: ctx.meta,
      });
      await recordAuditEvent(tx, {
        orgId: ctx.orgId,
        product: "admin_api",
        actor: ctx.actor,
        action: decision === "approve" ? "approval.approved" : "approval.rejected",
        resourceType: "pending_change",
        resourceId: id,
        decision: "info",
        reason: row.summary,
        meta: ctx.meta,
        metadata: { kind: row.kind, requested_by: row.requestedByLabel },
      });
      return approvalView(updated);
    });
    // An applied change ran inside our transaction, so its own announcements could not reach other
    // instances before the commit: now every instance drops the org's cached policy and rows.
    if (applying) await announceOrgChange(ctx.orgId);
    return view;
  } catch (err) {
    // The change could not be applied (e.g. the key was already gone): mark it failed, visibly.
    if (applying) {
      const message = isFortressError(err) ? err.message : "The change could not be applied";
      await ctx.db
        .update(pendingChanges)
        .set({ status: "failed", decidedBy: ctx.user.id, decidedByLabel: ctx.user.email, decidedAt: new Date(), note: message, updatedAt: new Date() })
        .where(and(eq(pendingChanges.id, id), eq(pendingChanges.orgId, ctx.orgId), eq(pendingChanges.status, "pending")));
    }
    throw err;
  }
}

const toJson = (v: unknown) => (v === undefined ? null : JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x)) ?? "null"));
