import type { PostDetails, PostService } from "../domain/posts.ts";
import { accountVisibleTo, ANONYMOUS, listedPublicly, type Viewer, type VisibilityRules, visibleTo } from "../domain/visibility.ts";
import type { Db } from "../storage/db.ts";
import { type KeysetPage, keyset, newestFirst } from "../storage/keyset.ts";
import type { AccountRow } from "../storage/schema.ts";
import { nowIso } from "../storage/time.ts";

/** One post as a viewer may find it: visible, gone (deleted, and they could have seen it), or nothing at all. */
export type PostLookup = { kind: "visible"; details: PostDetails } | { kind: "gone"; details: PostDetails } | { kind: "none" };

export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
}

const clamp = (n: number | undefined, fallback: number) => Math.min(Math.max(n ?? fallback, 1), 100);

/**
 * The read side of posts: every read takes a viewer and goes through the
 * visibility rule, so a post someone may not see answers exactly like one
 * that does not exist. Commands (PostService) keep their own unchecked loads.
 */
export class PostReader {
  constructor(
    private readonly db: Db,
    private readonly posts: PostService,
    private readonly rules: VisibilityRules,
  ) {}

  async #judge(viewer: Viewer, details: PostDetails | undefined): Promise<PostLookup> {
    if (!details) return { kind: "none" };
    if (await this.rules.check(viewer, details)) return { kind: "visible", details };
    // A deleted post answers "gone" only to those who could have seen it.
    if (details.post.deleted_at && (await this.rules.check(viewer, { ...details, post: { ...details.post, deleted_at: null } }))) {
      return { kind: "gone", details };
    }
    return { kind: "none" };
  }

  /** A post by id, with what it takes to tell "gone" from "no such post". */
  lookup(viewer: Viewer, id: string): Promise<PostLookup> {
    return this.posts.details(id).then((d) => this.#judge(viewer, d));
  }

  lookupByIri(viewer: Viewer, iri: string): Promise<PostLookup> {
    return this.posts.detailsByIri(iri).then((d) => this.#judge(viewer, d));
  }

  /** A post the viewer may see, by id; undefined otherwise (missing, deleted or hidden alike). */
  async get(viewer: Viewer, id: string): Promise<PostDetails | undefined> {
    const found = await this.lookup(viewer, id);
    return found.kind === "visible" ? found.details : undefined;
  }

  async getByIri(viewer: Viewer, iri: string): Promise<PostDetails | undefined> {
    const found = await this.lookupByIri(viewer, iri);
    return found.kind === "visible" ? found.details : undefined;
  }

  /**
   * A thread around a visible post: the ancestors the viewer may see (root
   * first, at most `maxDepth`) and the replies they may see (breadth first, at
   * most `maxReplies`). A hidden reply hides its own replies too.
   */
  async thread(viewer: Viewer, details: PostDetails, opts: { maxDepth?: number; maxReplies?: number } = {}): Promise<{
    ancestors: PostDetails[];
    post: PostDetails;
    replies: PostDetails[];
  }> {
    const maxDepth = opts.maxDepth ?? 20;
    const maxReplies = opts.maxReplies ?? 200;
    const chain: PostDetails[] = [];
    let parentIri = details.post.in_reply_to_iri;
    const seen = new Set([details.post.iri]);
    while (parentIri && chain.length < maxDepth && !seen.has(parentIri)) {
      seen.add(parentIri);
      const parent = await this.posts.detailsByIri(parentIri);
      if (!parent || parent.post.deleted_at) break;
      chain.unshift(parent);
      parentIri = parent.post.in_reply_to_iri;
    }
    const ancestors = await this.rules.filter(viewer, chain, "single");
    const replies: PostDetails[] = [];
    let frontier = [details.post.iri];
    while (frontier.length && replies.length < maxReplies) {
      const rows = await this.db.kysely
        .selectFrom("posts as p")
        .select(["p.id", "p.iri"])
        .where("p.in_reply_to_iri", "in", frontier)
        .where(visibleTo(viewer, "list"))
        .orderBy("p.id")
        .limit(maxReplies - replies.length)
        .execute();
      const found = await this.posts.detailsMany(rows.map((r) => r.id));
      frontier = [];
      for (const r of rows) {
        if (seen.has(r.iri)) continue;
        seen.add(r.iri);
        const d = found.get(r.id);
        if (d) {
          replies.push(d);
          frontier.push(r.iri);
        }
      }
    }
    return { ancestors, post: details, replies };
  }

  /**
   * The posts that `items` quote and the viewer may see, by IRI (for quote
   * cards), in a fixed number of queries whatever the number of items.
   */
  async quotedBy(viewer: Viewer, items: PostDetails[]): Promise<Map<string, PostDetails>> {
    const iris = [...new Set(items.map((d) => d.post.quote_iri).filter((i): i is string => Boolean(i)))];
    if (iris.length === 0) return new Map();
    const rows = await this.db.kysely.selectFrom("posts").select("id").where("iri", "in", iris).execute();
    const found = await this.posts.detailsMany(rows.map((r) => r.id));
    const visible = await this.rules.filter(viewer, [...found.values()], "single");
    return new Map(visible.map((d) => [d.post.iri, d]));
  }

  /** One page of posts from `limit + 1` ids (the extra one says whether there is a next page). */
  async #page(rows: Array<{ id: string }>, limit: number): Promise<Paged<PostDetails>> {
    const page = rows.slice(0, limit);
    const found = await this.posts.detailsMany(page.map((r) => r.id));
    return { items: page.map((r) => found.get(r.id)).filter((d): d is PostDetails => Boolean(d)), nextCursor: rows.length > limit ? page[page.length - 1].id : null };
  }

  /** Direct replies to a post that the viewer may see, oldest first (the `replies` collection). */
  async replies(viewer: Viewer, iri: string, opts: { cursor?: string | null; limit?: number } = {}): Promise<Paged<PostDetails>> {
    const limit = clamp(opts.limit, 20);
    let q = this.db.kysely
      .selectFrom("posts as p")
      .select("p.id")
      .where("p.in_reply_to_iri", "=", iri)
      .where(visibleTo(viewer, "list"))
      .orderBy("p.id")
      .limit(limit + 1);
    if (opts.cursor) q = q.where("p.id", ">", opts.cursor);
    return this.#page(await q.execute(), limit);
  }

  async countReplies(viewer: Viewer, iri: string): Promise<number> {
    const r = await this.db.kysely
      .selectFrom("posts as p")
      .select((e) => e.fn.countAll().as("n"))
      .where("p.in_reply_to_iri", "=", iri)
      .where(visibleTo(viewer, "list"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** An account's posts the viewer may see, newest first (the outbox, to anonymous viewers). */
  async byAccount(viewer: Viewer, accountId: string, opts: { cursor?: string | null; limit?: number } = {}): Promise<Paged<PostDetails>> {
    const limit = clamp(opts.limit, 20);
    let q = this.db.kysely
      .selectFrom("posts as p")
      .select("p.id")
      .where("p.account_id", "=", accountId)
      .where(visibleTo(viewer, "single"))
      .orderBy("p.id", "desc")
      .limit(limit + 1);
    if (opts.cursor) q = q.where("p.id", "<", opts.cursor);
    return this.#page(await q.execute(), limit);
  }

  async countByAccount(viewer: Viewer, accountId: string): Promise<number> {
    const r = await this.db.kysely
      .selectFrom("posts as p")
      .select((e) => e.fn.countAll().as("n"))
      .where("p.account_id", "=", accountId)
      .where(visibleTo(viewer, "single"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * The accounts that liked or boosted a post, newest first, that the viewer
   * may see (blocks apply), paged by the interaction's id (time-sorted):
   * `maxId` older than, `minId`/`sinceId` newer than.
   */
  async interactors(
    viewer: Viewer,
    postId: string,
    type: "like" | "boost",
    page: KeysetPage & { limit: number },
  ): Promise<Array<{ id: string; account: AccountRow }>> {
    const q = this.db.kysely
      .selectFrom("interactions as i")
      .innerJoin("accounts as a", "a.id", "i.account_id")
      .selectAll("a")
      .select("i.id as interaction_id")
      .where("i.post_id", "=", postId)
      .where("i.type", "=", type)
      .where(accountVisibleTo(viewer, "i.account_id", "single"));
    const rows = newestFirst(page, await keyset(q, "i.id", page, page.limit).execute());
    return rows.map(({ interaction_id, ...account }) => ({ id: interaction_id, account }));
  }

  /** The hashtags of the most public posts in the last `days` days: how many posts used each, and how many people. */
  async trendingTags(limit = 10, days = 7): Promise<Array<{ tag: string; uses: number; people: number }>> {
    const since = nowIso(new Date(Date.now() - days * 86400_000));
    const rows = await this.db.kysely
      .selectFrom("post_tags as t")
      .innerJoin("posts as p", "p.id", "t.post_id")
      .select(["t.tag", (e) => e.fn.countAll().as("uses"), (e) => e.fn.count("p.account_id").distinct().as("people")])
      .where(visibleTo(ANONYMOUS, "list"))
      .where(listedPublicly())
      .where("p.published_at", ">", since)
      .groupBy("t.tag")
      .orderBy("uses", "desc")
      .orderBy("t.tag")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ tag: r.tag, uses: Number(r.uses), people: Number(r.people) }));
  }
}

