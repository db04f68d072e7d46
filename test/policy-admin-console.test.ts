// Policy Radar screens render with data shaped exactly as the admin API answers (produced here by
// the same lib functions the routes call), for an admin and for an auditor. Server rendering only:
// it catches broken props, wrong field names and render-time crashes without a browser.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import * as React from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: () => {}, refresh: () => {}, replace: () => {} }),
  usePathname: () => "/policy/roles",
}));
vi.mock("next/link", () => ({
  default: ({ href, children, ...rest }: { href: string; children: React.ReactNode }) => React.createElement("a", { href, ...rest }, children),
}));

import { IdentityProvider } from "@/components/console/identity";
import { queryKeys } from "@/components/console/queries";
import type { ConsoleIdentity, ConsoleRole } from "@/components/console/types";
import { policyKeys } from "@/components/policy/queries";
import { RedactionScreen } from "@/components/policy/redaction-screen";
import { RoleEditor } from "@/components/policy/role-editor";
import { RolesScreen } from "@/components/policy/roles-screen";
import { RulesScreen } from "@/components/policy/rules-screen";
import { SimulatorScreen } from "@/components/policy/simulator-screen";
import { UsersScreen } from "@/components/users/users-screen";
import { listMembers } from "@/lib/accounts/members";
import { getDb } from "@/lib/db";
import { listPolicyResources } from "@/lib/policy/resources";
import { assignRoleRecord, createRoleRecord, createRule, getRedaction, listAssignments, listRoles, listRules } from "@/lib/policy/store";
import { newOrg } from "./helpers";
import { seedConnector, seedPatKey } from "./policy-admin-fixtures";

async function world() {
  const owner = await newOrg("Acme");
  const db = await getDb();
  const zendesk = await seedConnector(owner.org.id);
  const key = await seedPatKey(owner.org.id);
  const ctx = { actor: { type: "user" as const, id: owner.user.id, label: owner.email } };
  const role = await createRoleRecord(
    db,
    owner.org.id,
    {
      name: "Support Agent",
      description: "Front line",
      grants: [
        { kind: "connector_action", connector_id: zendesk.id, action: "list_tickets", effect: "allow" },
        { kind: "connector_action", connector_id: zendesk.id, action: "delete_ticket", effect: "deny" },
        { kind: "pat_key", pat_key_id: key.id, effect: "allow" },
      ],
    },
    ctx,
  );
  await assignRoleRecord(db, owner.org.id, role.id, { kind: "user", id: owner.user.id }, ctx);
  await createRule(db, owner.org.id, { name: "Budget", scope: { role_id: role.id }, target: { connector_id: zendesk.id }, condition: { type: "rate_limit", limit: 10, windowSeconds: 3600, per: "user" } }, ctx);
  await createRule(db, owner.org.id, { name: "Office", condition: { type: "ip_allowlist", cidrs: ["10.0.0.0/8"] } }, ctx);

  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  const page = <T,>(data: T[]) => ({ pages: [{ data, next_cursor: null }], pageParams: [null] });
  const fakeCtx = { db, orgId: owner.org.id } as unknown as Parameters<typeof listMembers>[0];
  client.setQueryData(policyKeys.roles, await listRoles(db, owner.org.id));
  client.setQueryData(policyKeys.role(role.id), (await listRoles(db, owner.org.id)).find((r) => r.id === role.id));
  client.setQueryData(policyKeys.rules, await listRules(db, owner.org.id));
  client.setQueryData(policyKeys.resources, await listPolicyResources(db, owner.org.id));
  client.setQueryData(policyKeys.redaction, await getRedaction(db, owner.org.id));
  client.setQueryData(policyKeys.assignments, await listAssignments(db, owner.org.id));
  client.setQueryData(queryKeys.members, page(await listMembers(fakeCtx)));
  client.setQueryData(queryKeys.invitations, page([]));
  client.setQueryData(queryKeys.serviceAccounts, page([]));
  return { owner, role, client };
}

function render(client: QueryClient, role: ConsoleRole, element: React.ReactElement, org: { id: string; name: string; slug: string }) {
  const identity: ConsoleIdentity = {
    user: { id: "00000000-0000-4000-8000-000000000000", email: "me@example.com", name: null },
    org: { id: org.id, name: org.name, slug: org.slug, tier: "SOHO", products: ["MCP", "PAT"] },
    role,
  };
  return renderToString(
    React.createElement(QueryClientProvider, { client }, React.createElement(IdentityProvider, { identity, children: element })),
  ).replaceAll("<!-- -->", "");
}

describe("Policy Radar screens", () => {
  it("render roles, the role editor, rules, redaction and the simulator with API-shaped data", async () => {
    const { owner, role, client } = await world();
    for (const who of ["admin", "auditor"] as ConsoleRole[]) {
      const roles = render(client, who, React.createElement(RolesScreen), owner.org);
      expect(roles).toContain("Support Agent");
      expect(roles).toContain("2 allowed");
      expect(roles.includes("Add role")).toBe(who === "admin");

      const editor = render(client, who, React.createElement(RoleEditor, { id: role.id }), owner.org);
      for (const text of ["list_tickets", "delete_ticket", "Destructive", "View tickets and their metadata", "prod-support", "Holders"]) expect(editor).toContain(text);
      expect(editor).toContain("2 Allowed");
      expect(editor).toContain("3 Denied"); // 5 resources, 2 allowed

      const rules = render(client, who, React.createElement(RulesScreen), owner.org);
      expect(rules).toContain("Max 10 calls / hour per user");
      expect(rules).toContain("Only from 10.0.0.0/8");
      expect(rules).toContain("Role: Support Agent");

      const redaction = render(client, who, React.createElement(RedactionScreen), owner.org);
      expect(redaction).toContain("████@████.███");
      expect(redaction).toContain("Bank and Zero Trust");

      const sim = render(client, who, React.createElement(SimulatorScreen), owner.org);
      expect(sim).toContain("Could this request go through?");

      const users = render(client, who, React.createElement(UsersScreen), owner.org);
      expect(users).toContain("Policy roles");
      expect(users).toContain("Support Agent");
    }
  });

  it("shows members no Policy Radar at all", async () => {
    const { owner, client } = await world();
    expect(render(client, "member", React.createElement(RolesScreen), owner.org)).not.toContain("Support Agent");
  });
});
