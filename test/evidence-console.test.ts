// Evidence screens render (server-side) with data shaped exactly as the admin API answers, produced
// by the same lib functions the routes call: catches wrong field names and render-time crashes.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import * as React from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: () => {}, refresh: () => {}, replace: () => {} }),
  usePathname: () => "/audit",
}));
vi.mock("next/link", () => ({
  default: ({ href, children, ...rest }: { href: string; children: React.ReactNode }) => React.createElement("a", { href, ...rest }, children),
}));

import { randomUUID } from "node:crypto";
import { IdentityProvider } from "@/components/console/identity";
import type { ConsoleIdentity, ConsoleRole } from "@/components/console/types";
import { AuditScreen } from "@/components/evidence/audit-screen";
import { ChangeLogScreen } from "@/components/evidence/change-log-screen";
import { EvidenceSettingsScreen } from "@/components/evidence/evidence-settings-screen";
import { StatusBoardScreen } from "@/components/evidence/status-board-screen";
import { TrafficFeedScreen } from "@/components/evidence/traffic-feed-screen";
import { WebhooksScreen } from "@/components/evidence/webhooks-screen";
import { connectors, patKeys } from "@/db/schema";
import { listApprovals } from "@/lib/approvals";
import { listAuditEvents, listChanges, ZAuditQuery, ZChangeQuery } from "@/lib/audit/explorer";
import { recordAuditEvents, recordChange } from "@/lib/audit/record";
import { chainStatus } from "@/lib/audit/status";
import { getDb } from "@/lib/db";
import { getEvidenceSettings } from "@/lib/evidence/settings";
import { statusBoard } from "@/lib/evidence/status-board";
import { newOrg } from "./helpers";

vi.setConfig({ testTimeout: 180_000 });

const noFilters = { product: "", decision: "", actor: "", resource: "", from: undefined, to: undefined, q: "" };
const noChangeFilters = { q: "", actor: "", entity_type: "", from: undefined, to: undefined };

async function world() {
  const { org, user, email } = await newOrg("Evidence UI");
  const db = await getDb();
  const actor = { type: "user" as const, id: user.id, label: email };
  await db.insert(connectors).values({ orgId: org.id, type: "zendesk", slug: "zendesk", name: "Zendesk", status: "ACTIVE" });
  await db.insert(patKeys).values({ orgId: org.id, label: "prod-support", monthlyCapMicros: 200_000_000 });
  await recordAuditEvents(db, [
    { orgId: org.id, product: "mcp", actor, action: "tools/call", resourceType: "connector", resourceId: "zendesk", decision: "deny", reason: "Role: Support Agent, action not permitted", metadata: { tool: "zendesk__delete_ticket" } },
    { orgId: org.id, product: "pat", actor, action: "messages.create", decision: "allow", latencyMs: 340, metadata: { costMicros: 19_000 } },
  ]);
  await recordChange(db, { orgId: org.id, actor, action: "update", entityType: "role", entityLabel: "Support Agent", before: { grants: { delete_ticket: "allow" } }, after: { grants: { delete_ticket: "deny" } } });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  const page = <T,>(p: { data: T[]; next_cursor: string | null }) => ({ pages: [p], pageParams: [null] });
  client.setQueryData(["audit", noFilters], page(await listAuditEvents(db, org.id, ZAuditQuery.parse({}))));
  client.setQueryData(["changes", noChangeFilters], page(await listChanges(db, org.id, ZChangeQuery.parse({}))));
  client.setQueryData(["audit-status"], await chainStatus(db, org.id));
  client.setQueryData(["approvals", "pending"], await listApprovals(db, org.id, { limit: 50, status: "pending" }));
  client.setQueryData(["status-board"], await statusBoard(db, org.id));
  client.setQueryData(["webhooks"], { data: [{ id: randomUUID(), url: "https://siem.example.com/hook", description: "SIEM", events: ["request.denied"], enabled: true, created_at: new Date().toISOString(), updated_at: new Date().toISOString() }] });
  client.setQueryData(["evidence-settings"], await getEvidenceSettings(db, org.id));
  return { org, client };
}

function render(client: QueryClient, role: ConsoleRole, element: React.ReactElement, org: { id: string; name: string; slug: string }) {
  const identity: ConsoleIdentity = {
    user: { id: "00000000-0000-4000-8000-000000000000", email: "me@example.com", name: null },
    org: { id: org.id, name: org.name, slug: org.slug, tier: "SOHO", products: ["MCP", "PAT"] },
    role,
  };
  // Text nodes rendered next to each other are separated by "<!-- -->" markers: read them as one text.
  return renderToString(React.createElement(QueryClientProvider, { client }, React.createElement(IdentityProvider, { identity, children: element }))).replace(/<!-- -->/g, "");
}

describe("evidence screens render", () => {
  it("audit, change log, status board, traffic feed, webhooks, settings — admin and auditor", async () => {
    const { org, client } = await world();
    for (const role of ["admin", "auditor"] as const) {
      const audit = render(client, role, React.createElement(AuditScreen), org);
      expect(audit).toContain("tools/call");
      expect(audit).toContain("Role: Support Agent, action not permitted");
      expect(audit).toContain("Chain intact");
      const changes = render(client, role, React.createElement(ChangeLogScreen), org);
      expect(changes).toContain("Updated role");
      expect(changes).toContain("grants.delete_ticket");
      expect(changes).toMatch(/allow[\s\S]*deny/);
      const board = render(client, role, React.createElement(StatusBoardScreen), org);
      expect(board).toContain("Zendesk");
      expect(board).toContain("prod-support");
      expect(board).toContain("Month-to-Date Spend");
      expect(render(client, role, React.createElement(TrafficFeedScreen), org)).toContain("Waiting for traffic");
      const hooks = render(client, role, React.createElement(WebhooksScreen), org);
      expect(hooks).toContain("https://siem.example.com/hook");
      expect(hooks.includes("Send test event")).toBe(role === "admin");
      expect(render(client, role, React.createElement(EvidenceSettingsScreen), org)).toContain("Audit retention (days)");
    }
    expect(render(client, "member", React.createElement(StatusBoardScreen), org)).toContain("Your API keys");
  });
});
