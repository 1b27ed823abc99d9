import { sql } from "kysely";
import type { Db } from "../storage/db.ts";

/** What an account entity counts. */
export interface AccountStats {
  statuses: number;
  followers: number;
  following: number;
  /** The day of its newest post (YYYY-MM-DD), as Mastodon gives it. */
  lastStatusAt: string | null;
}

/** How long counts read for an account are reused in one process. */
export const STATS_TTL_MS = 5_000;
const STATS_CACHE_MAX = 20_000;

export const NO_STATS: AccountStats = { statuses: 0, followers: 0, following: 0, lastStatusAt: null };

/**
 * What API entities need beside the posts and accounts themselves, for many at once in a fixed
 * number of queries: account counts, the viewer's bookmarks and pins, reply targets' ids, remix sources.
 */
export class EntityPartsReader {
  constructor(private readonly db: Db) {}

  /** Counts read in the last few seconds, by account id (a bounded, per-process cache). */
  readonly #recent = new Map<string, { at: number; stats: AccountStats }>();

  /**
   * Posts (not deleted), accepted followers and followings, and the newest post's day, per
   * account: one query whatever the number of ids. Counts are kept for STATS_TTL_MS in this
   * process (a count a few seconds old is what Mastodon's own counters give too), so a busy
   * timeline does not count the same prolific accounts on every request.
   */
  async stats(ids: string[], now = Date.now()): Promise<Map<string, AccountStats>> {
    const unique = [...new Set(ids)];
    const out = new Map<string, AccountStats>();
    const missing: string[] = [];
    for (const id of unique) {
      const hit = this.#recent.get(id);
      if (hit && now - hit.at < STATS_TTL_MS) out.set(id, { ...hit.stats });
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    for (const id of missing) out.set(id, { ...NO_STATS });
    const k = this.db.kysely;
    const rows = await k
      .selectFrom("posts")
      .select(["account_id as id", sql<string>`'s'`.as("kind"), sql<number>`count(*)`.as("n"), sql<string | null>`max(published_at)`.as("last")])
      .where("account_id", "in", missing)
      .where("deleted_at", "is", null)
      .groupBy("account_id")
      .unionAll(
        k
          .selectFrom("follows")
          .select(["following_id as id", sql<string>`'f'`.as("kind"), sql<number>`count(*)`.as("n"), sql<string | null>`NULL`.as("last")])
          .where("following_id", "in", missing)
          .where("state", "=", "accepted")
          .groupBy("following_id"),
      )
      .unionAll(
        k
          .selectFrom("follows")
          .select(["follower_id as id", sql<string>`'g'`.as("kind"), sql<number>`count(*)`.as("n"), sql<string | null>`NULL`.as("last")])
          .where("follower_id", "in", missing)
          .where("state", "=", "accepted")
          .groupBy("follower_id"),
      )
      .execute();
    for (const r of rows) {
      const s = out.get(r.id)!;
      if (r.kind === "s") Object.assign(s, { statuses: Number(r.n), lastStatusAt: r.last ? r.last.slice(0, 10) : null });
      else if (r.kind === "f") s.followers = Number(r.n);
      else s.following = Number(r.n);
    }
    if (this.#recent.size > STATS_CACHE_MAX) this.#recent.clear();
    for (const id of missing) this.#recent.set(id, { at: now, stats: { ...out.get(id)! } });
    return out;
  }

  /** Drops the counts kept for these accounts (this process changed them: a follow, a post). */
  forget(...ids: string[]): void {
    for (const id of ids) this.#recent.delete(id);
  }

  /** Of these posts, those the account bookmarked and those it pinned; one query. */
  async marks(accountId: string, postIds: string[]): Promise<{ bookmarked: Set<string>; pinned: Set<string> }> {
    const bookmarked = new Set<string>();
    const pinned = new Set<string>();
    if (postIds.length === 0) return { bookmarked, pinned };
    const k = this.db.kysely;
    const rows = await k
      .selectFrom("bookmarks")
      .select(["post_id", sql<string>`'b'`.as("kind")])
      .where("account_id", "=", accountId)
      .where("post_id", "in", postIds)
      .unionAll(k.selectFrom("pins").select(["post_id", sql<string>`'p'`.as("kind")]).where("account_id", "=", accountId).where("post_id", "in", postIds))
      .execute();
    for (const r of rows) (r.kind === "b" ? bookmarked : pinned).add(r.post_id);
    return { bookmarked, pinned };
  }

  /** The local ids and authors of stored posts, by IRI (for `in_reply_to_id`); one query. */
  async postIdsByIri(iris: string[]): Promise<Map<string, { id: string; accountId: string }>> {
    const unique = [...new Set(iris)];
    if (unique.length === 0) return new Map();
    const rows = await this.db.kysely.selectFrom("posts").select(["id", "iri", "account_id"]).where("iri", "in", unique).execute();
    return new Map(rows.map((r) => [r.iri, { id: r.id, accountId: r.account_id }]));
  }

  /** The post each of these posts remixes (its images were made from another post's image), by post id; one query. */
  async remixSources(postIds: string[]): Promise<Map<string, string>> {
    if (postIds.length === 0) return new Map();
    const rows = await this.db.kysely
      .selectFrom("media as m")
      .innerJoin("generation_jobs as j", "j.id", "m.job_id")
      .innerJoin("media as src", "src.id", "j.source_media_id")
      .select(["m.post_id as post_id", "src.post_id as source_post_id"])
      .where("m.post_id", "in", postIds)
      .where("src.post_id", "is not", null)
      .execute();
    return new Map(rows.filter((r) => r.post_id && r.source_post_id && r.post_id !== r.source_post_id).map((r) => [r.post_id!, r.source_post_id!]));
  }
}
