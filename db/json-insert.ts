// Many rows inserted through ONE parameter: the rows as a JSON array, unpacked by Postgres with
// jsonb_to_recordset. drizzle's own multi-row insert binds every value as its own parameter and
// maps each through the column's type on the way (30 columns × a window of rows on the PAT hot
// path cost more CPU than the statement itself); here the column list and types are read once
// from the table definition.
import { getTableColumns, getTableName, sql, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

interface Column {
  name: string;
  getSQLType(): string;
}

const plans = new WeakMap<PgTable, Map<string, { name: string; type: string }>>();

function plan(table: PgTable): Map<string, { name: string; type: string }> {
  let p = plans.get(table);
  if (!p) {
    p = new Map(Object.entries(getTableColumns(table)).map(([key, col]) => [key, { name: (col as Column).name, type: (col as Column).getSQLType() }]));
    plans.set(table, p);
  }
  return p;
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/**
 * INSERT INTO table (the rows' columns) SELECT … FROM jsonb_to_recordset($1). Every row must have
 * the same keys (those of the first row; property names as in the drizzle table). Dates go as ISO
 * strings; undefined and null are NULL (no column defaults: give every value).
 */
export function insertRowsAsJson<T extends PgTable>(table: T, rows: T["$inferInsert"][]): SQL {
  if (rows.length === 0) throw new Error("insertRowsAsJson: no rows");
  const columns = plan(table);
  const keys = Object.keys(rows[0]);
  const defs = keys.map((k) => {
    const c = columns.get(k);
    if (!c) throw new Error(`insertRowsAsJson: ${getTableName(table)} has no column ${k}`);
    return c;
  });
  const records = rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const v = (row as Record<string, unknown>)[keys[i]];
      out[defs[i].name] = v instanceof Date ? v.toISOString() : (v ?? null);
    }
    return out;
  });
  const names = defs.map((d) => quote(d.name)).join(", ");
  const types = defs.map((d) => `${quote(d.name)} ${d.type}`).join(", ");
  return sql`INSERT INTO ${sql.raw(quote(getTableName(table)))} (${sql.raw(names)}) SELECT ${sql.raw(names)} FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS r(${sql.raw(types)})`;
}
