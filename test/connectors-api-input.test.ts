// The connector admin routes: bad input → 4xx in the admin error format (never a 500, never a
// partial write), console-role checks, and generated garbage bodies for POST /connectors.
import fc from "fast-check";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as actionsRoute from "@/app/api/v1/connectors/[id]/actions/route";
import * as killRoute from "@/app/api/v1/connectors/[id]/kill/route";
import * as rotateRoute from "@/app/api/v1/connectors/[id]/rotate/route";
import * as oneRoute from "@/app/api/v1/connectors/[id]/route";
import * as listRoute from "@/app/api/v1/connectors/route";
import * as acceptRoute from "@/app/api/v1/invitations/accept/route";
import * as usersRoute from "@/app/api/v1/users/route";
import { getDb } from "@/lib/db";
import type { RouteHandler } from "@/lib/http/admin-route";
import { api } from "./connectors-helpers";
import { call, newOrg, PASSWORD, tokenFor, uniqueEmail, type CallResult } from "./helpers";

let owner: Awaited<ReturnType<typeof newOrg>>;
let connectorId = "";
beforeAll(async () => {
  owner = await newOrg("Connector Input");
  const c = await api.create(owner.token, { type: "zendesk", name: "Z", config: { subdomain: "acme", email: "a@b.example" }, credentials: { api_token: "tok-123456" } });
  connectorId = c.json.id;
  const db = await getDb();
  await db.execute(sql`update connectors set status = 'ACTIVE' where id = ${connectorId}`);
});

function expectAdminError(res: CallResult, status: number) {
  expect(res.status).toBe(status);
  expect(res.json.error).toMatchObject({ code: status });
  expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
}

async function counts() {
  const db = await getDb();
  const r = await db.execute(sql`select (select count(*) from connectors) c, (select count(*) from connector_actions) a, (select count(*) from vault_secrets) s`);
  return JSON.stringify((r as unknown as { rows: unknown[] }).rows[0]);
}

const routes = (): [string, RouteHandler, string, Record<string, string>][] => [
  ["POST /connectors", listRoute.POST, "POST", {}],
  ["PUT /connectors/{id}", oneRoute.PUT, "PUT", { id: connectorId }],
  ["POST /connectors/{id}/rotate", rotateRoute.POST, "POST", { id: connectorId }],
  ["POST /connectors/{id}/kill", killRoute.POST, "POST", { id: connectorId }],
  ["PUT /connectors/{id}/actions", actionsRoute.PUT, "PUT", { id: connectorId }],
];

describe("connector routes: bad input", () => {
  it("malformed JSON → 400, wrong types → 400, wrong content type → 415, nothing written", async () => {
    const before = await counts();
    for (const [name, handler, method, params] of routes()) {
      const send = (rawBody: string, type = "application/json") => call(handler, { method, params, token: owner.token, rawBody, headers: { "content-type": type } });
      for (const raw of ["{", "nul", "[1,", '{"a":1,}']) expectAdminError(await send(raw), 400);
      for (const raw of ["[]", "null", "42", '"x"', '{"unknown_field": 1}']) {
        const res = await send(raw);
        expect(res.status, `${name} ${raw}`).toBe(400);
      }
      expectAdminError(await send("a=1", "application/x-www-form-urlencoded"), 415);
    }
    expect(await counts()).toBe(before);
  });

  it("oversized bodies → 413 (2 MiB for POST /connectors, 64 KiB elsewhere)", async () => {
    expectAdminError(await call(listRoute.POST, { token: owner.token, rawBody: JSON.stringify({ type: "openapi", name: "x", openapi_document: "x".repeat(2.1 * 1024 * 1024) }), headers: { "content-type": "application/json" } }), 413);
    expectAdminError(await call(oneRoute.PUT, { method: "PUT", params: { id: connectorId }, token: owner.token, body: { name: "x".repeat(70 * 1024) } }), 413);
  });

  it("generated garbage for POST /connectors never gives a 5xx nor a partial write", async () => {
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            type: fc.oneof(fc.constantFrom("zendesk", "slack", "github", "jira", "salesforce", "openapi", "mcp"), fc.string()),
            name: fc.oneof(fc.string(), fc.integer()),
            slug: fc.string(),
            config: fc.dictionary(fc.constantFrom("subdomain", "email", "base_url", "url", "instance_url", "site", "app_id", "installation_id", "auth_header", "x"), fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
            credentials: fc.dictionary(fc.constantFrom("api_token", "bot_token", "token", "private_key", "access_token", "auth_value", "password", "zzz"), fc.oneof(fc.string(), fc.integer())),
            openapi_document: fc.oneof(fc.string(), fc.object()),
          },
          { requiredKeys: [] },
        ),
        async (body) => {
          const res = await api.create(owner.token, body);
          expect(res.status, JSON.stringify(body)).toBeLessThan(500);
          if (res.status === 201) await api.remove(owner.token, res.json.id);
        },
      ),
      { numRuns: 150 },
    );
    expect(await counts()).toBe(before);
  });

  it("unknown or foreign ids are 404", async () => {
    for (const id of ["nope", "00000000-0000-4000-8000-000000000000"]) {
      expectAdminError(await api.get(owner.token, id), 404);
      expectAdminError(await api.test(owner.token, id), 404);
      expectAdminError(await api.actions(owner.token, id), 404);
    }
  });
});

describe("connector routes: console roles", () => {
  async function member(role: string) {
    const email = uniqueEmail(role);
    const inv = await call(usersRoute.POST, { token: owner.token, body: { email, console_role: role } });
    const acc = await call(acceptRoute.POST, { body: { token: inv.json.invite_url.split("/invite/")[1], password: PASSWORD } });
    return tokenFor(acc.json.user.id, owner.org.id, email);
  }

  it("auditors read, cannot change; members cannot read", async () => {
    const auditor = await member("auditor");
    expect((await api.list(auditor)).status).toBe(200);
    expect((await api.actions(auditor, connectorId)).status).toBe(200);
    expectAdminError(await api.create(auditor, { type: "zendesk", name: "x" }), 403);
    expectAdminError(await api.kill(auditor, connectorId), 403);
    expectAdminError(await api.remove(auditor, connectorId), 403);
    const m = await member("member");
    expectAdminError(await api.list(m), 403);
    expectAdminError(await api.get(m, connectorId), 403);
  });
});
