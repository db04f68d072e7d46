// The PAT archive: each exchange sealed by the vault and stored; it decrypts to the exact request and
// response bytes; a modified object is detected (recorded hash, then GCM); only owners and auditors
// read it; a failed write is queued in the outbox, shown as failed, and retried.
import { readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as archiveRoute from "@/app/api/v1/pat-requests/[id]/archive/route";
import * as requestsRoute from "@/app/api/v1/pat-requests/route";
import * as usersRoute from "@/app/api/v1/users/route";
import * as acceptRoute from "@/app/api/v1/invitations/accept/route";
import { outboxEvents, patRequests } from "@/db/schema";
import { getDb } from "@/lib/db";
import { localStore, processArchiveRetries, setArchiveStoreForTests, sha256Hex, type ArchiveStore } from "@/lib/gateway/pat/archive";
import { call, PASSWORD, tokenFor, uniqueEmail } from "./helpers";
import { eventually, patWorld, type PatWorld } from "./support/pat-setup";

let w: PatWorld;
let dir: string;
beforeAll(async () => {
  dir = path.join(os.tmpdir(), `pat-archive-test-${process.pid}-${Date.now()}`);
  setArchiveStoreForTests(localStore(dir));
  w = await patWorld({ models: [] });
});
afterAll(async () => {
  setArchiveStoreForTests(undefined);
  await w?.close();
});

async function send(content: string, stream = false) {
  const body = `{"model":"claude-sonnet-4-6","max_tokens":50,"stream":${stream},"messages":[{"role":"user","content":${JSON.stringify(content)}}]}`;
  const res = await fetch(`${w.server.url}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": w.orgKey, "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body,
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { id: res.headers.get("x-fortress-request-id")!, body, bytes };
}

async function stored(id: string) {
  const db = await getDb();
  let row: typeof patRequests.$inferSelect | undefined;
  await eventually(async () => {
    [row] = await db.select().from(patRequests).where(eq(patRequests.id, id));
    return row?.archiveStatus === "stored" || row?.archiveStatus === "failed";
  });
  return row!;
}

async function memberToken(role: "admin" | "auditor" | "member") {
  const email = uniqueEmail(role);
  const inv = await call(usersRoute.POST, { token: w.token, body: { email, console_role: role } });
  const token = new URL(inv.json.invite_url).pathname.split("/").pop();
  const acc = await call(acceptRoute.POST, { body: { token, password: PASSWORD } });
  return tokenFor(acc.json.user.id, w.org.id, email);
}

describe("PAT archive", () => {
  it("decrypts to the exact request and response (non-streaming and streaming)", async () => {
    for (const stream of [false, true]) {
      const sent = await send(`Archive me ✓ ${stream}`, stream);
      const row = await stored(sent.id);
      expect(row.archiveStatus).toBe("stored");
      expect(row.archiveSha256).toMatch(/^[0-9a-f]{64}$/);
      const r = await call(archiveRoute.GET, { token: w.token, params: { id: sent.id } });
      expect(r.status).toBe(200);
      expect(r.json.request.body.text).toBe(sent.body);
      expect(Buffer.from(r.json.response.body.text, "utf8").equals(sent.bytes)).toBe(true);
      expect(r.json.response.status).toBe(200);
      expect(JSON.stringify(r.json.request.headers)).not.toContain(w.orgKey);
      expect(JSON.stringify(r.json)).not.toContain("sk-ant-");
    }
    // The stored object is ciphertext: no prompt in it.
    const files = await readdir(path.join(dir, w.org.id), { recursive: true });
    const objects = files.filter((f) => String(f).endsWith(".sealed"));
    expect(objects.length).toBeGreaterThan(0);
    const raw = await readFile(path.join(dir, w.org.id, String(objects[0])));
    expect(raw.toString("latin1")).not.toContain("Archive me");
  });

  it("a modified object is detected, by its recorded hash and by its authentication tag", async () => {
    const sent = await send("tamper with me");
    const row = await stored(sent.id);
    const file = path.join(dir, row.archiveKey!);
    const blob = await readFile(file);
    blob[blob.length - 5] ^= 0x01;
    await writeFile(file, blob);
    const r1 = await call(archiveRoute.GET, { token: w.token, params: { id: sent.id } });
    expect(r1.status).toBe(409);
    expect(r1.json.error.message).toMatch(/modified/);
    // Even with the recorded hash forged to match, decryption refuses the object.
    const db = await getDb();
    await db.update(patRequests).set({ archiveSha256: sha256Hex(blob) }).where(eq(patRequests.id, sent.id));
    const r2 = await call(archiveRoute.GET, { token: w.token, params: { id: sent.id } });
    expect(r2.status).toBe(409);
    expect(JSON.stringify(r2.json)).not.toContain("tamper with me");
  });

  it("only owners and auditors may open the archive; admins and members may not", async () => {
    const sent = await send("who can read me");
    await stored(sent.id);
    expect((await call(archiveRoute.GET, { token: await memberToken("auditor"), params: { id: sent.id } })).status).toBe(200);
    expect((await call(archiveRoute.GET, { token: await memberToken("admin"), params: { id: sent.id } })).status).toBe(403);
    expect((await call(archiveRoute.GET, { token: await memberToken("member"), params: { id: sent.id } })).status).toBe(403);
  });

  it("a failed write is shown as failed, queued in the outbox and retried", async () => {
    let down = true;
    const real = localStore(dir);
    const flaky: ArchiveStore = {
      kind: "local",
      put: (k, b) => (down ? Promise.reject(new Error("bucket unreachable")) : real.put(k, b)),
      get: (k) => real.get(k),
    };
    setArchiveStoreForTests(flaky);
    const sent = await send("retry me");
    const row = await stored(sent.id);
    expect(row.archiveStatus).toBe("failed");
    const list = await call(requestsRoute.GET, { token: w.token, path: "/api/v1/pat-requests?limit=5" });
    expect(list.json.data.find((x: { id: string }) => x.id === sent.id).archive.status).toBe("failed");
    const db = await getDb();
    const [job] = await db.select().from(outboxEvents).where(and(eq(outboxEvents.orgId, w.org.id), eq(outboxEvents.type, "archive.retry")));
    expect(job.status).toBe("pending");
    expect(JSON.stringify(job.payload)).not.toContain("retry me"); // sealed, not plaintext
    down = false;
    await db.update(outboxEvents).set({ availableAt: new Date(0) }).where(eq(outboxEvents.id, job.id));
    expect((await processArchiveRetries()).stored).toBe(1);
    setArchiveStoreForTests(real);
    const r = await call(archiveRoute.GET, { token: w.token, params: { id: sent.id } });
    expect(r.status).toBe(200);
    expect(r.json.request.body.text).toBe(sent.body);
  });
});
