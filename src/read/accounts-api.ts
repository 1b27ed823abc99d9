import { type SelectQueryBuilder, sql } from "kysely";
import { ANONYMOUS, accountVisibleTo, listedPublicly, type Purpose, type Viewer, visibleTo } from "../domain/visibility.ts";
import type { Db } from "../storage/db.ts";
import { type KeysetPage as Keyset, keyset, newestFirst } from "../storage/keyset.ts";
import type { AccountRow } from "../storage/schema.ts";

/** A page as the client API asks for one (src/storage/keyset.ts), with its length. */
export interface KeysetPage extends Keyset {
  limit: number;
}

/** An item of a paged list with the id it is paged by (a follow's, block's, like's or bookmark's id). */
export interface Keyed<T> {
  key: string;
  item: T;
}

/** One entry of an account's statuses: its post, or a boost of one by the account. */
export interface AccountStatusEntry {
  entryId: string;
  postId: string;
  boostedAt: string | null;
}

export interface RelationshipFacts {
  following: "none" | "pending" | "accepted";
  followedBy: "none" | "pending" | "accepted";
  blocking: boolean;
  blockedBy: boolean;
  muting: boolean;
  domainBlocking: boolean;
}

type AnyQuery = SelectQueryBuilder<any, any, any>;

/** A LIKE pattern for a prefix (or, with `anywhere`, a substring), its wildcards escaped with `\`. */
const likePattern = (q: string, anywhere = false) => `${anywhere ? "%" : ""}${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The client API's reads about accounts: who an account is to a viewer,
 * relationships, follower and block lists, an account's statuses, likes,
 * bookmarks and searches. Every read that shows an account or a post to
 * someone goes through the visibility rule (src/domain/visibility.ts).
 */
export class AccountApiReader {
  constructor(private readonly db: Db) {}

  /** An account the viewer may see (`single`: a profile opened on purpose; mutes do not hide it). */
  async visible(viewer: Viewer, id: string, purpose: Purpose = "single"): Promise<AccountRow | undefined> {
    return this.db.kysely.selectFrom("accounts as a").selectAll("a").where("a.id", "=", id).where(accountVisibleTo(viewer, "a.id", purpose)).executeTakeFirst();
  }

  /**
   * An account that exists for anyone (not deleted or suspended, not on a
   * blocked domain): what follows, blocks and mutes may act on, even when the
   * viewer blocks it (so that it can be unblocked).
   */
  async actionable(id: string): Promise<AccountRow | undefined> {
    return this.visible(ANONYMOUS, id);
  }

  /** Accounts among `ids` that the viewer may see, in the order given. */
  async visibleMany(viewer: Viewer, ids: string[]): Promise<AccountRow[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const rows = await this.db.kysely.selectFrom("accounts as a").selectAll("a").where("a.id", "in", unique).where(accountVisibleTo(viewer, "a.id", "single")).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return unique.map((id) => byId.get(id)).filter((r): r is AccountRow => Boolean(r));
  }

  /** A local (`domain` null) or known remote account by its handle, when the viewer may see it. */
  async byHandle(viewer: Viewer, username: string, domain: string | null): Promise<AccountRow | undefined> {
    let q = this.db.kysely
      .selectFrom("accounts as a")
      .selectAll("a")
      .where("a.username", "=", username.toLowerCase())
      .where(accountVisibleTo(viewer, "a.id", "single"))
      .orderBy("a.fetched_at", (o) => o.desc().nullsLast())
      .orderBy("a.id", "desc")
      .limit(1);
    q = domain === null ? q.where("a.domain", "is", null).where((eb) => eb.exists(eb.selectFrom("local_users").select("account_id").whereRef("account_id", "=", "a.id"))) : q.where("a.domain", "=", domain.toLowerCase());
    return q.executeTakeFirst();
  }

  /** How the viewer stands with each of these accounts; a fixed number of queries. */
  async relationships(viewerId: string, ids: string[]): Promise<Map<string, RelationshipFacts>> {
    const unique = [...new Set(ids)];
    const out = new Map<string, RelationshipFacts>();
    if (unique.length === 0) return out;
    const k = this.db.kysely;
    const [out1, in1, blocks, mutes] = await Promise.all([
      k.selectFrom("follows").select(["following_id as id", "state"]).where("follower_id", "=", viewerId).where("following_id", "in", unique).execute(),
      k.selectFrom("follows").select(["follower_id as id", "state"]).where("following_id", "=", viewerId).where("follower_id", "in", unique).execute(),
      k
        .selectFrom("blocks")
        .select(["account_id", "target_id"])
        .where((eb) => eb.or([eb.and([eb("account_id", "=", viewerId), eb("target_id", "in", unique)]), eb.and([eb("target_id", "=", viewerId), eb("account_id", "in", unique)])]))
        .execute(),
      k.selectFrom("mutes").select("target_id").where("account_id", "=", viewerId).where("target_id", "in", unique).execute(),
    ]);
    const following = new Map(out1.map((r) => [r.id, r.state]));
    const followedBy = new Map(in1.map((r) => [r.id, r.state]));
    const muted = new Set(mutes.map((r) => r.target_id));
    for (const id of unique) {
      out.set(id, {
        following: following.get(id) ?? "none",
        followedBy: followedBy.get(id) ?? "none",
        blocking: blocks.some((b) => b.account_id === viewerId && b.target_id === id),
        blockedBy: blocks.some((b) => b.account_id === id && b.target_id === viewerId),
        muting: muted.has(id),
        // Pictor has no per-person domain blocks (an instance-wide one hides the account altogether).
        domainBlocking: false,
      });
    }
    return out;
  }

  /** Accepted followers (`followers`) or followings of an account that the viewer may see, paged by follow id. */
  async follows(viewer: Viewer, accountId: string, direction: "followers" | "following", page: KeysetPage): Promise<Array<Keyed<AccountRow>>> {
    const [by, other] = direction === "followers" ? (["f.following_id", "f.follower_id"] as const) : (["f.follower_id", "f.following_id"] as const);
    const q = this.db.kysely
      .selectFrom("follows as f")
      .innerJoin("accounts as a", "a.id", other)
      .selectAll("a")
      .select("f.id as key")
      .where(by, "=", accountId)
      .where("f.state", "=", "accepted")
      .where(accountVisibleTo(viewer, other, "single"));
    return this.#keyed(await keyset(q, "f.id", page, page.limit).execute(), page);
  }

  /** Accounts waiting for `accountId` to answer their follow request, paged by follow id. */
  async followRequests(accountId: string, page: KeysetPage): Promise<Array<Keyed<AccountRow>>> {
    const viewer: Viewer = { kind: "account", id: accountId, isLocal: true };
    const q = this.db.kysely
      .selectFrom("follows as f")
      .innerJoin("accounts as a", "a.id", "f.follower_id")
      .selectAll("a")
      .select("f.id as key")
      .where("f.following_id", "=", accountId)
      .where("f.state", "=", "pending")
      .where(accountVisibleTo(viewer, "f.follower_id", "single"));
    return this.#keyed(await keyset(q, "f.id", page, page.limit).execute(), page);
  }

  async countFollowRequests(accountId: string): Promise<number> {
    const r = await this.db.kysely.selectFrom("follows").select((e) => e.fn.countAll().as("n")).where("following_id", "=", accountId).where("state", "=", "pending").executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The pending follow request of `followerId` to `accountId`, if any. */
  async pendingRequest(accountId: string, followerId: string): Promise<string | undefined> {
    const r = await this.db.kysely
      .selectFrom("follows")
      .select("id")
      .where("following_id", "=", accountId)
      .where("follower_id", "=", followerId)
      .where("state", "=", "pending")
      .executeTakeFirst();
    return r?.id;
  }

  /** The accounts `accountId` blocks or mutes, paged by the block's or mute's id (still listed when they are hidden otherwise). */
  async blocksOrMutes(table: "blocks" | "mutes", accountId: string, page: KeysetPage): Promise<Array<Keyed<AccountRow>>> {
    const q = this.db.kysely
      .selectFrom(`${table} as r` as "blocks as r")
      .innerJoin("accounts as a", "a.id", "r.target_id")
      .selectAll("a")
      .select("r.id as key")
      .where("r.account_id", "=", accountId)
      .where("a.deleted_at", "is", null);
    return this.#keyed(await keyset(q, "r.id", page, page.limit).execute(), page);
  }

  #keyed(rows: Array<AccountRow & { key: string }>, page: KeysetPage): Array<Keyed<AccountRow>> {
    return newestFirst(page, rows).map(({ key, ...account }) => ({ key, item: account as AccountRow }));
  }

  /**
   * An account's statuses the viewer may see, newest first: its posts and
   * (unless excluded, or when only media, tagged or pinned ones are asked
   * for) its boosts of posts the viewer may see.
   */
  async statuses(
    viewer: Viewer,
    accountId: string,
    opts: { onlyMedia?: boolean; excludeReplies?: boolean; excludeReblogs?: boolean; tagged?: string; pinned?: boolean },
    page: KeysetPage,
  ): Promise<AccountStatusEntry[]> {
    const k = this.db.kysely;
    let posts = k
      .selectFrom("posts as p")
      .select(["p.id as entryId", "p.id as postId", sql<string | null>`NULL`.as("boostedAt")])
      .where("p.account_id", "=", accountId)
      .where(visibleTo(viewer, "single"));
    if (opts.onlyMedia) posts = posts.where((eb) => eb.exists(eb.selectFrom("media as m").select("m.id").whereRef("m.post_id", "=", "p.id")));
    if (opts.excludeReplies) {
      // Replies go, except to the account's own posts (its threads), as Mastodon keeps them.
      posts = posts.where((eb) => eb.or([eb("p.in_reply_to_iri", "is", null), eb("p.in_reply_to_iri", "in", k.selectFrom("posts as own").select("own.iri").where("own.account_id", "=", accountId))]));
    }
    if (opts.tagged) posts = posts.where("p.id", "in", k.selectFrom("post_tags").select("post_id").where("tag", "=", opts.tagged.toLowerCase().replace(/^#/, "")));
    if (opts.pinned) posts = posts.where("p.id", "in", k.selectFrom("pins").select("post_id").where("account_id", "=", accountId));
    const withBoosts = !opts.excludeReblogs && !opts.onlyMedia && !opts.tagged && !opts.pinned;
    const [a, b] = await Promise.all([
      keyset(posts, "p.id", page, page.limit).execute(),
      withBoosts
        ? keyset(
            k
              .selectFrom("interactions as i")
              .innerJoin("posts as p", "p.id", "i.post_id")
              .select(["i.id as entryId", "i.post_id as postId", "i.created_at as boostedAt"])
              .where("i.account_id", "=", accountId)
              .where("i.type", "=", "boost")
              .where(visibleTo(viewer, "list")),
            "i.id",
            page,
            page.limit,
          ).execute()
        : Promise.resolve([]),
    ]);
    const merged = [...a, ...b].sort((x, y) => (x.entryId < y.entryId ? 1 : x.entryId > y.entryId ? -1 : 0));
    // Both branches hold the page's best rows; the merge keeps `limit` of them from the right end.
    return page.minId ? merged.slice(-page.limit) : merged.slice(0, page.limit);
  }

  /** Posts the viewer liked (`like`) or bookmarked and may still see, paged by the like's or bookmark's id. */
  async saved(viewer: Extract<Viewer, { kind: "account" }>, kind: "like" | "bookmark", page: KeysetPage): Promise<Array<Keyed<string>>> {
    const k = this.db.kysely;
    const rows =
      kind === "like"
        ? await keyset(
            k
              .selectFrom("interactions as s")
              .innerJoin("posts as p", "p.id", "s.post_id")
              .select(["s.id as key", "s.post_id as postId"])
              .where("s.account_id", "=", viewer.id)
              .where("s.type", "=", "like")
              .where(visibleTo(viewer, "single")),
            "s.id",
            page,
            page.limit,
          ).execute()
        : await keyset(
            k
              .selectFrom("bookmarks as s")
              .innerJoin("posts as p", "p.id", "s.post_id")
              .select(["s.id as key", "s.post_id as postId"])
              .where("s.account_id", "=", viewer.id)
              .where(visibleTo(viewer, "single")),
            "s.id",
            page,
            page.limit,
          ).execute();
    return newestFirst(page, rows).map((r) => ({ key: r.key, item: r.postId }));
  }

  /**
   * Accounts whose username (or `user@domain` handle) starts with the query,
   * or whose display name contains it, that the viewer may see: local ones
   * first, then by username. `following` keeps those the viewer follows.
   */
  async searchAccounts(viewer: Viewer, query: string, opts: { limit: number; offset: number; following?: boolean }): Promise<AccountRow[]> {
    const q = query.trim().replace(/^@/, "");
    if (!q) return [];
    const [user, domain] = q.includes("@") ? q.split("@", 2) : [q, undefined];
    let s = this.db.kysely
      .selectFrom("accounts as a")
      .selectAll("a")
      .where(accountVisibleTo(viewer, "a.id", "single"));
    if (domain !== undefined) {
      s = s.where(sql<boolean>`lower(a.username) like ${likePattern(user)} escape '\\'`);
      if (domain) s = s.where(sql<boolean>`lower(coalesce(a.domain, '')) like ${likePattern(domain)} escape '\\'`);
    } else {
      s = s.where((eb) =>
        eb.or([sql<boolean>`lower(a.username) like ${likePattern(user)} escape '\\'`, sql<boolean>`lower(a.display_name) like ${likePattern(user, true)} escape '\\'`]),
      );
    }
    if (opts.following && viewer.kind === "account") {
      s = s.where("a.id", "in", this.db.kysely.selectFrom("follows").select("following_id").where("follower_id", "=", viewer.id).where("state", "=", "accepted"));
    }
    return s
      .orderBy(sql`case when a.domain is null then 0 else 1 end`)
      .orderBy(sql`case when lower(a.username) = ${user.toLowerCase()} then 0 else 1 end`)
      .orderBy("a.username")
      .orderBy("a.id")
      .limit(opts.limit)
      .offset(opts.offset)
      .execute();
  }

  /**
   * Statuses whose text contains the query, among those the viewer wrote,
   * liked, bookmarked or was mentioned in (Mastodon's search without a full
   * text index), that the viewer may still see; newest first.
   */
  async searchStatuses(viewer: Extract<Viewer, { kind: "account" }>, query: string, opts: { limit: number; offset: number; accountId?: string }): Promise<string[]> {
    const q = query.trim();
    if (!q) return [];
    const k = this.db.kysely;
    const v = viewer.id;
    let s = k
      .selectFrom("posts as p")
      .select("p.id")
      .where((eb) =>
        eb.or([
          eb("p.account_id", "=", v),
          eb("p.id", "in", k.selectFrom("interactions").select("post_id").where("account_id", "=", v).where("type", "=", "like")),
          eb("p.id", "in", k.selectFrom("bookmarks").select("post_id").where("account_id", "=", v)),
          eb("p.id", "in", k.selectFrom("post_mentions").select("post_id").where("account_id", "=", v)),
        ]),
      )
      .where((eb) =>
        eb.or([
          sql<boolean>`lower(coalesce(p.caption, '')) like ${likePattern(q, true)} escape '\\'`,
          sql<boolean>`lower(p.content_html) like ${likePattern(q, true)} escape '\\'`,
          sql<boolean>`lower(coalesce(p.summary, '')) like ${likePattern(q, true)} escape '\\'`,
        ]),
      )
      .where(visibleTo(viewer, "single"));
    if (opts.accountId) s = s.where("p.account_id", "=", opts.accountId);
    const rows = await s.orderBy("p.id", "desc").limit(opts.limit).offset(opts.offset).execute();
    return rows.map((r) => r.id);
  }

  /** A stored post by its IRI or page URL, as an id (the caller checks that the viewer may see it). */
  async postIdByUrl(url: string): Promise<string | undefined> {
    const r = await this.db.kysely
      .selectFrom("posts")
      .select("id")
      .where((eb) => eb.or([eb("iri", "=", url), eb("url", "=", url)]))
      .limit(1)
      .executeTakeFirst();
    return r?.id;
  }

  /** Hashtags of public posts anyone may see that start with the prefix, most used first. */
  async searchTags(prefix: string, opts: { limit: number; offset: number }): Promise<string[]> {
    const q = prefix.trim().replace(/^#/, "").toLowerCase();
    if (!q || !/^[\p{L}\p{N}_]+$/u.test(q)) return [];
    const rows = await this.db.kysely
      .selectFrom("post_tags as t")
      .innerJoin("posts as p", "p.id", "t.post_id")
      .select(["t.tag", (e) => e.fn.countAll().as("uses")])
      .where(sql<boolean>`t.tag like ${likePattern(q)} escape '\\'`)
      .where(listedPublicly())
      .where(visibleTo(ANONYMOUS, "list"))
      .groupBy("t.tag")
      .orderBy(sql`case when t.tag = ${q} then 0 else 1 end`)
      .orderBy("uses", "desc")
      .orderBy("t.tag")
      .limit(opts.limit)
      .offset(opts.offset)
      .execute();
    return rows.map((r) => r.tag);
  }

  /** The number of other servers this one knows accounts on. */
  async domainCount(): Promise<number> {
    const r = await this.db.kysely
      .selectFrom("accounts")
      .select(sql<number>`count(distinct domain)`.as("n"))
      .where("domain", "is not", null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
