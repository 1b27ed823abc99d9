import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import type { PostDetails, PostService } from "../domain/posts.ts";
import { type AccountViewer, accountVisibleTo, directOnly, listedPublicly, postVisibleTo, type Viewer, visibleTo } from "../domain/visibility.ts";
import type { Db } from "../storage/db.ts";
import { keyset, keysetBounds } from "../storage/keyset.ts";
import type { AccountRow } from "../storage/schema.ts";

/** One entry of a timeline: a post, or a boost of one. */
export interface TimelineEntry {
  /** Sorts entries and pages them (a post id or a boost id, both UUIDv7). */
  id: string;
  details: PostDetails;
  boostedBy: AccountRow | null;
  /** When the boost was made (boosts only). */
  boostedAt?: string;
}

export interface TimelinePage {
  items: TimelineEntry[];
  nextCursor: string | null;
}

export interface PageOptions {
  /** Entries older than this id (the web app's cursor; the same as `maxId`). */
  cursor?: string | null;
  /** Entries older than this id (Mastodon's `max_id`). */
  maxId?: string | null;
  /** Entries newer than this id, the newest of them first (Mastodon's `since_id`). */
  sinceId?: string | null;
  /** Entries newer than this id, the ones right after it (returned newest first; Mastodon's `min_id`). */
  minId?: string | null;
  limit?: number;
}

/** Which public posts a public or hashtag timeline shows (Mastodon's `local`, `remote`, `only_media`). */
export interface PublicFilter {
  local?: boolean;
  remote?: boolean;
  onlyMedia?: boolean;
}

/** A hashtag timeline's tags beyond the first: any of (`any`), all of (`all`), none of (`none`). */
export interface TagFilter extends PublicFilter {
  any?: string[];
  all?: string[];
  none?: string[];
}

