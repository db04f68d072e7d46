// Canary test: secrets go in through the admin API and the vault, are used, rotated, refused and
// destroyed; afterwards no encoding of any canary (raw, base64, base64url, hex, URL-encoded) may
// appear in the logs, audit rows, change log, API responses, error bodies, or any text/json column of
// any table — and no bytea column may contain the raw bytes (ciphertext columns included).
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET, PUT } from "@/app/api/v1/encryption-keys/route";
import { POST as TEST } from "@/app/api/v1/encryption-keys/test/route";
import { organisations } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/context";
import { getDb } from "@/lib/db";
import { createLogger, logger, useLoggerForTests } from "@/lib/log";
import { destroySecret, openObject, rotateSecret, sealObject, storeSecret, withSecret } from "@/lib/vault";
import { setKeyProviderFactoryForTests } from "@/lib/vault/providers";
import { TestKeyProvider } from "./fakes/test-key-provider";
import { call, newOrg } from "./helpers";

const logs: string[] = [];
const outputs: string[] = []; // every API response body and error we saw
const canaries = {
  transitToken: `hvs.CANARY${randomUUID().replace(/-/g, "")}`,
  rejectedKey: `CANARY/rejected+${randomUUID()}`,
  secret: `CANARY-secret ${randomUUID()}/+=&?`,
  rotated: `CANARY-rotated-${randomUUID()}`,
  objectBody: `CANARY-archive-${randomUUID()}`,
};

function encodings(value: string): string[] {
  const b = Buffer.from(value, "utf8");
  return [value, b.toString("base64"), b.toString("base64url"), b.toString("hex"), b.toString("hex").toUpperCase(), encodeURIComponent(value), encodeURI(value)];
}

beforeAll(() => {
  useLoggerForTests(createLogger(new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }), "trace"));
  setKeyProviderFactoryForTests("vault_transit", () => new TestKeyProvider("vault_transit", "transit/fortress"));
});
afterAll(() => {
  useLoggerForTests(undefined);
  setKeyProviderFactoryForTests("vault_transit", undefined);
});

async function api(handler: Parameters<typeof call>[0], opts: Parameters<typeof call>[1]) {
  const r = await call(handler, opts);
  outputs.push(r.text, JSON.stringify([...r.headers.entries()]));
  return r;
}
const capture = (e: unknown) => {
  const err = e as Error & { cause?: unknown; details?: unknown };
  outputs.push(String(err?.message), String(err?.stack), JSON.stringify(err), JSON.stringify(err?.details ?? null), String((err?.cause as Error)?.message));
  return err;
};

