// Keyset (cursor) pagination, newest first. A cursor is the (created_at, id) of the last row of a
// page, base64url-encoded; it is opaque to clients and checked like any other input.
import { z } from "zod";
import { FortressError } from "../errors";

export interface Cursor {
  t: Date;
  id: string;
}

export const ZPageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ t: c.t.toISOString(), id: c.id })).toString("base64url");
}

export function decodeCursor(raw: string | undefined): Cursor | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    const t = new Date(v.t);
    if (typeof v.id !== "string" || !/^[0-9a-f-]{36}$/i.test(v.id) || Number.isNaN(t.getTime())) throw new Error();
    return { t, id: v.id };
  } catch {
    throw new FortressError("invalid_request", "cursor: not a cursor returned by this API");
  }
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** Given limit+1 rows, trims to `limit` and computes the next cursor. */
export function toPage<R extends { createdAt: Date; id: string }, T>(rows: R[], limit: number, map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { data: page.map(map), next_cursor: more && last ? encodeCursor({ t: last.createdAt, id: last.id }) : null };
}
