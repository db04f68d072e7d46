// The Status Board reads real rows: connectors by status with today's calls, PAT keys with spend
// against caps, members, month-to-date spend and projection; nothing from another org.
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { GET as board } from "@/app/api/v1/status-board/route";
import { connectorActions, connectors, patKeys } from "@/db/schema";
import { recordAuditEvents } from "@/lib/audit/record";
import { getDb } from "@/lib/db";
import { statusBoard } from "@/lib/evidence/status-board";
import { call, newOrg } from "./helpers";

// Heavy under a loaded machine (2 cores shared): generous per-test time.
vi.setConfig({ testTimeout: 180_000 });

describe("status board", () => {
  it("counts connectors, calls today, PAT spend and projects the month", async () => {
    const { org, token } = await newOrg("Board");
    const other = await newOrg("Other board");
    const db = await getDb();
    const [zd] = await db.insert(connectors).values({ orgId: org.id, type: "zendesk", slug: "zendesk", name: "Zendesk", status: "ACTIVE" }).returning();
    await db.insert(connectors).values({ orgId: org.id, type: "slack", slug: "slack", name: "Slack", status: "KILLED" });
    await db.insert(connectors).values({ orgId: other.org.id, type: "jira", slug: "jira", name: "Jira", status: "ACTIVE" });
    await db.insert(connectorActions).values([
      { orgId: org.id, connectorId: zd.id, name: "list_tickets" },
      { orgId: org.id, connectorId: zd.id, name: "delete_ticket" },
    ]);
    const [key] = await db.insert(patKeys).values({ orgId: org.id, label: "prod-engineering", monthlyCapMicros: 500_000_000, models: ["claude-sonnet-4-5"] }).returning();
    const actor = { type: "user" as const, id: randomUUID(), label: "sarah.chen@company.com" };
    await recordAuditEvents(db, [
      ...Array.from({ length: 3 }, (_, i) => ({ orgId: org.id, product: "mcp" as const, actor, action: "tools/call", resourceType: "connector", resourceId: zd.id, decision: (i ? "allow" : "deny") as "allow" | "deny" })),
      { orgId: org.id, product: "pat" as const, actor, action: "messages.create", resourceType: "pat_key", resourceId: key.id, decision: "allow" as const, metadata: { costMicros: 89_200_000 } },
    ]);
    const res = await call(board, { token });
    expect(res.status).toBe(200);
    const b = res.json;
    expect(b.connectors).toMatchObject({ total: 2, by_status: { ACTIVE: 1, KILLED: 1 } });
    expect(b.connectors.items.find((c: any) => c.slug === "zendesk")).toMatchObject({ tools: 2, calls_today: 3, denied_today: 1 });
    expect(b.pat_keys).toMatchObject({ active: 1, expiring: 0 });
    expect(b.pat_keys.items[0]).toMatchObject({ label: "prod-engineering", cap_micros: 500_000_000, spend_micros: 89_200_000 });
    expect(b.users.members).toBe(1);
    expect(b.requests_today).toEqual({ mcp: 3, pat: 1, denied: 1 });
    expect(b.spend.mtd_micros).toBe(89_200_000);

    // Projection: mid-month doubles (roughly) what was spent so far.
    const mid = await statusBoard(db, org.id, new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 15, 0, 0, 0)));
    expect(mid.spend.projected_micros).toBeGreaterThanOrEqual(mid.spend.mtd_micros);
    expect((await call(board, { token: other.token })).json.connectors.total).toBe(1);
  });
});
