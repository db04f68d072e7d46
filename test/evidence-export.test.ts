// Acceptance: an exported 1,000-row chain verifies offline, and every single-row edit, deletion,
// insertion, reordering, tail truncation and checkpoint/manifest signature flip is detected.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { GET as exportRoute } from "@/app/api/v1/audit/export/route";
import { GET as listRoute } from "@/app/api/v1/audit/route";
import { GET as statusRoute } from "@/app/api/v1/audit/status/route";
import { GET as changesExportRoute } from "@/app/api/v1/changes/export/route";
import { chainHash } from "@/lib/audit/chain";
import { checkpointAllHeads } from "@/lib/audit/checkpoints";
import { parseExport, verifyExport } from "@/lib/audit/export-verify";
import { recordAuditEvents } from "@/lib/audit/record";
import { getDb } from "@/lib/db";
import { call, newOrg } from "./helpers";

// Heavy under a loaded machine (2 cores shared): generous per-test time.
vi.setConfig({ testTimeout: 180_000 });

const actor = { type: "user" as const, id: null, label: "sarah.chen@company.com" };
let jsonl = "";
let csv = "";
let publicKeyPem = "";
let token = "";

beforeAll(async () => {
  const o = await newOrg("Evidence");
  token = o.token;
  const db = await getDb();
  const batch = (from: number, n: number) =>
    Array.from({ length: n }, (_, k) => {
      const i = from + k;
      return {
        orgId: o.org.id,
        product: (i % 3 ? "mcp" : "pat") as "mcp" | "pat",
        actor,
        action: i % 7 ? "tools/call" : "messages.create",
        resourceType: "connector",
        resourceId: `zendesk-${i % 4}`,
        decision: (i % 5 ? "allow" : "deny") as "allow" | "deny",
        reason: i % 5 ? undefined : "Role: Support Agent, action not permitted",
        latencyMs: 100 + (i % 50),
        metadata: { tool: "zendesk__list_tickets", i, note: i % 11 ? "plain" : 'has "quotes", commas\nand a newline' },
      };
    });
  await recordAuditEvents(db, batch(0, 500));
  await checkpointAllHeads(db); // a periodic checkpoint in the middle of the export
  await recordAuditEvents(db, batch(500, 499));
  jsonl = (await call(exportRoute, { token, path: "/api/v1/audit/export?format=jsonl" })).text;
  csv = (await call(exportRoute, { token, path: "/api/v1/audit/export?format=csv" })).text;
  publicKeyPem = (await call(statusRoute, { token })).json.public_key_pem;
}, 120_000);

type Rec = Record<string, any>;
const lines = () => jsonl.trim().split("\n").map((l) => JSON.parse(l) as Rec);
// Tampering works on parsed records (what parseExport yields for such a file), to keep 5,000 runs fast.
const verify = (recs: Rec[]) =>
  verifyExport(
    {
      manifest: (recs.find((r) => r.type === "manifest") as any) ?? null,
      rows: recs.filter((r) => r.type === "row") as any,
      checkpoints: recs.filter((r) => r.type === "checkpoint") as any,
      problems: [],
    },
    { publicKeyPem },
  );
const rowIdx = (recs: Rec[]) => recs.map((r, i) => (r.type === "row" ? i : -1)).filter((i) => i >= 0);

