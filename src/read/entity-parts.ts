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

export const NO_STATS: AccountStats = { statuses: 0, followers: 0, following: 0, lastStatusAt: null };

/**
 * What API entities need beside the posts and accounts themselves, for many at once in a fixed
 * number of queries: account counts, the viewer's bookmarks and pins, reply targets' ids, remix sources.
 */
export class EntityPartsReader {
  constructor(private readonly db: Db) {}

  /** Posts (not deleted), accepted followers and followings, and the newest post's day, per account. Three queries whatever the number of ids. */
  async stats(ids: string[]): Promise<Map<string, AccountStats>> {
    const unique = [...new Set(ids)];
    const out = new Map<string, AccountStats>(unique.map((id) => [id, { ...NO_STATS }]));
    if (unique.length === 0) return out;
    const k = this.db.kysely;
    const [posts, followers, following] = await Promise.all([
      k
        .selectFrom("posts")
        .select(["account_id as id", sql<number>`count(*)`.as("n"), sql<string | null>`max(published_at)`.as("last")])
        .where("account_id", "in", unique)
        .where("deleted_at", "is", null)
        .groupBy("account_id")
        .execute(),
      k
        .selectFrom("follows")
        .select(["following_id as id", sql<number>`count(*)`.as("n")])
        .where("following_id", "in", unique)
        .where("state", "=", "accepted")
        .groupBy("following_id")
        .execute(),
      k
        .selectFrom("follows")
        .select(["follower_id as id", sql<number>`count(*)`.as("n")])
        .where("follower_id", "in", unique)
        .where("state", "=", "accepted")
        .groupBy("follower_id")
        .execute(),
    ]);
    for (const r of posts) Object.assign(out.get(r.id)!, { statuses: Number(r.n), lastStatusAt: r.last ? r.last.slice(0, 10) : null });
    for (const r of followers) out.get(r.id)!.followers = Number(r.n);
    for (const r of following) out.get(r.id)!.following = Number(r.n);
    return out;
  }

  /** Of these posts, those the account bookmarked and those it pinned; two queries. */
  async marks(accountId: string, postIds: string[]): Promise<{ bookmarked: Set<string>; pinned: Set<string> }> {
    if (postIds.length === 0) return { bookmarked: new Set(), pinned: new Set() };
    const k = this.db.kysely;
    const [b, p] = await Promise.all([
      k.selectFrom("bookmarks").select("post_id").where("account_id", "=", accountId).where("post_id", "in", postIds).execute(),
      k.selectFrom("pins").select("post_id").where("account_id", "=", accountId).where("post_id", "in", postIds).execute(),
    ]);
    return { bookmarked: new Set(b.map((r) => r.post_id)), pinned: new Set(p.map((r) => r.post_id)) };
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
