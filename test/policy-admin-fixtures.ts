// Fixtures for the policy admin tests: connectors, actions and PAT keys inserted directly (their
// own admin surfaces belong to other modules), members, and Change Log reads.
import { and, asc, eq } from "drizzle-orm";
import { expect } from "vitest";
import { changeLog, connectorActions, connectors, patKeys } from "@/db/schema";
import { POST as acceptRoute } from "@/app/api/v1/invitations/accept/route";
import { POST as inviteRoute } from "@/app/api/v1/users/route";
import { getDb } from "@/lib/db";
import { call, PASSWORD, tokenFor, uniqueEmail } from "./helpers";

export async function seedConnector(
  orgId: string,
  opts: { slug?: string; name?: string; enabled?: boolean; status?: "ACTIVE" | "KILLED"; actions?: { name: string; description?: string; destructive?: boolean }[] } = {},
) {
  const db = await getDb();
  const slug = opts.slug ?? "zendesk";
  const [c] = await db
    .insert(connectors)
    .values({ orgId, type: slug, slug, name: opts.name ?? slug[0].toUpperCase() + slug.slice(1), status: opts.status ?? "ACTIVE", enabled: opts.enabled ?? true })
    .returning();
  const actions = opts.actions ?? [
    { name: "list_tickets", description: "View tickets and their metadata" },
    { name: "create_ticket", description: "Create new support tickets" },
    { name: "update_ticket", description: "Edit existing ticket fields" },
    { name: "delete_ticket", description: "Permanently remove tickets", destructive: true },
  ];
  await db.insert(connectorActions).values(
    actions.map((a) => ({ orgId, connectorId: c.id, name: a.name, description: a.description ?? "", destructive: a.destructive ?? false })),
  );
  return c;
}

export async function seedPatKey(orgId: string, label = "prod-support") {
  const db = await getDb();
  const [k] = await db.insert(patKeys).values({ orgId, label }).returning();
  return k;
}

export async function addMember(owner: { token: string; org: { id: string } }, role: string) {
  const email = uniqueEmail(role);
  const inv = await call(inviteRoute, { token: owner.token, body: { email, console_role: role } });
  expect(inv.status).toBe(201);
  const token = inv.json.invite_url.split("/invite/")[1];
  const acc = await call(acceptRoute, { body: { token, password: PASSWORD } });
  expect(acc.status).toBe(201);
  return { id: acc.json.user.id as string, email, token: await tokenFor(acc.json.user.id, owner.org.id, email) };
}

export async function changes(orgId: string, entityType?: string) {
  const db = await getDb();
  const where = [eq(changeLog.orgId, orgId)];
  if (entityType) where.push(eq(changeLog.entityType, entityType));
  return db.select().from(changeLog).where(and(...where)).orderBy(asc(changeLog.seq));
}
