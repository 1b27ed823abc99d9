import { type Expression, type SqlBool, sql } from "kysely";
import type { Db } from "../storage/db.ts";
import type { AccountRow } from "../storage/schema.ts";
import type { PostDetails, PostService } from "./posts.ts";

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
export class TimelineService {
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

  /** You and whom you follow: their posts you may see, and their boosts of public posts. */
  async home(viewer: AccountRow, opts: PageOptions = {}): Promise<TimelinePage> {
    const limit = clampLimit(opts.limit);
    const k = this.db.kysely;
    const authors = k
      .selectFrom("follows")
      .select("following_id as id")
      .where("follower_id", "=", viewer.id)
      .where("state", "=", "accepted")
      .union(k.selectFrom("accounts").select("id").where("id", "=", viewer.id));
    let postsQ = k
      .selectFrom("posts as p")
      .select(["p.id as entry_id", "p.id as post_id", sql<string | null>`NULL`.as("boosted_by")])
      .where("p.account_id", "in", authors)
      .where("p.deleted_at", "is", null)
      .where((eb) =>
        eb.or([
          eb("p.visibility", "in", ["public", "unlisted", "followers"]),
          eb("p.account_id", "=", viewer.id),
          eb.exists(
            eb.selectFrom("post_mentions as pm").select("pm.post_id").whereRef("pm.post_id", "=", "p.id").where("pm.account_id", "=", viewer.id),
          ),
        ]),
      );
    let boostsQ = k
      .selectFrom("interactions as i")
      .innerJoin("posts as p", "p.id", "i.post_id")
      .select(["i.id as entry_id", "i.post_id as post_id", "i.account_id as boosted_by"])
      .where("i.type", "=", "boost")
      .where("i.account_id", "in", authors)
      .where("p.visibility", "in", ["public", "unlisted"])
      .where("p.deleted_at", "is", null);
    // Direct posts that mention you arrive from anyone.
    let directQ = k
      .selectFrom("post_mentions as pm")
      .innerJoin("posts as p", "p.id", "pm.post_id")
      .select(["p.id as entry_id", "p.id as post_id", sql<string | null>`NULL`.as("boosted_by")])
      .where("pm.account_id", "=", viewer.id)
      .where("p.visibility", "=", "direct")
      .where("p.deleted_at", "is", null)
      .where("p.account_id", "not in", authors);
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

  async #publicPosts(filter: (eb: any) => Expression<SqlBool>, opts: PageOptions): Promise<TimelinePage> {
    const limit = clampLimit(opts.limit);
    let q = this.db.kysely
      .selectFrom("posts as p")
      .select(["p.id as entry_id", "p.id as post_id", sql<string | null>`NULL`.as("boosted_by")])
      .where("p.visibility", "=", "public")
      .where("p.deleted_at", "is", null)
      .where(filter)
      .orderBy("p.id", "desc")
      .limit(limit + 1);
    if (opts.cursor) q = q.where("p.id", "<", opts.cursor);
    return this.#hydrate(await q.execute(), limit);
  }

  /** Public posts by local accounts. */
  async local(opts: PageOptions = {}): Promise<TimelinePage> {
    const k = this.db.kysely;
    return this.#publicPosts((eb) => eb("p.account_id", "in", k.selectFrom("accounts").select("id").where("domain", "is", null)), opts);
  }

  /** Every public post this server knows. */
  async federated(opts: PageOptions = {}): Promise<TimelinePage> {
    return this.#publicPosts(() => sql<SqlBool>`1 = 1`, opts);
  }

  async hashtag(tag: string, opts: PageOptions = {}): Promise<TimelinePage> {
    const k = this.db.kysely;
    return this.#publicPosts((eb) => eb("p.id", "in", k.selectFrom("post_tags").select("post_id").where("tag", "=", tag.toLowerCase().replace(/^#/, ""))), opts);
  }

  /** An account's posts and boosts that `viewer` may see (null: anonymous). */
  async profile(account: AccountRow, viewer: AccountRow | null, opts: PageOptions = {}): Promise<TimelinePage> {
    const limit = clampLimit(opts.limit);
    const k = this.db.kysely;
    const isSelf = viewer?.id === account.id;
    const follows = viewer
      ? await k.selectFrom("follows").select("id").where("follower_id", "=", viewer.id).where("following_id", "=", account.id).where("state", "=", "accepted").executeTakeFirst()
      : undefined;
    const visible = isSelf ? ["public", "unlisted", "followers", "direct"] : follows ? ["public", "unlisted", "followers"] : ["public", "unlisted"];
    let q = k
      .selectFrom("posts as p")
      .select(["p.id as entry_id", "p.id as post_id", sql<string | null>`NULL`.as("boosted_by")])
      .where("p.account_id", "=", account.id)
      .where("p.deleted_at", "is", null)
      .where("p.visibility", "in", visible as never)
      .orderBy("p.id", "desc")
      .limit(limit + 1);
    if (opts.cursor) q = q.where("p.id", "<", opts.cursor);
    return this.#hydrate(await q.execute(), limit);
  }

  /**
   * A thread: the ancestors we have (root first, at most `maxDepth`), the post,
   * and its replies we have (breadth first, at most `maxReplies`), each
   * visible to `viewer`.
   */
  async thread(details: PostDetails, viewerIri: string | null, opts: { maxDepth?: number; maxReplies?: number } = {}): Promise<{
    ancestors: PostDetails[];
    post: PostDetails;
    replies: PostDetails[];
  }> {
    const maxDepth = opts.maxDepth ?? 20;
    const maxReplies = opts.maxReplies ?? 200;
    const ancestors: PostDetails[] = [];
    let parentIri = details.post.in_reply_to_iri;
    const seen = new Set([details.post.iri]);
    while (parentIri && ancestors.length < maxDepth && !seen.has(parentIri)) {
      seen.add(parentIri);
      const parent = await this.posts.detailsByIri(parentIri);
      if (!parent || parent.post.deleted_at) break;
      if (await this.posts.canView(parent, viewerIri)) ancestors.unshift(parent);
      parentIri = parent.post.in_reply_to_iri;
    }
    const replies: PostDetails[] = [];
    let frontier = [details.post.iri];
    while (frontier.length && replies.length < maxReplies) {
      const rows = await this.db.kysely
        .selectFrom("posts")
        .select(["id", "iri"])
        .where("in_reply_to_iri", "in", frontier)
        .where("deleted_at", "is", null)
        .orderBy("id")
        .limit(maxReplies - replies.length)
        .execute();
      const found = await this.posts.detailsMany(rows.map((r) => r.id));
      frontier = [];
      for (const r of rows) {
        if (seen.has(r.iri)) continue;
        seen.add(r.iri);
        const d = found.get(r.id);
        if (d && (await this.posts.canView(d, viewerIri))) {
          replies.push(d);
          frontier.push(r.iri);
        }
      }
    }
    return { ancestors, post: details, replies };
  }
}