describe("canary", () => {
  it("leaves no trace of any canary anywhere outside ciphertext", async () => {
    const { org, token } = await newOrg("Canary Inc");
    const other = await newOrg("Other Inc");
    const db = await getDb();
    const path = "/api/v1/encryption-keys";

    // Customer key configuration with a canary credential; a rejected one with another canary.
    expect((await api(PUT, { token, path, method: "PUT", body: { kind: "vault_transit", address: "https://vault.example.com", mount: "transit", keyName: "fortress", token: canaries.transitToken } })).status).toBe(200);
    expect((await api(PUT, { token, path, method: "PUT", body: { kind: "aws_kms", keyArn: "arn:aws:kms:nowhere", region: "x", accessKeyId: "AKIA", secretAccessKey: canaries.rejectedKey } })).status).toBe(400);
    expect((await api(PUT, { token, path, method: "PUT", rawBody: `{"kind":"vault_transit","token":"${canaries.rejectedKey}"`, headers: { "content-type": "application/json" } })).status).toBe(400);
    expect((await api(TEST, { token, path: `${path}/test`, method: "POST" })).json.ok).toBe(true);
    expect((await api(GET, { token, path })).json.provider.kind).toBe("vault_transit");

    // A credential stored, used (the callback logs around it, as a connector would), rotated, refused, destroyed.
    const meta = await storeSecret(db, { orgId: org.id, purpose: "connector", type: "api_token", label: "Zendesk", plaintext: Buffer.from(canaries.secret), actor: SYSTEM_ACTOR });
    outputs.push(JSON.stringify(meta));
    const ref = { orgId: org.id, secretId: meta.id };
    const used = await withSecret(ref, "connector", (p) => {
      logger().info({ connector: "zendesk", authorization: `Bearer ${p.toString()}`, bytes: p }, "calling upstream");
      return p.length;
    }, { actor: SYSTEM_ACTOR });
    expect(used).toBe(Buffer.byteLength(canaries.secret));
    outputs.push(JSON.stringify(await rotateSecret(db, ref, Buffer.from(canaries.rotated), { actor: SYSTEM_ACTOR })));
    capture(await withSecret(ref, "pat", () => 1, { actor: SYSTEM_ACTOR }).catch((e) => e));
    capture(await withSecret({ orgId: other.org.id, secretId: meta.id }, "connector", () => 1, { actor: SYSTEM_ACTOR }).catch((e) => e));
    // A failing callback: its error passes through, the plaintext is still zeroed.
    capture(await withSecret(ref, "connector", () => {
      throw new Error("upstream said 401");
    }, { actor: SYSTEM_ACTOR }).catch((e) => e));
    // Tampered blob: refused, audited.
    await db.execute(sql`UPDATE vault_secrets SET blob = set_byte(blob, 40, get_byte(blob, 40) # 1) WHERE id = ${meta.id}::uuid`);
    capture(await withSecret(ref, "connector", () => 1, { actor: SYSTEM_ACTOR }).catch((e) => e));
    // Bank org without a key: refused store.
    await db.update(organisations).set({ tier: "BANK" }).where(eq(organisations.id, other.org.id));
    capture(await storeSecret(db, { orgId: other.org.id, purpose: "pat", type: "anthropic_key", label: "k", plaintext: Buffer.from(canaries.secret), actor: SYSTEM_ACTOR }).catch((e) => e));
    // A sealed archive object.
    const blob = await sealObject({ orgId: org.id, purpose: "archive", objectId: "req-1", plaintext: Buffer.from(canaries.objectBody) });
    expect(await openObject({ orgId: org.id, purpose: "archive", objectId: "req-1", blob }, (p) => p.toString() === canaries.objectBody)).toBe(true);
    const second = await storeSecret(db, { orgId: org.id, purpose: "pat", type: "anthropic_key", label: "Claude", plaintext: Buffer.from(canaries.rotated + "-2"), actor: SYSTEM_ACTOR });
    await destroySecret(db, { orgId: org.id, secretId: second.id }, { actor: SYSTEM_ACTOR });
    await new Promise((r) => setTimeout(r, 50)); // let refusals recorded outside transactions land

    // ——— the scan ———
    const hits: string[] = [];
    const haystacks: [string, string][] = [["logs", logs.join("\n")], ["outputs", outputs.join("\n")]];
    for (const [where, text] of haystacks) {
      for (const [name, value] of Object.entries(canaries)) for (const enc of encodings(value)) if (text.includes(enc)) hits.push(`${where}: ${name} as ${enc}`);
    }
    const columns = (await db.execute(sql`
      SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bytea', 'character')
    `)) as unknown as { rows?: { table_name: string; column_name: string; data_type: string }[] } | { table_name: string; column_name: string; data_type: string }[];
    const cols = Array.isArray(columns) ? columns : columns.rows!;
    expect(cols.length).toBeGreaterThan(20);
    expect(cols.some((c) => c.table_name === "audit_events" && c.column_name === "metadata")).toBe(true);
    expect(cols.some((c) => c.table_name === "change_log" && c.column_name === "after")).toBe(true);
    let scanned = 0;
    for (const c of cols) {
      const t = sql.identifier(c.table_name);
      const col = sql.identifier(c.column_name);
      for (const [name, value] of Object.entries(canaries)) {
        if (c.data_type === "bytea") {
          const r = (await db.execute(sql`SELECT count(*)::int AS n FROM ${t} WHERE position(${Buffer.from(value)}::bytea IN ${col}) > 0`)) as unknown as { rows?: { n: number }[] } | { n: number }[];
          const n = (Array.isArray(r) ? r : r.rows!)[0].n;
          if (n > 0) hits.push(`${c.table_name}.${c.column_name} (bytea): ${name}`);
          scanned++;
          continue;
        }
        for (const enc of encodings(value)) {
          const r = (await db.execute(sql`SELECT count(*)::int AS n FROM ${t} WHERE ${col}::text LIKE ${"%" + enc.replace(/[\\%_]/g, "\\$&") + "%"}`)) as unknown as { rows?: { n: number }[] } | { n: number }[];
          const n = (Array.isArray(r) ? r : r.rows!)[0].n;
          if (n > 0) hits.push(`${c.table_name}.${c.column_name}: ${name} as ${enc}`);
          scanned++;
        }
      }
    }
    expect(scanned).toBeGreaterThan(500);
    expect(hits).toEqual([]);
    // Sanity: the scan would have found them (the canaries did pass through; their metadata is there).
    const audit = (await db.execute(sql`SELECT count(*)::int AS n FROM audit_events WHERE org_id = ${org.id}::uuid AND action LIKE 'vault.%'`)) as unknown as { rows?: { n: number }[] } | { n: number }[];
    expect((Array.isArray(audit) ? audit : audit.rows!)[0].n).toBeGreaterThanOrEqual(8);
    expect(logs.join("\n")).toContain("calling upstream");
    // Positive control: a canary planted (base64) in a text column is found by the same query.
    await db.update(organisations).set({ name: Buffer.from(canaries.secret).toString("base64") }).where(eq(organisations.id, other.org.id));
    const planted = (await db.execute(
      sql`SELECT count(*)::int AS n FROM ${sql.identifier("organisations")} WHERE ${sql.identifier("name")}::text LIKE ${"%" + Buffer.from(canaries.secret).toString("base64").replace(/[\\%_]/g, "\\$&") + "%"}`,
    )) as unknown as { rows?: { n: number }[] } | { n: number }[];
    expect((Array.isArray(planted) ? planted : planted.rows!)[0].n).toBe(1);
  }, 120_000);
});
