// PAT console screens render with data shaped exactly as the admin API answers (produced by the same
// lib functions the routes call, after real traffic): Vault → PAT Keys, Settings → PAT Usage,
// Settings → PAT Requests. Server rendering only: catches wrong field names and render-time crashes.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import * as React from "react";
import { renderToString } from "react-dom/server";
import { afterAll, describe, expect, it, vi } from "vitest";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ push: () => {}, refresh: () => {}, replace: () => {} }),
  usePathname: () => "/vault/pat-keys",
}));

import { IdentityProvider } from "@/components/console/identity";
import type { ConsoleIdentity, ConsoleRole } from "@/components/console/types";
import { PatKeysScreen } from "@/components/pat/pat-keys-screen";
import { PatRequestsScreen } from "@/components/pat/pat-requests-screen";
import { PatUsageScreen } from "@/components/pat/pat-usage-screen";
import { patKeys } from "@/components/pat/queries";
import { getDb } from "@/lib/db";
import { listPatKeys } from "@/lib/pat-keys/pat-keys";
import { listPatRequests } from "@/lib/pat-keys/pat-requests";
import { orgUsage } from "@/lib/pat-keys/usage";
import { patWorld, type PatWorld } from "./support/pat-setup";

let w: PatWorld | undefined;
afterAll(async () => {
  await w?.close();
});

function render(client: QueryClient, role: ConsoleRole, element: React.ReactElement, orgId: string) {
  const identity: ConsoleIdentity = {
    user: { id: "00000000-0000-4000-8000-000000000000", email: "me@example.com", name: null },
    org: { id: orgId, name: "Acme", slug: "acme", tier: "SOHO", products: ["MCP", "PAT"] },
    role,
  };
  return renderToString(React.createElement(QueryClientProvider, { client }, React.createElement(IdentityProvider, { identity, children: element }))).replaceAll("<!-- -->", "");
}

describe("PAT console screens", () => {
  it("render keys, usage and the request log for owners, admins and auditors", async () => {
    w = await patWorld({ label: "Production PAT", models: ["claude-sonnet-4-6"], monthly_cap_usd: 25 });
    await w.client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 20, messages: [{ role: "user", content: "hello" }] });
    await w.client.messages.create({ model: "claude-opus-4-6", max_tokens: 20, messages: [{ role: "user", content: "blocked" }] }).catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    const db = await getDb();
    const ctx = { db, orgId: w.org.id, role: "owner" } as unknown as Parameters<typeof listPatKeys>[0];
    const month = new Date().toISOString().slice(0, 7);
    const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
    client.setQueryData(patKeys.list, await listPatKeys(ctx));
    client.setQueryData(patKeys.usage(month), await orgUsage(db, w.org.id, month));
    const log = await listPatRequests(ctx, { limit: 50 });
    client.setQueryData(patKeys.requests(""), { pages: [log], pageParams: [null] });

    for (const role of ["owner", "admin", "auditor"] as ConsoleRole[]) {
      const keys = render(client, role, React.createElement(PatKeysScreen), w.org.id);
      expect(keys).toContain("Production PAT");
      expect(keys).toContain("claude-sonnet-4-6");
      expect(keys).toContain("$25.00");
      expect(keys.includes("Add PAT Key")).toBe(role !== "auditor");
      expect(keys.includes("Rotate")).toBe(role !== "auditor");

      const usage = render(client, role, React.createElement(PatUsageScreen), w.org.id);
      expect(usage).toContain("PAT Usage");
      expect(usage).toContain("2 requests (1 allowed, 1 denied, 0 errors)");
      expect(usage).toContain("of $25.00");

      const requests = render(client, role, React.createElement(PatRequestsScreen), w.org.id);
      expect(requests).toContain("claude-opus-4-6");
      expect(requests).toContain("not in your allowlist");
    }
  });
});
