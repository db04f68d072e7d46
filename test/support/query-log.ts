// Records the SQL this process sends through drizzle, on Postgres and PGlite alike: every query (root
// handle or transaction, builder or db.execute) is prepared by the driver's session class, whose
// prepareQuery is wrapped here while recording — and the audit append sent on Postgres's hot
// connection (db/hot-connection.ts), which bypasses the session.
import { HotConnection } from "@/db/hot-connection";
import { getDb } from "@/lib/db";

type Prepare = (this: unknown, query: { sql: string }, ...rest: unknown[]) => unknown;

export interface QueryLog {
  /** Runs `fn` and returns its result with the SQL sent meanwhile. */
  during<T>(fn: () => Promise<T>): Promise<{ result: T; sql: string[] }>;
  restore(): void;
}

export async function queryLog(): Promise<QueryLog> {
  const db = (await getDb()) as unknown as { session: object };
  const proto = Object.getPrototypeOf(db.session) as { prepareQuery: Prepare };
  const original = proto.prepareQuery;
  let sink: string[] | null = null;
  proto.prepareQuery = function (this: unknown, query, ...rest) {
    sink?.push(query.sql);
    return original.call(this, query, ...rest);
  };
  const hotQuery = HotConnection.prototype.tryQuery;
  HotConnection.prototype.tryQuery = function (this: HotConnection, config) {
    const sent = hotQuery.call(this, config);
    if (sent) sink?.push(config.text);
    return sent;
  };
  return {
    async during(fn) {
      const sql: string[] = [];
      sink = sql;
      try {
        return { result: await fn(), sql };
      } finally {
        sink = null;
      }
    },
    restore() {
      proto.prepareQuery = original;
      HotConnection.prototype.tryQuery = hotQuery;
    },
  };
}

/** The statements that read `table` (FROM or JOIN). */
export const readsOf = (sql: string[], table: string) => sql.filter((q) => /^\s*select\b/i.test(q) && new RegExp(`\\b(from|join)\\s+"${table}"`, "i").test(q));
