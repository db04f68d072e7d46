// Audit events of the vault. They name the secret (id, type, purpose, provider, key version) and,
// on failure, the provider's failure kind and request id: never the secret, never a key.
import { PgTransaction } from "drizzle-orm/pg-core";
import type { Actor, RequestMeta } from "../context";
import { getDb, type DbOrTx } from "../db";
import { recordAuditEvent, type AuditEventInput, type Decision, type Product } from "../audit/record";
import { logger } from "../log";
import { KeyProviderError } from "./key-provider";

export interface VaultAuditInput {
  orgId: string;
  action: string;
  decision: Decision;
  secretId?: string;
  resourceType?: string;
  actor: Actor;
  meta?: Partial<RequestMeta>;
  product?: Product;
  purpose?: string;
  reason?: string;
  latencyMs?: number;
  metadata?: Record<string, unknown>;
}

export function productFor(purpose: string | undefined, explicit?: Product): Product {
  if (explicit) return explicit;
  if (purpose === "pat" || purpose === "archive") return "pat";
  if (purpose === "connector") return "mcp";
  return "admin_api";
}

export function vaultAudit(db: DbOrTx, input: VaultAuditInput) {
  return recordAuditEvent(db, vaultAuditInput(input));
}

export function vaultAuditInput(input: VaultAuditInput): AuditEventInput {
  return {
    orgId: input.orgId,
    product: productFor(input.purpose, input.product),
    actor: input.actor,
    action: input.action,
    resourceType: input.resourceType ?? "secret",
    resourceId: input.secretId,
    decision: input.decision,
    reason: input.reason,
    latencyMs: input.latencyMs,
    meta: input.meta,
    metadata: input.metadata,
  };
}

export function failureMetadata(err: unknown): Record<string, unknown> {
  if (err instanceof KeyProviderError) {
    return { failure: err.failure, ...(err.requestId ? { provider_request_id: err.requestId } : {}) };
  }
  return { failure: "refused" };
}

/**
 * Records a refusal so that it survives the caller's rollback: inside a caller's transaction the
 * event is written by the root handle once that transaction lets go (not awaited: awaiting it from
 * inside the transaction would wait on ourselves). Outside a transaction it is awaited.
 */
export async function auditRefusal(db: DbOrTx, input: VaultAuditInput): Promise<void> {
  if (db instanceof PgTransaction) {
    void getDb()
      .then((root) => vaultAudit(root, input))
      .catch((err) => logger().error({ err, orgId: input.orgId, action: input.action }, "vault: could not audit a refusal"));
    return;
  }
  try {
    await vaultAudit(db, input);
  } catch (err) {
    logger().error({ err, orgId: input.orgId, action: input.action }, "vault: could not audit a refusal");
  }
}
