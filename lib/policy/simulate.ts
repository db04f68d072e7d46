// The policy simulator: "could sarah@acme.com call zendesk__delete_ticket from 10.1.2.3 at 22:00?"
// Resolves the subject and the tool like the gateways do, then runs the same engine over the same
// snapshot — without consuming any rate-limit counter — and returns the decision with its trace.
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { connectorActions, connectors, patKeys } from "@/db/schema";
import type { DbOrTx } from "../db";
import { FortressError, notFound } from "../errors";
import { validate } from "../http/body";
import { normaliseIp } from "../http/client-ip";
import type { OrgSummary } from "../identity/admin-auth";
import type { Principal } from "../identity/principal";
import type { RedactionSettings } from "../redaction";
import { decideWithoutCounting } from "./engine-bridge";
import type { PolicyResource, TraceStep } from "./index";
import { getPolicySnapshot } from "./snapshot";
import { findSubject, findUserByEmail, ZSubject, type SubjectView } from "./subjects";

export const ZSimulate = z
  .object({
    /** `{ kind, id }` or a member's email. */
    subject: z.union([ZSubject, z.email()]).optional(),
    email: z.email().optional(),
    /** `<connector slug>__<action>` for MCP, or a PAT key id. */
    tool: z.string().trim().min(1).max(300).optional(),
    pat_key_id: z.uuid().optional(),
    ip: z.string().trim().max(100).nullish(),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((v) => (v.subject === undefined) !== (v.email === undefined), { message: "give subject or email", path: ["subject"] })
  .refine((v) => (v.tool === undefined) !== (v.pat_key_id === undefined), { message: "give tool or pat_key_id", path: ["tool"] });
export type SimulateInput = z.input<typeof ZSimulate>;

export interface SimulationResult {
  decision: {
    effect: "allow" | "deny";
    layer: string;
    rule_id: string | null;
    reason: string;
    retry_after_seconds: number | null;
  };
  trace: TraceStep[];
  subject: SubjectView & { roles: { id: string; name: string }[] };
  resource:
    | { kind: "connector_action"; tool: string; connector_id: string; connector_name: string; action: string; enabled: boolean; destructive: boolean }
    | { kind: "pat_key"; pat_key_id: string; label: string; enabled: boolean };
  ip: string | null;
  at: string;
  redaction: RedactionSettings;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function resolveResource(db: DbOrTx, orgId: string, input: z.infer<typeof ZSimulate>): Promise<{ resource: PolicyResource; view: SimulationResult["resource"] }> {
  const patKeyId = input.pat_key_id ?? (input.tool && UUID.test(input.tool) ? input.tool : undefined);
  if (patKeyId) {
    const [k] = await db.select().from(patKeys).where(and(eq(patKeys.orgId, orgId), eq(patKeys.id, patKeyId)));
    if (!k) throw notFound("PAT key");
    const enabled = k.enabled && k.status !== "REVOKED";
    return {
      resource: { kind: "pat_key", patKeyId: k.id, label: k.label, enabled },
      view: { kind: "pat_key", pat_key_id: k.id, label: k.label, enabled },
    };
  }
  const tool = input.tool!;
  const sep = tool.indexOf("__");
  if (sep <= 0 || sep + 2 >= tool.length) {
    throw new FortressError("invalid_request", 'tool: expected "<connector>__<action>" (e.g. zendesk__delete_ticket) or a PAT key id');
  }
  const slug = tool.slice(0, sep);
  const action = tool.slice(sep + 2);
  const [row] = await db
    .select({ c: connectors, a: connectorActions })
    .from(connectors)
    .innerJoin(connectorActions, and(eq(connectorActions.connectorId, connectors.id), eq(connectorActions.name, action)))
    .where(and(eq(connectors.orgId, orgId), eq(connectors.slug, slug)));
  if (!row) throw notFound(`Tool ${tool}`);
  const enabled = row.c.enabled && row.c.status !== "KILLED";
  return {
    resource: { kind: "connector_action", connectorId: row.c.id, connectorSlug: row.c.slug, action, enabled, destructive: row.a.destructive },
    view: { kind: "connector_action", tool, connector_id: row.c.id, connector_name: row.c.name, action, enabled, destructive: row.a.destructive },
  };
}

export async function simulate(db: DbOrTx, org: OrgSummary, raw: unknown): Promise<SimulationResult> {
  const input = validate(ZSimulate, raw);
  let subject: SubjectView | null;
  const email = typeof input.subject === "string" ? input.subject : input.email;
  if (email) subject = await findUserByEmail(db, org.id, email);
  else subject = await findSubject(db, org.id, input.subject as { kind: "user" | "service_account"; id: string });
  if (!subject) throw notFound(email ? `User ${email}` : "Subject");

  let ip: string | null = null;
  if (input.ip) {
    const parsed = normaliseIp(input.ip);
    if (!parsed) throw new FortressError("invalid_request", "ip: not an IPv4 or IPv6 address");
    ip = parsed.toString();
  }
  const at = input.at ? new Date(input.at) : new Date();
  const { resource, view } = await resolveResource(db, org.id, input);

  const snapshot = await getPolicySnapshot(org.id);
  const principal: Principal = {
    orgId: org.id,
    tier: org.tier,
    products: org.products,
    kind: subject.kind,
    id: subject.id,
    label: subject.label,
    apiKeyId: "simulator",
    consoleRole: null,
  };
  const decision = decideWithoutCounting(snapshot.compiled, principal, { product: resource.kind === "pat_key" ? "pat" : "mcp", resource, clientIp: ip }, at);
  const roleIds = new Set(
    snapshot.source.assignments.filter((a) => a.subjectKind === subject.kind && a.subjectId === subject.id).map((a) => a.roleId),
  );
  return {
    decision: {
      effect: decision.effect,
      layer: decision.layer,
      rule_id: decision.ruleId ?? null,
      reason: decision.reason,
      retry_after_seconds: decision.retryAfterSeconds ?? null,
    },
    trace: decision.trace,
    subject: { ...subject, roles: snapshot.source.roles.filter((r) => roleIds.has(r.id)).map((r) => ({ id: r.id, name: r.name })) },
    resource: view,
    ip,
    at: at.toISOString(),
    redaction: decision.redaction,
  };
}
