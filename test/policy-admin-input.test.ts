// Every Policy Radar route answers bad input with a 4xx in the admin error format — never a 500,
// never a partial write — and unknown or malformed ids with 404.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { POST as simulate } from "@/app/api/v1/policy/simulate/route";
import { PUT as putConnectorOverride } from "@/app/api/v1/redaction/connectors/[id]/route";
import { POST as preview } from "@/app/api/v1/redaction/preview/route";
import { PUT as putRoleOverride } from "@/app/api/v1/redaction/roles/[id]/route";
import { PUT as putRedaction } from "@/app/api/v1/redaction/route";
import { POST as assign } from "@/app/api/v1/roles/[id]/assignments/route";
import { DELETE as unassign } from "@/app/api/v1/roles/[id]/assignments/[subjectId]/route";
import { DELETE as deleteRole, GET as getRole, PUT as putRole } from "@/app/api/v1/roles/[id]/route";
import { POST as createRole } from "@/app/api/v1/roles/route";
import { DELETE as deleteRule, GET as getRule, PUT as putRule } from "@/app/api/v1/rules/[id]/route";
import { POST as createRule } from "@/app/api/v1/rules/route";
import { PUT as putAttrs } from "@/app/api/v1/users/[userId]/attributes/route";
import { getDb } from "@/lib/db";
import type { RouteHandler } from "@/lib/http/admin-route";
import { call, newOrg, type CallResult } from "./helpers";
import { seedConnector } from "./policy-admin-fixtures";

let owner: Awaited<ReturnType<typeof newOrg>>;
let roleId: string;
let ruleId: string;
let connectorId: string;
beforeAll(async () => {
  owner = await newOrg("Input Checks");
  connectorId = (await seedConnector(owner.org.id)).id;
  roleId = (await call(createRole, { token: owner.token, body: { name: "Base" } })).json.id;
  ruleId = (await call(createRule, { token: owner.token, body: { name: "r", condition: { type: "ip_allowlist", cidrs: ["10.0.0.0/8"] } } })).json.id;
});

function expectAdminError(res: CallResult, status: number | number[]) {
  expect(Array.isArray(status) ? status : [status]).toContain(res.status);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  expect(typeof res.json.error.type).toBe("string");
  expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
}

async function counts() {
  const db = await getDb();
  const r = await db.execute(
    sql`select (select count(*) from roles) r, (select count(*) from role_grants) g, (select count(*) from role_assignments) a, (select count(*) from policy_rules) p, (select count(*) from redaction_settings) s, (select count(*) from subject_attributes) t, (select count(*) from change_log) c`,
  );
  return JSON.stringify((r as unknown as { rows: unknown[] }).rows[0]);
}

const bodyRoutes: [string, RouteHandler, string, () => Record<string, string>][] = [
  ["POST /roles", createRole, "POST", () => ({})],
  ["PUT /roles/{id}", putRole, "PUT", () => ({ id: roleId })],
  ["POST /roles/{id}/assignments", assign, "POST", () => ({ id: roleId })],
  ["POST /rules", createRule, "POST", () => ({})],
  ["PUT /rules/{id}", putRule, "PUT", () => ({ id: ruleId })],
  ["PUT /redaction", putRedaction, "PUT", () => ({})],
  ["PUT /redaction/roles/{id}", putRoleOverride, "PUT", () => ({ id: roleId })],
  ["PUT /redaction/connectors/{id}", putConnectorOverride, "PUT", () => ({ id: connectorId })],
  ["POST /redaction/preview", preview, "POST", () => ({})],
  ["PUT /users/{id}/attributes", putAttrs, "PUT", () => ({ userId: owner.user.id })],
  ["POST /policy/simulate", simulate, "POST", () => ({})],
];

const WRONG_SHAPES: unknown[] = [
  null,
  [],
  1,
  "x",
  { name: 1 },
  { name: "a".repeat(5000) },
  { grants: "all" },
  { grants: [{ kind: "connector_action" }] },
  { condition: null },
  { condition: { type: "attribute", expression: "a == " } },
  { condition: { type: "attribute", expression: "(".repeat(500) } },
  { condition: { type: "ip_allowlist", cidrs: "10.0.0.0/8" } },
  { email: "yes", phone: true, ssn: true, creditCard: true },
  { custom: [{ name: "x", pattern: "(" }] },
  { kind: "robot", id: "x" },
  { attributes: { a: { nested: true } } },
  { text: 42 },
  { subject: "not-an-email", tool: "x" },
  { __proto__: { admin: true } },
];

describe.each(bodyRoutes)("%s", (_name, handler, method, params) => {
  const send = (init: { rawBody?: string; body?: unknown; headers?: Record<string, string> }) =>
    call(handler, { method, params: params(), token: owner.token, ...init });

  it("malformed JSON → 400, wrong content type → 415", async () => {
    const before = await counts();
    for (const raw of ["{", "nul", "[1,2", '{"a": 1,}']) expectAdminError(await send({ rawBody: raw, headers: { "content-type": "application/json" } }), 400);
    expectAdminError(await send({ rawBody: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } }), 415);
    expect(await counts()).toBe(before);
  });

  it("wrong shapes → 4xx, never a 500 or a partial write", async () => {
    const before = await counts();
    for (const body of WRONG_SHAPES) {
      const res = await send({ body });
      // Some shapes are valid for some routes (e.g. {} resets nothing); none may be a 5xx.
      expect(res.status, `${JSON.stringify(body)} → ${res.text}`).toBeLessThan(500);
      if (res.status >= 400) expectAdminError(res, res.status);
    }
    // Valid-but-harmless bodies may have written something; a failing one never half-writes.
    const after = await counts();
    if (after !== before) {
      // Only whole, logged changes are allowed: every new row came with a Change Log entry.
      const b = JSON.parse(before);
      const a = JSON.parse(after);
      expect(Number(a.c)).toBeGreaterThan(Number(b.c));
    }
  });
});

describe("ids", () => {
  it("malformed or unknown ids → 404", async () => {
    for (const id of ["nope", "00000000-0000-4000-8000-000000000000", "'; drop table roles; --"]) {
      expect((await call(getRole, { token: owner.token, params: { id } })).status).toBe(404);
      expect((await call(deleteRole, { method: "DELETE", token: owner.token, params: { id } })).status).toBe(404);
      expect((await call(getRule, { token: owner.token, params: { id } })).status).toBe(404);
      expect((await call(deleteRule, { method: "DELETE", token: owner.token, params: { id } })).status).toBe(404);
      expect((await call(unassign, { method: "DELETE", token: owner.token, params: { id: roleId, subjectId: id } })).status).toBe(404);
      expect((await call(putRoleOverride, { method: "PUT", token: owner.token, params: { id }, body: { email: true } })).status).toBe(404);
      expect((await call(putAttrs, { method: "PUT", token: owner.token, params: { userId: id }, body: { attributes: {} } })).status).toBe(404);
    }
  });

  it("refuses unauthenticated calls", async () => {
    expect((await call(createRole, { body: { name: "x" } })).status).toBe(401);
    expect((await call(simulate, { body: {} })).status).toBe(401);
  });
});
