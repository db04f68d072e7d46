// Every policy change goes through policyChange: one transaction that also bumps the org's policy
// version, then (after commit) a message telling every instance to drop its compiled snapshot.
import { eq, sql } from "drizzle-orm";
import { organisations, policyVersions } from "@/db/schema";
import type { DbOrTx, Tx } from "../db";
import { notFound } from "../errors";
import { publishPolicyChange } from "./bus";

/** Bumps the org's policy version inside the caller's transaction. */
export async function bumpPolicyVersion(tx: DbOrTx, orgId: string): Promise<void> {
  await tx
    .insert(policyVersions)
    .values({ orgId, version: 1 })
    .onConflictDoUpdate({ target: policyVersions.orgId, set: { version: sql`${policyVersions.version} + 1`, updatedAt: new Date() } });
}

/**
 * Runs one policy change: `fn` inside a transaction (savepoint when `db` already is one) that also
 * bumps the version; after it commits, every instance is told to drop the org's snapshot.
 */
export async function policyChange<T>(db: DbOrTx, orgId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const result = await (db as Tx).transaction(async (tx) => {
    const r = await fn(tx);
    await bumpPolicyVersion(tx, orgId);
    return r;
  });
  await publishPolicyChange(orgId);
  return result;
}

/** The org's tier (custom redaction patterns are for BANK and ZERO_TRUST only). */
export async function orgTier(db: DbOrTx, orgId: string) {
  const [org] = await db.select({ tier: organisations.tier }).from(organisations).where(eq(organisations.id, orgId));
  if (!org) throw notFound("Organisation");
  return org.tier;
}
