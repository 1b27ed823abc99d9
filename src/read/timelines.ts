import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import type { PostDetails, PostService } from "../domain/posts.ts";
import { type AccountViewer, accountVisibleTo, directOnly, postVisibleTo, listedPublicly, type Viewer, visibleTo } from "../domain/visibility.ts";
import type { Db } from "../storage/db.ts";
import type { AccountRow } from "../storage/schema.ts";

/** One entry of a timeline: a post, or a boost of one. */
export interface TimelineEntry {
  /** Sorts entries and pages them (a post id or a boost id, both UUIDv7). */
  id: string;
  details: PostDetails;
  boostedBy: AccountRow | null;
}

export interface TimelinePage {
  items: TimelineEntry[];
  nextCursor: string | null;
}

export interface PageOptions {
  cursor?: string | null;
  limit?: number;
}

const clampLimit = (n?: number) => Math.min(Math.max(n ?? 20, 1), 100);

/**
 * Timelines are keyset-paged on time-sortable ids, so a page costs the same
 * whether a table holds a thousand posts or a million.
 */
export class TimelineReader {
  constructor(
    private readonly db: Db,
    private readonly posts: PostService,
  ) {}

  async #hydrate(rows: Array<{ entry_id: string; post_id: string; boosted_by: string | null }>, limit: number): Promise<TimelinePage> {
    const page = rows.slice(0, limit);
    const details = await this.posts.detailsMany([...new Set(page.map((r) => r.post_id))]);
    const boosterIds = [...new Set(page.map((r) => r.boosted_by).filter((x): x is string => Boolean(x)))];
    const boosters = boosterIds.length
      ? new Map((await this.db.kysely.selectFrom("accounts").selectAll().where("id", "in", boosterIds).execute()).map((a) => [a.id, a]))
      : new Map<string, AccountRow>();
    const items = page
      .filter((r) => details.has(r.post_id))
      .map((r) => ({ id: r.entry_id, details: details.get(r.post_id)!, boostedBy: r.boosted_by ? (boosters.get(r.boosted_by) ?? null) : null }));
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
      .select(["i.id as entry_id", "i.post_id as post_id", "i.account_id as boosted_by"])
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
    if (opts.cursor) {
      postsQ = postsQ.where("p.id", "<", opts.cursor);
      boostsQ = boostsQ.where("i.id", "<", opts.cursor);
      directQ = directQ.where("p.id", "<", opts.cursor);
    }
    // Each branch is limited on its own index before the merge.
    const [a, b, c] = await Promise.all([
      postsQ.orderBy("p.id", "desc").limit(limit + 1).execute(),
      boostsQ.orderBy("i.id", "desc").limit(limit + 1).execute(),
      directQ.orderBy("p.id", "desc").limit(limit + 1).execute(),
    ]);
    const rows = [...a, ...b, ...c].sort((x, y) => (x.entry_id < y.entry_id ? 1 : -1)).slice(0, limit + 1);
    return this.#hydrate(rows, limit);
  }

  async #publicPosts(viewer: Viewer, filter: (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>, opts: PageOptions): Promise<TimelinePage> {
    const limit = clampLimit(opts.limit);
    let q = this.db.kysely
      .selectFrom("posts as p")
      .select(["p.id as entry_id", "p.id as post_id", sql<string | null>`NULL`.as("boosted_by")])
      .where(listedPublicly())
      .where(visibleTo(viewer, "list"))
      .where(filter)
      .orderBy("p.id", "desc")
      .limit(limit + 1);
    if (opts.cursor) q = q.where("p.id", "<", opts.cursor);
    return this.#hydrate(await q.execute(), limit);
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
    return this.#publicPosts(viewer, (eb) => eb("p.id", "in", k.selectFrom("post_tags").select("post_id").where("tag", "=", tag.toLowerCase().replace(/^#/, ""))), opts);
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