const clampLimit = (n?: number) => Math.min(Math.max(n ?? 20, 1), 100);
const normalTag = (tag: string) => tag.toLowerCase().replace(/^#/, "");

/** Merges branch results into one page's rows, newest first (the extra row says whether more exist). */
function merge<R extends { entry_id: string }>(opts: PageOptions, limit: number, ...branches: R[][]): R[] {
  const all = branches.flat();
  if (keysetBounds(opts).ascending) {
    // min_id: the `limit` entries right after it, then newest first; "more" lies newer, so no next cursor.
    return all.sort((x, y) => (x.entry_id < y.entry_id ? -1 : 1)).slice(0, limit).reverse();
  }
  return all.sort((x, y) => (x.entry_id < y.entry_id ? 1 : -1)).slice(0, limit + 1);
}

/**
 * Timelines are keyset-paged on time-sortable ids, so a page costs the same
 * whether a table holds a thousand posts or a million.
 */
export class TimelineReader {
  constructor(
    private readonly db: Db,
    private readonly posts: PostService,
  ) {}

  async #hydrate(rows: Array<{ entry_id: string; post_id: string; boosted_by: string | null; boosted_at?: string }>, limit: number): Promise<TimelinePage> {
    const page = rows.slice(0, limit);
    const details = await this.posts.detailsMany([...new Set(page.map((r) => r.post_id))]);
    const boosterIds = [...new Set(page.map((r) => r.boosted_by).filter((x): x is string => Boolean(x)))];
    const boosters = boosterIds.length
      ? new Map((await this.db.kysely.selectFrom("accounts").selectAll().where("id", "in", boosterIds).execute()).map((a) => [a.id, a]))
      : new Map<string, AccountRow>();
    const items = page
      .filter((r) => details.has(r.post_id))
      .map((r) => ({
        id: r.entry_id,
        details: details.get(r.post_id)!,
        boostedBy: r.boosted_by ? (boosters.get(r.boosted_by) ?? null) : null,
        ...(r.boosted_by && r.boosted_at ? { boostedAt: r.boosted_at } : {}),
      }));
    return { items, nextCursor: rows.length > limit ? page[page.length - 1].entry_id : null };
  }

  /** You and whom you follow: their posts and boosts you may see, and direct posts that mention you. */
  async home(viewer: AccountViewer, opts: PageOptions = {}): Promise<TimelinePage> {
    const limit = clampLimit(opts.limit);
    const k = this.db.kysely;
    // The followed authors the viewer may see, checked once here rather than on every post.
    const authors = k
      .selectFrom("follows as f")
      .select("f.following_id as id")
      .where("f.follower_id", "=", viewer.id)
      .where("f.state", "=", "accepted")
      .where(accountVisibleTo(viewer, "f.following_id", "list"))
      .union(k.selectFrom("accounts as me").select("me.id").where("me.id", "=", viewer.id).where(accountVisibleTo(viewer, "me.id", "list")));
    let postsQ = k
      .selectFrom("posts as p")
      .select(["p.id as entry_id", "p.id as post_id", sql<string | null>`NULL`.as("boosted_by")])
      .where("p.account_id", "in", authors)
      .where(postVisibleTo(viewer));
    let boostsQ = k
      .selectFrom("interactions as i")
      .innerJoin("posts as p", "p.id", "i.post_id")
      .select(["i.id as entry_id", "i.post_id as post_id", "i.account_id as boosted_by", "i.created_at as boosted_at"])
      .where("i.type", "=", "boost")
      .where("i.account_id", "in", authors)
      .where(visibleTo(viewer, "list"));
    // Direct posts that mention you arrive from anyone.
    let directQ = k
      .selectFrom("post_mentions as pm")
      .innerJoin("posts as p", "p.id", "pm.post_id")
      .select(["p.id as entry_id", "p.id as post_id", sql<string | null>`NULL`.as("boosted_by")])
      .where("pm.account_id", "=", viewer.id)
      .where(directOnly())
      .where("p.account_id", "not in", authors)
      .where(visibleTo(viewer, "list"));
    postsQ = keyset(postsQ, "p.id", opts, limit + 1);
    boostsQ = keyset(boostsQ, "i.id", opts, limit + 1);
    directQ = keyset(directQ, "p.id", opts, limit + 1);
    // Each branch is limited on its own index before the merge.
    const [a, b, c] = await Promise.all([postsQ.execute(), boostsQ.execute(), directQ.execute()]);
    return this.#hydrate(merge(opts, limit, a, b, c), limit);
  }

  async #publicPosts(viewer: Viewer, filter: (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>, opts: PageOptions): Promise<TimelinePage> {
    const limit = clampLimit(opts.limit);
    let q = this.db.kysely
      .selectFrom("posts as p")
      .select(["p.id as entry_id", "p.id as post_id", sql<string | null>`NULL`.as("boosted_by")])
      .where(listedPublicly())
      .where(visibleTo(viewer, "list"))
      .where(filter);
    q = keyset(q, "p.id", opts, limit + 1);
    return this.#hydrate(merge(opts, limit, await q.execute()), limit);
  }

  /** Which authors and posts a public filter keeps (over posts aliased `p`). */
  #publicFilter(f: PublicFilter) {
    const k = this.db.kysely;
    return (eb: ExpressionBuilder<any, any>): Expression<SqlBool> => {
      const parts: Expression<SqlBool>[] = [];
      if (f.local && !f.remote) parts.push(eb("p.account_id", "in", k.selectFrom("accounts").select("id").where("domain", "is", null)));
      if (f.remote && !f.local) parts.push(eb("p.account_id", "in", k.selectFrom("accounts").select("id").where("domain", "is not", null)));
      if (f.onlyMedia) parts.push(eb("p.id", "in", k.selectFrom("media").select("post_id").where("post_id", "is not", null)));
      return parts.length ? eb.and(parts) : sql<SqlBool>`1 = 1`;
    };
  }

  /** The public timeline as Mastodon serves it: every public post, or only local or remote ones, or only those with media. */
  async public(viewer: Viewer, filter: PublicFilter = {}, opts: PageOptions = {}): Promise<TimelinePage> {
    return this.#publicPosts(viewer, this.#publicFilter(filter), opts);
  }

  /** Public posts with a tag (and any of, all of, none of further tags), filtered as `public` is. */
  async tagged(viewer: Viewer, tag: string, filter: TagFilter = {}, opts: PageOptions = {}): Promise<TimelinePage> {
    const k = this.db.kysely;
    const anyOf = [...new Set([tag, ...(filter.any ?? [])].map(normalTag))];
    const allOf = [...new Set((filter.all ?? []).map(normalTag))];
    const noneOf = [...new Set((filter.none ?? []).map(normalTag))];
    const base = this.#publicFilter(filter);
    return this.#publicPosts(
      viewer,
      (eb) =>
        eb.and([
          base(eb),
          eb("p.id", "in", k.selectFrom("post_tags").select("post_id").where("tag", "in", anyOf)),
          ...allOf.map((t) => eb("p.id", "in", k.selectFrom("post_tags").select("post_id").where("tag", "=", t))),
          ...(noneOf.length ? [eb("p.id", "not in", k.selectFrom("post_tags").select("post_id").where("tag", "in", noneOf))] : []),
        ]),
      opts,
    );
  }

  /** Public posts by local accounts. */
  async local(viewer: Viewer, opts: PageOptions = {}): Promise<TimelinePage> {
    const k = this.db.kysely;
    return this.#publicPosts(viewer, (eb) => eb("p.account_id", "in", k.selectFrom("accounts").select("id").where("domain", "is", null)), opts);
  }

  /** Every public post this server knows. */
  async federated(viewer: Viewer, opts: PageOptions = {}): Promise<TimelinePage> {
    return this.#publicPosts(viewer, () => sql<SqlBool>`1 = 1`, opts);
  }

  async hashtag(viewer: Viewer, tag: string, opts: PageOptions = {}): Promise<TimelinePage> {
    const k = this.db.kysely;
    return this.#publicPosts(viewer, (eb) => eb("p.id", "in", k.selectFrom("post_tags").select("post_id").where("tag", "=", normalTag(tag))), opts);
  }

  /** One boost as a timeline entry, when the viewer may see it in a list (the booster and the boosted post). */
  async boost(viewer: Viewer, interactionId: string): Promise<TimelineEntry | undefined> {
    const row = await this.db.kysely
      .selectFrom("interactions as i")
      .innerJoin("posts as p", "p.id", "i.post_id")
      .select(["i.id as entry_id", "i.post_id as post_id", "i.account_id as boosted_by", "i.created_at as boosted_at"])
      .where("i.id", "=", interactionId)
      .where("i.type", "=", "boost")
      .where(accountVisibleTo(viewer, "i.account_id", "list"))
      .where(visibleTo(viewer, "list"))
      .executeTakeFirst();
    return row ? (await this.#hydrate([row], 1)).items[0] : undefined;
  }

  /**
   * Which of these accounts have an author on their home timeline (the author, or accepted
   * followers): whom a new post or boost of theirs may reach live. Visibility is checked apart.
   */
  async homeAudience(authorId: string, accountIds: string[]): Promise<Set<string>> {
    const ids = [...new Set(accountIds)];
    if (ids.length === 0) return new Set();
    const rows = await this.db.kysely
      .selectFrom("follows")
      .select("follower_id")
      .where("following_id", "=", authorId)
      .where("state", "=", "accepted")
      .where("follower_id", "in", ids)
      .execute();
    const out = new Set(rows.map((r) => r.follower_id));
    if (ids.includes(authorId)) out.add(authorId);
    return out;
  }

  /** An account's posts that the viewer may see (a profile grid: mutes do not hide what one opens on purpose). */
  async profile(viewer: Viewer, account: AccountRow, opts: PageOptions = {}): Promise<TimelinePage> {
    const limit = clampLimit(opts.limit);
    let q = this.db.kysely
      .selectFrom("posts as p")
      .select(["p.id as entry_id", "p.id as post_id", sql<string | null>`NULL`.as("boosted_by")])
      .where("p.account_id", "=", account.id)
      .where(visibleTo(viewer, "single"))
      .orderBy("p.id", "desc")
      .limit(limit + 1);
    if (opts.cursor) q = q.where("p.id", "<", opts.cursor);
    return this.#hydrate(await q.execute(), limit);
  }
}