describe("evidence export (1,000+ rows)", () => {
  it("the clean export verifies, as JSON Lines and as CSV, pinned and embedded key", () => {
    const recs = lines();
    expect(rowIdx(recs).length).toBeGreaterThanOrEqual(1000);
    expect(recs.filter((r) => r.type === "checkpoint").length).toBeGreaterThanOrEqual(2);
    expect(verify(recs)).toMatchObject({ ok: true, keySource: "pinned" });
    expect(verifyExport(parseExport(jsonl))).toMatchObject({ ok: true, keySource: "embedded" });
    expect(verifyExport(parseExport(csv), { publicKeyPem })).toMatchObject({ ok: true, rows: rowIdx(recs).length + 1 });
  });

  it("detects every single-row edit and names that row", () => {
    const base = lines();
    for (const i of rowIdx(base)) {
      const original = base[i];
      base[i] = { ...original, fields: { ...original.fields, decision: original.fields.decision === "allow" ? "deny" : "allow" } };
      expect(verify(base)).toMatchObject({ ok: false, firstBadSeq: original.seq });
      base[i] = original;
    }
  });

  it("detects an edit that also recomputes the row's own hash (the next row no longer links)", () => {
    const recs = lines();
    const i = rowIdx(recs)[10];
    recs[i].fields.reason = "nothing to see";
    recs[i].hash = chainHash(recs[i].prev_hash, recs[i].fields);
    expect(verify(recs)).toMatchObject({ ok: false, firstBadSeq: recs[i].seq + 1 });
  });

  it("detects every single-row deletion", () => {
    const base = lines();
    for (const i of rowIdx(base)) {
      const recs = base.filter((_, j) => j !== i);
      expect(verify(recs)).toMatchObject({ ok: false, firstBadSeq: base[i].seq });
    }
  });

  it("detects an inserted row at every position, even one hashed to link to its predecessor", () => {
    const base = lines();
    const idx = rowIdx(base);
    for (const i of [...idx, idx[idx.length - 1] + 1]) {
      const recs = [...base];
      const prev = recs[i - 1]?.type === "row" ? recs[i - 1] : null;
      const fields = { ...recs[idx[0]].fields, action: "forged" };
      const forged = { type: "row", seq: prev ? prev.seq + 1 : recs[idx[0]].seq, prev_hash: prev ? prev.hash : recs[idx[0]].prev_hash, hash: "", fields };
      forged.hash = chainHash(forged.prev_hash, fields);
      recs.splice(i, 0, forged);
      expect(verify(recs).ok).toBe(false);
    }
  });

  it("detects every swap of two neighbouring rows", () => {
    const base = lines();
    const idx = rowIdx(base);
    for (let k = 0; k < idx.length - 1; k++) {
      const recs = [...base];
      [recs[idx[k]], recs[idx[k + 1]]] = [recs[idx[k + 1]], recs[idx[k]]];
      expect(verify(recs)).toMatchObject({ ok: false, firstBadSeq: base[idx[k]].seq });
    }
  });

  it("detects every tail truncation (rows cut from the end, with or without the checkpoints)", () => {
    const base = lines();
    // The file ends with the checkpoints: dropping only those is detected as well.
    for (let keep = 1; keep < base.length; keep++) {
      expect(verify(base.slice(0, keep)).ok).toBe(false);
    }
  });

  it("detects a flipped checkpoint or manifest signature, and a wrong pinned key", async () => {
    const base = lines();
    base.forEach((r, i) => {
      if (r.type !== "checkpoint" && r.type !== "manifest") return;
      const recs = structuredClone(base);
      const sig = Buffer.from(recs[i].signature, "base64");
      sig[5] ^= 0x01;
      recs[i].signature = sig.toString("base64");
      expect(verify(recs).ok).toBe(false);
    });
    const recs = structuredClone(base);
    const cp = recs.find((r) => r.type === "checkpoint")!;
    cp.hash = "f".repeat(64);
    expect(verify(recs).ok).toBe(false);
    const { generateKeyPairSync } = await import("node:crypto");
    const other = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(verifyExport(parseExport(jsonl), { publicKeyPem: other }).ok).toBe(false);
  });

  it("CSV: an edited readable column, an edited hashed cell and a deleted line are each found", () => {
    const rows = csv.split("\r\n");
    const r = rows.findIndex((l) => l.startsWith("row,") && l.includes(",deny,"));
    const edited = [...rows];
    edited[r] = edited[r].replace(",deny,", ",allow,");
    const v1 = verifyExport(parseExport(edited.join("\r\n")), { publicKeyPem });
    expect(v1).toMatchObject({ ok: false, firstBadSeq: Number(rows[r].split(",")[1]) });
    const deleted = rows.filter((_, j) => j !== r);
    expect(verifyExport(parseExport(deleted.join("\r\n")), { publicKeyPem })).toMatchObject({ ok: false, firstBadSeq: Number(rows[r].split(",")[1]) });
    const inData = [...rows];
    inData[r] = inData[r].replace('""decision"":""deny""', '""decision"":""allow""');
    expect(verifyExport(parseExport(inData.join("\r\n")), { publicKeyPem }).ok).toBe(false);
  });

  it("npm run audit:verify verifies the file offline and names the first bad row", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fortress-export-"));
    const good = path.join(dir, "good.jsonl");
    const keyFile = path.join(dir, "key.pem");
    writeFileSync(good, jsonl);
    writeFileSync(keyFile, publicKeyPem);
    const recs = lines();
    const i = rowIdx(recs)[41];
    recs[i].fields.actorLabel = "someone-else@company.com";
    const bad = path.join(dir, "bad.jsonl");
    writeFileSync(bad, recs.map((r) => JSON.stringify(r)).join("\n"));
    const run = (f: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts", f, "--public-key", keyFile], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } as unknown as NodeJS.ProcessEnv });
    const ok = run(good);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^OK: \d+ rows/);
    const ko = run(bad);
    expect(ko.status).toBe(1);
    expect(ko.stdout).toContain(`first bad row: seq ${recs[i].seq}`);
  });

  it("the explorer filters and pages; the Change Log exports and verifies; chain status is green", async () => {
    const first = await call(listRoute, { token, path: "/api/v1/audit?decision=deny&product=mcp&limit=20" });
    expect(first.status).toBe(200);
    expect(first.json.data).toHaveLength(20);
    expect(first.json.data.every((e: any) => e.decision === "deny" && e.product === "mcp")).toBe(true);
    const second = await call(listRoute, { token, path: `/api/v1/audit?decision=deny&product=mcp&limit=20&cursor=${first.json.next_cursor}` });
    expect(second.json.data[0].seq).toBeLessThan(first.json.data[19].seq);
    const search = await call(listRoute, { token, path: "/api/v1/audit?q=quotes&resource=connector:zendesk-1" });
    expect(search.json.data.length).toBeGreaterThan(0);
    expect(search.json.data.every((e: any) => e.resource.id === "zendesk-1")).toBe(true);
    expect((await call(listRoute, { token, path: "/api/v1/audit?from=yesterday" })).status).toBe(400);
    expect((await call(listRoute, { token, path: "/api/v1/audit?cursor=bogus" })).status).toBe(400);
    const changes = await call(changesExportRoute, { token, path: "/api/v1/changes/export?format=csv" });
    expect(changes.headers.get("content-disposition")).toContain("attachment");
    expect(verifyExport(parseExport(changes.text), { publicKeyPem })).toMatchObject({ ok: true });
    const status = await call(statusRoute, { token });
    expect(status.json.ok).toBe(true);
    expect(status.json.streams[0].last_checkpoint.valid).toBe(true);
  });

  it("another org sees none of it", async () => {
    const other = await newOrg("Other");
    const res = await call(listRoute, { token: other.token, path: "/api/v1/audit?q=zendesk" });
    expect(res.json.data).toEqual([]);
  });
});
