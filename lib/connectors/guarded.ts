// Guarded change "connector.delete": deleting a connector crypto-shreds its credential, which cannot
// be undone, so an org may require a second admin's approval (Settings → guarded changes). The kill
// switch is never delayed: it is the safety action.
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { connectors } from "@/db/schema";
import { registerApprovalKind, requireApproval, type ApprovalOutcome } from "../approvals";
import { notFound } from "../errors";
import type { AdminContext } from "../identity/admin-auth";
import { assertAllowed } from "./lifecycle";
import { deleteConnector } from "./service";

// Applied by decideApproval inside its transaction.
registerApprovalKind("connector.delete", (ctx, p: { id: string }) => deleteConnector(ctx, p.id, { deferNotify: true }), {
  label: "Delete a connector",
  schema: z.object({ id: z.string() }),
});

export async function deleteConnectorGuarded(ctx: AdminContext, id: string): Promise<ApprovalOutcome<void>> {
  if (!z.uuid().safeParse(id).success) throw notFound("Connector");
  const [c] = await ctx.db.select().from(connectors).where(and(eq(connectors.id, id), eq(connectors.orgId, ctx.orgId)));
  if (!c) throw notFound("Connector");
  assertAllowed(c.status, "delete");
  return requireApproval(ctx, "connector.delete", { id }, (x, p) => deleteConnector(x, p.id), {
    summary: `Delete connector "${c.name}" (${c.slug}); its credential is destroyed`,
  });
}
