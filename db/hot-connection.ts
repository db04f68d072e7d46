// One extra Postgres connection, beside the pool, for the hottest one-statement write: the audit
// append every governed request waits for. Through the pool, a statement waits a tick for a
// connection (pg-pool hands one over on process.nextTick), behind whatever the caller queued
// meanwhile: for a PAT request, the upstream call's set-up. On a connection of its own it is on the
// socket before the caller's next line runs, so the commit — the longer of the two — starts first.
//
// Only a shortcut: while it is connecting, busy with the previous statement, or gone, the caller
// uses the pool as before. Any error drops it (a new one is opened on a later call), so a broken
// connection is never reused.
import type { Client, QueryConfig, QueryResult } from "pg";

/** The hot connection's application_name (pg_stat_activity). */
export const HOT_CONNECTION_NAME = "fortress-audit-append";

export class HotConnection {
  private client: Client | null = null;
  private opening: Promise<void> | null = null;
  private busy = false;
  private closed = false;

  constructor(private readonly open: () => Promise<Client>) {}

  /** Sends the query now on the hot connection, or returns null: then the caller uses the pool. */
  tryQuery(config: QueryConfig): Promise<QueryResult> | null {
    if (this.closed) return null;
    const client = this.client;
    if (!client) {
      this.connect();
      return null;
    }
    if (this.busy) return null;
    this.busy = true;
    return client.query(config).then(
      (result) => {
        this.busy = false;
        return result;
      },
      (err: unknown) => {
        this.busy = false;
        this.drop(client);
        throw err;
      },
    );
  }

  private connect(): void {
    if (this.opening) return;
    this.opening = this.open()
      .then((client) => {
        // A connection the server closes while idle emits "error": never an unhandled one.
        client.on("error", () => this.drop(client));
        client.on("end", () => this.drop(client));
        if (this.closed) return void client.end().catch(() => {});
        this.client = client;
      })
      .catch(() => {}) // no hot connection for now; the pool answers (and reports a real outage)
      .finally(() => {
        this.opening = null;
      });
  }

  private drop(client: Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => {});
  }

  /** Ends the hot connection; one still being opened is ended when it opens. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}
