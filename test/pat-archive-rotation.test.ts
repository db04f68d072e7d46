// The PAT archive across a service key rotation: archived objects live outside the database, so the
// rewrap job cannot move them; the version they name must stay until no archived object needs it.
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as archiveRoute from "@/app/api/v1/pat-requests/[id]/archive/route";
import { patRequests } from "@/db/schema";
import { getDb } from "@/lib/db";
import { localStore, setArchiveStoreForTests } from "@/lib/gateway/pat/archive";
import { rewrapJob } from "@/lib/vault/jobs";
import { RETIRE_GRACE_MS, retireDrainedVersions, rotateServiceKey, serviceKeyring } from "@/lib/vault/service-keys";
import { call } from "./helpers";
import { eventually, patWorld, type PatWorld } from "./support/pat-setup";
import { isolateDatabase } from "./vault-isolated-db";

isolateDatabase("pat_archive_rotation");

let w: PatWorld;
beforeAll(async () => {
  setArchiveStoreForTests(localStore(path.join(os.tmpdir(), `pat-archive-rotation-${process.pid}-${Date.now()}`)));
  w = await patWorld({ models: [] });
});
afterAll(async () => {
  setArchiveStoreForTests(undefined);
  await w?.close();
});

it("an archived exchange stays readable after a rotation; its key version retires only once no object needs it", async () => {
  const body = `{"model":"claude-sonnet-4-6","max_tokens":50,"messages":[{"role":"user","content":"archived before the rotation"}]}`;
  const res = await fetch(`${w.server.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": w.orgKey, "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body,
  });
  expect(res.status).toBe(200);
  const id = res.headers.get("x-fortress-request-id")!;
  const db = await getDb();
  let row: typeof patRequests.$inferSelect | undefined;
  await eventually(async () => {
    [row] = await db.select().from(patRequests).where(eq(patRequests.id, id));
    return row?.archiveStatus === "stored";
  });
  const oldVersion = row!.archiveKeyVersion!;
  expect(oldVersion).toBe(await serviceKeyring().currentVersion());

  await rotateServiceKey(db);
  serviceKeyring().invalidate();
  const later = new Date(Date.now() + RETIRE_GRACE_MS + 1000);
  // Every credential moves to the new version; the archived object still names the old one.
  await rewrapJob(db, later);
  expect(await retireDrainedVersions(db, later)).not.toContain(oldVersion);
  const r = await call(archiveRoute.GET, { token: w.token, params: { id } });
  expect(r.status).toBe(200);
  expect(r.json.request.body.text).toBe(body);

  // Once retention has purged the archived objects that need it, the version retires.
  await db
    .update(patRequests)
    .set({ archiveStatus: "none" })
    .where(and(eq(patRequests.orgId, w.org.id), eq(patRequests.archiveKeyVersion, oldVersion)));
  expect(await retireDrainedVersions(db, later)).toContain(oldVersion);
});
