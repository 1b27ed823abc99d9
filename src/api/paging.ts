import type { Context } from "hono";
import { type Params, str } from "./params.ts";

/**
 * Mastodon's pagination: `max_id` (older than), `since_id` (newer than, the
 * newest first), `min_id` (newer than, right after it), `limit`. Ids are
 * time-sorted (UUIDv7), so they compare as strings.
 */
export interface PageQuery {
  maxId?: string;
  sinceId?: string;
  minId?: string;
  limit: number;
}

const ID = /^[0-9A-Za-z_-]{1,64}$/;

export function pageQuery(p: Params, defaults: { limit: number; max: number } = { limit: 20, max: 40 }): PageQuery {
  const id = (name: string) => {
    const v = str(p[name], name, 64);
    return v && ID.test(v) ? v : undefined;
  };
  // Mastodon clamps limit instead of refusing it.
  const raw = p.limit === undefined || p.limit === "" ? undefined : Number(p.limit);
  const limit = raw === undefined || !Number.isFinite(raw) ? defaults.limit : Math.min(Math.max(Math.trunc(raw), 1), defaults.max);
  return { maxId: id("max_id"), sinceId: id("since_id"), minId: id("min_id"), limit };
}

/**
 * Sets the `Link` header for a page whose items are in newest-first order: `next` pages older
 * (max_id = the last item), `prev` newer (min_id = the first item), keeping the other query parameters.
 */
export function setLinkHeader(c: Context, ids: { first?: string; last?: string }): void {
  if (!ids.first || !ids.last) return;
  const url = new URL(c.req.url);
  const at = (key: string, value: string) => {
    const u = new URL(url);
    for (const k of ["max_id", "since_id", "min_id"]) u.searchParams.delete(k);
    u.searchParams.set(key, value);
    return u.href;
  };
  c.header("Link", `<${at("max_id", ids.last)}>; rel="next", <${at("min_id", ids.first)}>; rel="prev"`);
}
