// The audit append's own Postgres connection (db/hot-connection.ts): its statement is on the socket
// before the work queued after it starts, and a connection that is busy, still opening or broken
// is never waited for: the pool takes the statement instead.
import net from "node:net";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { HotConnection } from "@/db/hot-connection";
import { SYSTEM_ACTOR } from "@/lib/context";
import { getDb } from "@/lib/db";
import { storeSecret, withSecret } from "@/lib/vault";
import { eventually } from "./support/pat-setup";
import { newOrg } from "./helpers";

const url = process.env.DATABASE_URL;
const actor = SYSTEM_ACTOR;

describe.skipIf(!url)("hot connection for the audit append (Postgres)", () => {
  it("a call made alongside its audit events starts only after their statement is on the socket", async () => {
    const db = await getDb();
    const { org } = await newOrg();
    const meta = await storeSecret(db, { orgId: org.id, purpose: "connector", type: "api_token", label: "Zendesk", plaintext: Buffer.from(`t_${randomUUID()}`), actor });
    const companion = () => ({ event: { orgId: org.id, product: "mcp" as const, actor, action: "tools/call", decision: "allow" as const }, alongside: true });
    const use = (fn: () => void) => withSecret({ orgId: org.id, secretId: meta.id }, "connector", fn, { actor, companion: companion() });
    // The hot connection opens on first use and is skipped while busy (a background write of this
    // process may hold it): look at a use whose statement did take it, and at the order of writes.
    const port = Number(new URL(url!).port || 5432);
    const tryQuery = HotConnection.prototype.tryQuery;
    const write = net.Socket.prototype.write;
    let order: string[] = [];
    let hot = false;
    HotConnection.prototype.tryQuery = function (this: HotConnection, config) {
      const sent = tryQuery.call(this, config);
      if (sent) hot = true;
      return sent;
    };
    net.Socket.prototype.write = function (this: net.Socket, ...args: unknown[]) {
      if (this.remotePort === port) order.push("postgres");
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof write;
    try {
      await eventually(async () => {
        order = [];
        hot = false;
        await use(() => void order.push("call"));
        return hot;
      });
    } finally {
      net.Socket.prototype.write = write;
      HotConnection.prototype.tryQuery = tryQuery;
    }
    expect(order[0]).toBe("postgres");
    expect(order).toContain("call");
  });

  it("is skipped while opening or busy, and replaced after the server ends it", async () => {
    const name = `fortress-test-hot-${randomUUID().slice(0, 8)}`;
    let opened = 0;
    const hot = new HotConnection(async () => {
      const client = new pg.Client({ connectionString: url, application_name: name });
      await client.connect();
      opened++;
      return client;
    });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      expect(hot.tryQuery({ text: "select 1 as one" })).toBeNull(); // still opening: the pool answers
      let first: ReturnType<HotConnection["tryQuery"]> = null;
      await eventually(() => (first = hot.tryQuery({ text: "select pg_sleep(0.2), 1 as one" })) !== null);
      expect(hot.tryQuery({ text: "select 1 as one" })).toBeNull(); // busy: not queued behind it
      await expect(first).resolves.toMatchObject({ rows: [{ one: 1 }] });
      // The server ends the connection: it is dropped (no unhandled error) and a new one is opened.
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1", [name]);
      await eventually(async () => {
        const r = hot.tryQuery({ text: "select 2 as two" });
        return r !== null && (await r.then((x) => x.rows[0].two === 2, () => false));
      });
      expect(opened).toBe(2);
    } finally {
      await hot.close();
      await admin.end();
    }
  });
});
