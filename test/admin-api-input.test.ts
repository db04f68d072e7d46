// Every admin route answers bad input with a 4xx in the admin error format: never a 500, never a
// stack trace, never a partial write.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as notFoundGet, POST as notFoundPost } from "@/app/api/v1/[...path]/route";
import { DELETE as revokeKey } from "@/app/api/v1/api-keys/[id]/route";
import { GET as listKeys, POST as createKey } from "@/app/api/v1/api-keys/route";
import { POST as token } from "@/app/api/v1/auth/token/route";
import { DELETE as revokeInvitation } from "@/app/api/v1/invitations/[id]/route";
import { POST as accept } from "@/app/api/v1/invitations/accept/route";
import { DELETE as deleteSa } from "@/app/api/v1/service-accounts/[id]/route";
import { POST as createSa } from "@/app/api/v1/service-accounts/route";
import { POST as signup } from "@/app/api/v1/signup/route";
import { DELETE as removeUser, PATCH as patchUser } from "@/app/api/v1/users/[userId]/route";
import { POST as invite } from "@/app/api/v1/users/route";
import { getDb } from "@/lib/db";
import type { RouteHandler } from "@/lib/http/admin-route";
import { call, newOrg, type CallResult } from "./helpers";

let owner: Awaited<ReturnType<typeof newOrg>>;
beforeAll(async () => {
  owner = await newOrg("Input Checks");
});

const bodyRoutes: [string, RouteHandler, string, Record<string, string>][] = [
  ["POST /signup", signup, "POST", {}],
  ["POST /auth/token", token, "POST", {}],
  ["POST /users", invite, "POST", {}],
  ["PATCH /users/{id}", patchUser, "PATCH", { userId: "00000000-0000-4000-8000-000000000000" }],
  ["POST /invitations/accept", accept, "POST", {}],
  ["POST /service-accounts", createSa, "POST", {}],
  ["POST /api-keys", createKey, "POST", {}],
];

function expectAdminError(res: CallResult, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  expect(res.json.error).toMatchObject({ code: status });
  expect(typeof res.json.error.type).toBe("string");
  expect(typeof res.json.error.message).toBe("string");
  expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
}

async function rowCounts() {
  const db = await getDb();
  const r = await db.execute(
    sql`select (select count(*) from organisations) o, (select count(*) from users) u, (select count(*) from api_keys) k, (select count(*) from service_accounts) s, (select count(*) from invitations) i`,
  );
  return JSON.stringify((r as unknown as { rows: unknown[] }).rows[0]);
}

describe.each(bodyRoutes)("%s", (_name, handler, method, params) => {
  const send = (init: { rawBody?: string | Uint8Array; headers?: Record<string, string> }) =>
    call(handler, { method, params, token: owner.token, ...init });

  it("malformed JSON → 400", async () => {
    const before = await rowCounts();
    for (const raw of ["{", "{'a':1}", "nul", "[1,2", "\u0000", '{"email": "a@b.c",}']) {
      expectAdminError(await send({ rawBody: raw, headers: { "content-type": "application/json" } }), 400);
    }
    expect(await rowCounts()).toBe(before);
  });

  it("missing or wrongly typed fields → 400 naming the field", async () => {
    for (const body of ["{}", "[]", "null", "42", '"text"', '{"email": 5, "name": [], "password": {}}']) {
      const res = await send({ rawBody: body, headers: { "content-type": "application/json" } });
      expectAdminError(res, 400);
    }
  });

  it("oversized body → 413, also when Content-Length is absent", async () => {
    const big = JSON.stringify({ name: "x".repeat(70 * 1024) });
    expectAdminError(await send({ rawBody: big, headers: { "content-type": "application/json" } }), 413);
    const stream = new TextEncoder().encode(big);
    expectAdminError(await send({ rawBody: stream, headers: { "content-type": "application/json" } }), 413);
  });

  it("wrong content type → 415", async () => {
    expectAdminError(await send({ rawBody: "email=a", headers: { "content-type": "application/x-www-form-urlencoded" } }), 415);
    expectAdminError(await send({ rawBody: "{}", headers: { "content-type": "text/plain" } }), 415);
    expectAdminError(await send({ rawBody: "{}" }), 415);
  });

  it("invalid UTF-8 → 400", async () => {
    expectAdminError(await send({ rawBody: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), headers: { "content-type": "application/json" } }), 400);
  });
});

describe("path parameters and unknown paths", () => {
  const weird = ["not-a-uuid", "../../etc/passwd", "00000000-0000-0000-0000-000000000000", "' OR 1=1 --", "%00", "x".repeat(500)];
  it.each([
    ["DELETE /api-keys/{id}", revokeKey, "id"],
    ["DELETE /invitations/{id}", revokeInvitation, "id"],
    ["DELETE /service-accounts/{id}", deleteSa, "id"],
    ["DELETE /users/{id}", removeUser, "userId"],
  ] as const)("%s with a bad id → 404", async (_n, handler, param) => {
    for (const id of weird) {
      expectAdminError(await call(handler, { method: "DELETE", token: owner.token, params: { [param]: id } }), 404);
    }
  });

  it("unknown endpoints answer 404 in the admin format", async () => {
    expectAdminError(await call(notFoundGet, { path: "/api/v1/nope" }), 404);
    expectAdminError(await call(notFoundPost, { path: "/api/v1/nope", rawBody: "{" }), 404);
  });

  it("bad query parameters → 400", async () => {
    for (const q of ["limit=0", "limit=-1", "limit=abc", "limit=101", "cursor=%7B%7D"]) {
      expectAdminError(await call(listKeys, { token: owner.token, path: `/api/v1/api-keys?${q}` }), 400);
    }
  });

  it("a malformed Authorization header → 401", async () => {
    expectAdminError(await call(listKeys, { headers: { authorization: "Basic abc" } }), 401);
    expectAdminError(await call(listKeys, { headers: { authorization: "Bearer" } }), 401);
  });
});
