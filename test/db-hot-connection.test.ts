// The audit append's own Postgres connection (db/hot-connection.ts): its statement is on the socket
// before the work queued after it starts, and a connection that is busy, still opening or broken
// is never waited for: the pool takes the statement instead.
import net from "node:net";
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
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

  it("an idle pooled connection the server ends is reported and replaced, never an uncaught error", async () => {
    const name = `fortress-test-pool-${randomUUID().slice(0, 8)}`;
    const u = new URL(url!);
    u.searchParams.set("application_name", name);
    const errors: Error[] = [];
    const handle = await openDatabase({ url: u.toString(), dataDir: "memory://", poolSize: 2, onIdleError: (e) => errors.push(e) });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await handle.db.execute(sql`select 1`);
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1", [name]);
      await eventually(() => errors.length > 0);
      const again = (await handle.db.execute(sql`select 2 as two`)) as unknown as { rows: { two: number }[] };
      expect(again.rows[0].two).toBe(2);
    } finally {
      await admin.end();
      await handle.close();
    }
    // close() returns once the pool's connections are gone, not only told to go.
    const left = await (async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query("select count(*)::int as n from pg_stat_activity where application_name = $1", [name])).rows[0].n as number;
      } finally {
        await c.end();
      }
    })();
    expect(left).toBe(0);
  });
});
