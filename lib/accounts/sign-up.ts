// Sign-up: a new organisation and its first owner, in one transaction with its audit trail.
import { eq } from "drizzle-orm";
import type { z } from "zod";
import { memberships, organisations, users } from "@/db/schema";
import { recordAuditEvent, recordChange } from "../audit/record";
import type { RequestMeta } from "../context";
import { randomBase62 } from "../crypto/tokens";
import type { Database, Tx } from "../db";
import { env } from "../env";
import { FortressError } from "../errors";
import { orgSummary, type OrgSummary } from "../identity/admin-auth";
import { hashPassword } from "../identity/passwords";
import type { ZSignUp } from "./schemas";

export function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return base || "org";
}

async function uniqueSlug(tx: Tx, name: string): Promise<string> {
  const base = slugify(name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const slug = attempt === 0 ? base : `${base}-${randomBase62(4).toLowerCase()}`;
    const [taken] = await tx.select({ id: organisations.id }).from(organisations).where(eq(organisations.slug, slug));
    if (!taken) return slug;
  }
  return `${base}-${randomBase62(10).toLowerCase()}`;
}

export async function signUp(
  db: Database,
  input: z.infer<typeof ZSignUp>,
  meta: RequestMeta,
): Promise<{ org: OrgSummary; user: { id: string; email: string } }> {
  if (env().FORTRESS_SIGNUP === "closed") {
    throw new FortressError("forbidden", "Sign-up is closed on this Fortress; ask an admin for an invitation");
  }
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, input.email));
    if (existing) throw new FortressError("conflict", "An account with this email already exists; sign in instead");
    const [org] = await tx
      .insert(organisations)
      .values({ name: input.org_name, slug: await uniqueSlug(tx, input.org_name) })
      .returning();
    const [user] = await tx.insert(users).values({ email: input.email, passwordHash }).returning();
    await tx.insert(memberships).values({ orgId: org.id, userId: user.id, consoleRole: "owner" });
    const actor = { type: "user" as const, id: user.id, label: user.email };
    await recordChange(tx, {
      orgId: org.id,
      actor,
      action: "create",
      entityType: "organisation",
      entityId: org.id,
      entityLabel: org.name,
      after: { name: org.name, slug: org.slug, tier: org.tier, products: org.products },
      meta,
    });
    await recordChange(tx, {
      orgId: org.id,
      actor,
      action: "create",
      entityType: "member",
      entityId: user.id,
      entityLabel: user.email,
      after: { email: user.email, console_role: "owner" },
      meta,
    });
    await recordAuditEvent(tx, {
      orgId: org.id,
      product: "console",
      actor,
      action: "org.signup",
      resourceType: "organisation",
      resourceId: org.id,
      decision: "info",
      meta,
    });
    return { org: orgSummary(org), user: { id: user.id, email: user.email } };
  });
}
