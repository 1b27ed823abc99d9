import { sql } from "kysely";

/**
 * Keyset paging on a time-sortable id column, as the Mastodon API pages:
 * older than `maxId` (or the web app's `cursor`), newer than `sinceId` (the
 * newest of them first) or right after `minId` (the oldest newer ones, read
 * ascending and handed back newest first). Ids are UUIDv7 and compare as
 * strings. The one place these rules live, for read models and services.
 */
export interface KeysetPage {
  cursor?: string | null;
  maxId?: string | null;
  sinceId?: string | null;
  minId?: string | null;
}

/** The bounds of a page: below the lowest upper bound, above the highest lower one; ascending after `minId`. */
export function keysetBounds(page: KeysetPage): { below?: string; above?: string; ascending: boolean } {
  const below = [page.cursor, page.maxId].filter((x): x is string => Boolean(x)).sort()[0];
  const above = [page.sinceId, page.minId].filter((x): x is string => Boolean(x)).sort().at(-1);
  return { below, above, ascending: Boolean(page.minId) };
}

/** Applies a page's bounds to a query on `column`, ordered (descending, or ascending after `minId`) and limited to `limit` rows. */
export function keyset<Q extends { where: any; orderBy: any; limit: any }>(q: Q, column: string, page: KeysetPage, limit: number): Q {
  const b = keysetBounds(page);
  const col = sql.ref(column);
  let out: any = q;
  if (b.below) out = out.where(col, "<", b.below);
  if (b.above) out = out.where(col, ">", b.above);
  return out.orderBy(col, b.ascending ? "asc" : "desc").limit(limit);
}

/** The rows of a page newest first, whichever way they were read. */
export function newestFirst<T>(page: KeysetPage, rows: T[]): T[] {
  return page.minId ? [...rows].reverse() : rows;
}
