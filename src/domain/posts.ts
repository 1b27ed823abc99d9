import { countedReplies, countsAsReply, VISIBILITIES } from "./visibility.ts";
import { type Kysely, sql, type Transaction } from "kysely";
import type { Db } from "../storage/db.ts";
import type { AccountRow, Database, MediaRow, PostRow, Visibility } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import type { LocalUrls } from "../urls.ts";
import { DomainError, invalid, notFound } from "./errors.ts";
import type { DomainEvents } from "./events.ts";
import { type QuoteState, quoteStateOf, recountQuotes } from "./quote-state.ts";
import { parseCaption, renderCaption } from "./text.ts";

export { VISIBILITIES };
/** The advisory-lock space (first key) of reply counts on PostgreSQL. */
const REPLY_COUNT_LOCKS = 0x5052;
export const MAX_MEDIA = 4;
export const MAX_ALT = 1500;
export const MAX_CAPTION = 5000;
export const MAX_SUMMARY = 500;

/** A post with everything needed to show or federate it. */
export interface PostDetails {
  post: PostRow;
  author: AccountRow;
  media: MediaRow[];
  tags: string[];
  mentions: AccountRow[];
}

/** What deciding about a post needs (who wrote it, who may see it), without its media and tags. */
export type PostRef = Pick<PostDetails, "post" | "author" | "mentions">;

export interface NewPostInput {
  caption?: string;
  /** Ids of the author's own generated media, not yet posted, in display order. */
  mediaIds: string[];
  /** Alt text per image; a missing one defaults to the image's prompt. */
  alts?: Array<string | undefined | null>;
  summary?: string | null;
  sensitive?: boolean;
  visibility?: Visibility;
  showPrompt?: boolean;
  inReplyTo?: string | null;
  quote?: string | null;
  /**
   * A client's Idempotency-Key: a repeat by the same author within
   * `IDEMPOTENCY_TTL_MS` returns the post made the first time instead of a second one.
   */
  idempotencyKey?: string | null;
}

export interface PostEdit {
  caption?: string;
  alts?: Array<string | undefined | null>;
  /** Alt text and focal point by image id (the client API's `media_attributes`); ids not in the post are refused. */
  media?: Array<{ id: string; alt?: string | null; focus?: string | null }>;
  summary?: string | null;
  sensitive?: boolean;
  showPrompt?: boolean;
}

/** A post's earlier version (its text before an edit), oldest first in `PostService.edits`. */
export interface PostVersion {
  contentHtml: string;
  caption: string | null;
  summary: string | null;
  sensitive: boolean;
  /** The alt texts of its images then, in order. */
  alts: string[];
  /** When this version was written (the post's publication, or the edit that made it). */
  createdAt: string;
}

/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_MS = 60 * 60 * 1000;

/** A remote post as it arrives, already sanitized by the federation mappers. */
export interface RemotePost {
  iri: string;
  url: string | null;
  contentHtml: string;
  summary: string | null;
  sensitive: boolean;
  visibility: Visibility;
  inReplyTo: string | null;
  quote: string | null;
  /** The stamp the Note names (`quoteAuthorization`), kept only once verified. */
  quoteAuthorization?: string | null;
  /** What verifying the quote found (federation/quotes.ts); pending when not given. */
  quoteState?: QuoteState | null;
  publishedAt: string;
  updatedAt: string | null;
  attachments: Array<{ url: string; mediaType: string; width: number | null; height: number | null; alt: string }>;
  tags: string[];
  mentionIris: string[];
}

/** Finds accounts named in captions; remote lookups happen outside any transaction. */
export interface MentionResolver {
  resolve(username: string, host: string | null): Promise<AccountRow | null>;
}

/** The alt text an image gets: what the author wrote; else its prompt, but only when the prompt is shown. */
export function altFor(written: string | null | undefined, prompt: string | null, showPrompt: boolean): string {
  if (written) return written;
  return showPrompt ? (prompt ?? "") : "";
}

/**
 * The alt text to show or send for an image. With the prompt hidden, an alt
 * text that is just the prompt (filled in while it was shown) is not used.
 */
export function publicAlt(m: Pick<MediaRow, "alt" | "prompt">, showPrompt: boolean): string {
  if (!showPrompt && m.prompt && m.alt.trim() === m.prompt.trim()) return "";
  return m.alt;
}

/**
 * Whom a reply addresses besides those its caption names, as Mastodon's
 * composer does: the parent's author and the accounts the parent mentions,
 * never the replier. They are stored as the reply's mentions, so they may see
 * it and are notified, and the Note tags and addresses them.
 */
function replyAudience(parent: PostRef, replier: AccountRow): AccountRow[] {
  return [parent.author, ...parent.mentions].filter((a) => a.id !== replier.id && !a.deleted_at);
}

/** A remote post's quote columns: a stamp is kept only once verified (accepted, or revoked later). */
function remoteQuoteColumns(input: RemotePost): { quote_iri: string | null; quote_state: QuoteState | null; quote_authorization_iri: string | null } {
  if (!input.quote) return { quote_iri: null, quote_state: null, quote_authorization_iri: null };
  const state = input.quoteState ?? "pending";
  return { quote_iri: input.quote, quote_state: state, quote_authorization_iri: state === "accepted" ? (input.quoteAuthorization ?? null) : null };
}

/** Accounts without repeats, first occurrence kept. */
function uniqueAccounts(...lists: AccountRow[][]): AccountRow[] {
  return [...new Map(lists.flat().map((a) => [a.id, a])).values()];
}

function checkText(value: string | null | undefined, max: number, what: string): string | null {
  if (value == null) return null;
  const v = value.trim();
  if (v.length > max) throw invalid(`${what} must be at most ${max} characters`);
  return v === "" ? null : v;
}

export class PostService {
  constructor(
    private readonly db: Db,
    private readonly urls: LocalUrls,
    private readonly events: DomainEvents,
    private readonly mentions: MentionResolver,
  ) {}

  async #render(caption: string) {
    const parts = parseCaption(caption);
    const resolved = new Map<string, AccountRow>();
    for (const m of parts.mentions.slice(0, 20)) {
      const host = m.host === this.urls.host.toLowerCase() ? null : m.host;
      const account = await this.mentions.resolve(m.username, host).catch(() => null);
      if (account) resolved.set(`${m.username}@${m.host ?? ""}`, account);
    }
    const html = renderCaption(caption, {
      mention: (username, host) => {
        const a = resolved.get(`${username}@${host ?? ""}`);
        return a ? { href: a.url ?? a.iri, username: a.username } : null;
      },
      tag: (tag) => this.urls.tag(tag).href,
    });
    return { html, tags: parts.tags, mentions: [...new Map([...resolved.values()].map((a) => [a.id, a])).values()] };
  }

  async create(author: AccountRow, input: NewPostInput): Promise<PostDetails> {
    const key = input.idempotencyKey || null;
    if (!key) return this.#create(author, input, null);
    const earlier = await this.#byIdempotencyKey(author.id, key);
    if (earlier) return earlier;
    try {
      return await this.#create(author, input, key);
    } catch (error) {
      // The same request, sent twice at once: the one that lost answers with the one that won.
      const won = await this.#byIdempotencyKey(author.id, key);
      if (won) return won;
      throw error;
    }
  }

  /** The post an author made with this Idempotency-Key within the last hour, if any. */
  async #byIdempotencyKey(accountId: string, key: string): Promise<PostDetails | undefined> {
    const since = nowIso(new Date(Date.now() - IDEMPOTENCY_TTL_MS));
    const row = await this.db.kysely
      .selectFrom("idempotency_keys")
      .select("post_id")
      .where("account_id", "=", accountId)
      .where("key", "=", key)
      .where("created_at", ">", since)
      .executeTakeFirst();
    return row?.post_id ? this.details(row.post_id) : undefined;
  }

  async #create(author: AccountRow, input: NewPostInput, idempotencyKey: string | null): Promise<PostDetails> {
    if (author.domain !== null) throw invalid("Only local accounts post here");
    const visibility = input.visibility ?? "public";
    if (!VISIBILITIES.includes(visibility)) throw invalid(`Visibility must be one of ${VISIBILITIES.join(", ")}`);
    const ids = [...new Set(input.mediaIds)];
    // Posts are images; a reply (a comment, from an app or a page) may be words alone.
    if (ids.length > MAX_MEDIA || (ids.length < 1 && !input.inReplyTo)) throw invalid(`A post has 1 to ${MAX_MEDIA} images (a reply may have none)`);
    if (ids.length === 0 && !(input.caption ?? "").trim()) throw invalid("A reply without images needs text");
    if (ids.length !== input.mediaIds.length) throw invalid("The same image is attached twice");
    const caption = checkText(input.caption ?? "", MAX_CAPTION, "The caption") ?? "";
    const summary = checkText(input.summary, MAX_SUMMARY, "The content warning");
    const alts = (input.alts ?? []).map((a) => checkText(a, MAX_ALT, "Alt text"));
    const showPrompt = input.showPrompt !== false;
    // No `IN ()` for a reply without images: PostgreSQL refuses the empty list.
    const media = ids.length ? await this.db.kysely.selectFrom("media").selectAll().where("id", "in", ids).execute() : [];
    for (const id of ids) {
      const m = media.find((x) => x.id === id);
      if (!m || m.account_id !== author.id) throw invalid(`Image ${id} is not one of yours`);
      if (m.post_id) throw invalid(`Image ${id} is already posted`);
      if (!m.file_key) throw invalid(`Image ${id} is not ready yet`);
    }
    // Mentions may need remote lookups: do them before the transaction.
    const rendered = await this.#render(caption);
    const parent = input.inReplyTo ? await this.detailsByIri(input.inReplyTo) : undefined;
    const mentions = uniqueAccounts(rendered.mentions, parent ? replyAudience(parent, author) : []);
    const id = newId();
    const now = nowIso();
    const post = {
      id,
      iri: this.urls.post(author.username, id).href,
      account_id: author.id,
      url: this.urls.postPage(author.username, id).href,
      caption,
      content_html: rendered.html,
      summary,
      sensitive: input.sensitive || summary ? 1 : 0,
      visibility,
      show_prompt: showPrompt ? 1 : 0,
      in_reply_to_iri: input.inReplyTo ?? null,
      quote_iri: input.quote ?? null,
      // Asked for once published (federation/quotes.ts): accepted or rejected at once for a local post.
      quote_state: input.quote ? ("pending" as const) : null,
      published_at: now,
      updated_at: null,
      deleted_at: null,
      created_at: now,
    };
    return this.events.transaction(this.db, async (trx, stage) => {
      await trx.insertInto("posts").values(post).execute();
      if (idempotencyKey) {
        // A key older than its hour is free again; a key in use fails the insert (and the whole post).
        const expired = nowIso(new Date(Date.now() - IDEMPOTENCY_TTL_MS));
        await trx.deleteFrom("idempotency_keys").where("account_id", "=", author.id).where("key", "=", idempotencyKey).where("created_at", "<=", expired).execute();
        await trx.insertInto("idempotency_keys").values({ account_id: author.id, key: idempotencyKey, post_id: id, created_at: now }).execute();
      }
      for (const [position, mediaId] of ids.entries()) {
        const m = media.find((x) => x.id === mediaId)!;
        const r = await trx
          .updateTable("media")
          // Without alt text here, the description given to the image before (the client API's) stands.
          .set({ post_id: id, position, alt: altFor(alts[position] ?? (m.alt || null), m.prompt, showPrompt) })
          .where("id", "=", mediaId)
          .where("post_id", "is", null)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw invalid(`Image ${mediaId} is already posted`);
      }
      if (rendered.tags.length) await trx.insertInto("post_tags").values(rendered.tags.map((tag) => ({ post_id: id, tag }))).execute();
      if (mentions.length) {
        await trx.insertInto("post_mentions").values(mentions.map((a) => ({ post_id: id, account_id: a.id }))).execute();
      }
      const details = (await this.#detailsIn(trx, id))!;
      // A local reply counts on its parent as a remote one does. Last, so the parent's lock is held only to the commit.
      if (post.in_reply_to_iri && countsAsReply(visibility)) {
        await this.#lockReplyCounts(trx, [post.in_reply_to_iri]);
        await this.#countReply(trx, post.in_reply_to_iri, 1);
      }
      stage("post.published", details);
      return details;
    });
  }

  async edit(author: AccountRow, postId: string, edit: PostEdit): Promise<PostDetails> {
    const current = await this.details(postId);
    if (!current || current.post.deleted_at) throw notFound("Post");
    if (current.post.account_id !== author.id) throw new DomainError(403, "Only the author can edit a post", "forbidden");
    const caption = edit.caption !== undefined ? (checkText(edit.caption, MAX_CAPTION, "The caption") ?? "") : current.post.caption ?? "";
    const summary = edit.summary !== undefined ? checkText(edit.summary, MAX_SUMMARY, "The content warning") : current.post.summary;
    const byId = new Map((edit.media ?? []).map((m) => [m.id, m]));
    for (const id of byId.keys()) if (!current.media.some((m) => m.id === id)) throw invalid(`Image ${id} is not in this post`);
    const alts = edit.media
      ? current.media.map((m) => (byId.get(m.id)?.alt !== undefined ? (checkText(byId.get(m.id)?.alt, MAX_ALT, "Alt text") ?? "") : undefined))
      : edit.alts?.map((a) => checkText(a, MAX_ALT, "Alt text"));
    const focuses = current.media.map((m) => byId.get(m.id)?.focus);
    const showPrompt = edit.showPrompt === undefined ? current.post.show_prompt === 1 : edit.showPrompt;
    const rendered = await this.#render(caption);
    // A reply keeps addressing whom it answers (all it mentioned, when its parent is gone).
    const parentIri = current.post.in_reply_to_iri;
    const parent = parentIri ? await this.detailsByIri(parentIri) : undefined;
    const mentions = uniqueAccounts(rendered.mentions, parent ? replyAudience(parent, author) : parentIri ? current.mentions : []);
    const now = nowIso();
    return this.events.transaction(this.db, async (trx, stage) => {
      // The version this edit replaces, for the post's history.
      await trx
        .insertInto("post_edits")
        .values({
          id: newId(),
          post_id: postId,
          content_html: current.post.content_html,
          caption: current.post.caption,
          summary: current.post.summary,
          sensitive: current.post.sensitive,
          media_alts: JSON.stringify(current.media.map((m) => publicAlt(m, current.post.show_prompt === 1))),
          created_at: now,
        })
        .execute();
      await trx
        .updateTable("posts")
        .set({
          caption,
          content_html: rendered.html,
          summary,
          sensitive: (edit.sensitive ?? current.post.sensitive === 1) || summary ? 1 : 0,
          show_prompt: showPrompt ? 1 : 0,
          updated_at: now,
        })
        .where("id", "=", postId)
        .execute();
      for (const [i, m] of current.media.entries()) {
        // A hidden prompt never stays behind as alt text.
        const alt = alts?.[i] !== undefined ? altFor(alts[i], m.prompt, showPrompt) : publicAlt(m, showPrompt);
        if (alt !== m.alt) await trx.updateTable("media").set({ alt }).where("id", "=", m.id).execute();
        if (focuses[i] !== undefined && focuses[i] !== m.focus) await trx.updateTable("media").set({ focus: focuses[i] ?? null }).where("id", "=", m.id).execute();
      }
      await trx.deleteFrom("post_tags").where("post_id", "=", postId).execute();
      if (rendered.tags.length) await trx.insertInto("post_tags").values(rendered.tags.map((tag) => ({ post_id: postId, tag }))).execute();
      await trx.deleteFrom("post_mentions").where("post_id", "=", postId).execute();
      if (mentions.length) {
        await trx.insertInto("post_mentions").values(mentions.map((a) => ({ post_id: postId, account_id: a.id }))).execute();
      }
      const details = (await this.#detailsIn(trx, postId))!;
      stage("post.updated", details);
      return details;
    });
  }

  /** A post's earlier versions, oldest first (the current one is the post itself). */
  async edits(post: Pick<PostRow, "id" | "published_at">): Promise<PostVersion[]> {
    const rows = await this.db.kysely.selectFrom("post_edits").selectAll().where("post_id", "=", post.id).orderBy("id").execute();
    return rows.map((r, i) => {
      let alts: string[] = [];
      try {
        const parsed = JSON.parse(r.media_alts);
        if (Array.isArray(parsed)) alts = parsed.map((a) => (typeof a === "string" ? a : ""));
      } catch {
        // an unreadable list: no alt texts
      }
      return {
        contentHtml: r.content_html,
        caption: r.caption,
        summary: r.summary,
        sensitive: r.sensitive === 1,
        alts,
        createdAt: i === 0 ? post.published_at : rows[i - 1].created_at,
      };
    });
  }

  /** Deletes a post: it leaves a tombstone (410) and a Delete goes to everyone who got it. */
  async delete(author: AccountRow, postId: string): Promise<void> {
    const current = await this.details(postId);
    if (!current || current.post.deleted_at) throw notFound("Post");
    if (current.post.account_id !== author.id) throw new DomainError(403, "Only the author can delete a post", "forbidden");
    const now = nowIso();
    await this.events.transaction(this.db, async (trx, stage) => {
      await this.#lockReplyCounts(trx, [current.post.in_reply_to_iri]);
      const r = await trx.updateTable("posts").set({ deleted_at: now }).where("id", "=", postId).where("deleted_at", "is", null).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return; // deleted meanwhile
      if (current.post.in_reply_to_iri && countsAsReply(current.post.visibility)) await this.#countReply(trx, current.post.in_reply_to_iri, -1);
      await recountQuotes(trx, current.post.quote_iri);
      stage("post.deleted", { ...current, post: { ...current.post, deleted_at: now } });
    });
  }

  /**
   * Stores a post that arrived from its author's server. Keyed by the Note's
   * IRI: a repeat changes nothing. Returns null when it was already known.
   */
  async receiveRemote(author: AccountRow, input: RemotePost): Promise<PostDetails | null> {
    if (author.domain === null) throw invalid("Remote posts come from remote accounts");
    if (await this.knows(input.iri)) return null;
    const mentioned = input.mentionIris.length
      ? await this.db.kysely.selectFrom("accounts").select("id").where("iri", "in", input.mentionIris.slice(0, 50)).execute()
      : [];
    const id = newId();
    const now = nowIso();
    return this.events.transaction(this.db, async (trx, stage) => {
      const rows = await trx
        .insertInto("posts")
        .values({
          id,
          iri: input.iri,
          account_id: author.id,
          url: input.url,
          caption: null,
          content_html: input.contentHtml,
          summary: input.summary,
          sensitive: input.sensitive ? 1 : 0,
          visibility: input.visibility,
          show_prompt: 0,
          in_reply_to_iri: input.inReplyTo,
          ...remoteQuoteColumns(input),
          published_at: input.publishedAt,
          updated_at: input.updatedAt,
          deleted_at: null,
          created_at: now,
        })
        .onConflict((oc) => oc.column("iri").doNothing())
        .returning("id")
        .execute();
      if (rows.length === 0) return null;
      await this.#replaceRemoteParts(trx, id, author.id, input, mentioned.map((m) => m.id));
      await recountQuotes(trx, input.quote);
      // Quotes may arrive before the post they quote, too (the new row needs no lock).
      await recountQuotes(trx, input.iri, { lock: false });
      let details = (await this.#detailsIn(trx, id))!;
      // The reply counts last: a popular parent's lock is then held only from here to the commit, not
      // across the whole transaction (every reply to it waits for that lock). Taken before either
      // count is read or moved, it still makes a reply and its parent stored at once see each other.
      await this.#lockReplyCounts(trx, [input.iri, input.inReplyTo]);
      if (input.inReplyTo && countsAsReply(input.visibility)) await this.#countReply(trx, input.inReplyTo, 1);
      // Replies may arrive before their parent (a thread fetched later, deliveries out of order): start from those stored.
      const early = await trx
        .selectFrom("posts as p")
        .select((e) => e.fn.countAll().as("n"))
        .where("p.in_reply_to_iri", "=", input.iri)
        .where(countedReplies())
        .executeTakeFirstOrThrow();
      if (Number(early.n) > 0) {
        await trx.updateTable("posts").set({ replies_count: Number(early.n) }).where("id", "=", id).execute();
        details = { ...details, post: { ...details.post, replies_count: Number(early.n) } };
      }
      stage("post.received", details);
      return details;
    });
  }

  /**
   * Applies an edit from the author's server; older or unchanged versions are
   * ignored (Mastodon's rule: no newer `updated`, no change) — except for the
   * quote: an Update without a newer `updated` may still add a quote or carry
   * its approval (Mastodon 4.5 sends such an "implicit update" once a quote is
   * accepted; Hollo adds `quote` and `quoteAuthorization` to a post sent
   * earlier without them). An implicit update never removes a quote.
   */
  async updateRemote(author: AccountRow, input: RemotePost): Promise<PostDetails | null> {
    const current = await this.detailsByIri(input.iri);
    if (!current || current.post.account_id !== author.id || current.post.deleted_at) return null;
    const explicit = Boolean(input.updatedAt) && (!current.post.updated_at || Date.parse(current.post.updated_at) < Date.parse(input.updatedAt!));
    const quote = remoteQuoteColumns(input);
    const was = current.post;
    const quoteChanged = was.quote_iri !== quote.quote_iri || quoteStateOf(was) !== quote.quote_state || was.quote_authorization_iri !== quote.quote_authorization_iri;
    // Implicitly: a quote added, or the same quote's standing changed (never lost because a stamp could not be fetched this time).
    const implicitQuote = !explicit && quote.quote_iri !== null && quoteChanged && (was.quote_iri === null || (was.quote_iri === quote.quote_iri && quote.quote_state !== "pending"));
    if (!explicit && !implicitQuote) return null;
    const mentioned = input.mentionIris.length
      ? await this.db.kysely.selectFrom("accounts").select("id").where("iri", "in", input.mentionIris.slice(0, 50)).execute()
      : [];
    await this.db.kysely.transaction().execute(async (trx) => {
      if (quoteChanged) {
        await trx.updateTable("posts").set(quote).where("id", "=", current.post.id).execute();
        await recountQuotes(trx, was.quote_iri);
        if (quote.quote_iri !== was.quote_iri) await recountQuotes(trx, quote.quote_iri);
      }
      if (!explicit) return;
      await trx
        .updateTable("posts")
        .set({
          url: input.url,
          content_html: input.contentHtml,
          summary: input.summary,
          sensitive: input.sensitive ? 1 : 0,
          updated_at: input.updatedAt,
        })
        .where("id", "=", current.post.id)
        .execute();
      await trx.deleteFrom("media").where("post_id", "=", current.post.id).execute();
      await trx.deleteFrom("post_tags").where("post_id", "=", current.post.id).execute();
      await trx.deleteFrom("post_mentions").where("post_id", "=", current.post.id).execute();
      await this.#replaceRemoteParts(trx, current.post.id, author.id, input, mentioned.map((m) => m.id));
    });
    return (await this.details(current.post.id))!;
  }

  /** The author deleted a remote post: it goes, with its media, tags and notifications. */
  async deleteRemote(author: AccountRow, iri: string): Promise<boolean> {
    const current = await this.detailsByIri(iri);
    if (!current || current.post.account_id !== author.id) return false;
    return this.events.transaction(this.db, async (trx, stage) => {
      await this.#lockReplyCounts(trx, [current.post.in_reply_to_iri]);
      const r = await trx.deleteFrom("posts").where("id", "=", current.post.id).executeTakeFirst();
      // A repeated Delete handled at the same time removes nothing and counts nothing.
      if (Number(r.numDeletedRows) === 0) return false;
      await recountQuotes(trx, current.post.quote_iri);
      if (current.post.in_reply_to_iri && !current.post.deleted_at && countsAsReply(current.post.visibility)) {
        await this.#countReply(trx, current.post.in_reply_to_iri, -1);
      }
      stage("post.removed", current);
      return true;
    });
  }

  /**
   * Serializes changes to the reply counts of these posts on PostgreSQL (SQLite
   * runs one writer at a time): a reply and its parent stored at the same
   * moment would otherwise each miss the other. Taken in one order, so two
   * posts that name each other as parent cannot deadlock; released at commit.
   */
  async #lockReplyCounts(trx: Transaction<Database>, iris: Array<string | null | undefined>): Promise<void> {
    if (this.db.dialect !== "postgres") return;
    for (const iri of [...new Set(iris.filter((i): i is string => Boolean(i)))].sort()) {
      await sql`select pg_advisory_xact_lock(${REPLY_COUNT_LOCKS}, hashtext(${iri}))`.execute(trx);
    }
  }

  /** Moves the reply count of the post at `parentIri` (if stored) by one, never below zero. */
  async #countReply(trx: Transaction<Database>, parentIri: string, delta: 1 | -1): Promise<void> {
    let q = trx
      .updateTable("posts")
      .set((eb) => ({ replies_count: eb("replies_count", delta > 0 ? "+" : "-", 1) }))
      .where("iri", "=", parentIri);
    if (delta < 0) q = q.where("replies_count", ">", 0);
    await q.execute();
  }

  async #replaceRemoteParts(trx: Transaction<Database>, postId: string, authorId: string, input: RemotePost, mentionIds: string[]) {
    const now = nowIso();
    if (input.attachments.length) {
      await trx
        .insertInto("media")
        .values(
          input.attachments.slice(0, MAX_MEDIA).map((a, position) => ({
            id: newId(),
            account_id: authorId,
            post_id: postId,
            position,
            remote_url: a.url,
            media_type: a.mediaType,
            width: a.width,
            height: a.height,
            alt: a.alt,
            created_at: now,
          })),
        )
        .execute();
    }
    if (input.tags.length) await trx.insertInto("post_tags").values(input.tags.slice(0, 30).map((tag) => ({ post_id: postId, tag }))).execute();
    if (mentionIds.length) await trx.insertInto("post_mentions").values([...new Set(mentionIds)].map((account_id) => ({ post_id: postId, account_id }))).execute();
  }

  async details(postId: string): Promise<PostDetails | undefined> {
    return this.#detailsIn(this.db.kysely, postId);
  }

  /** A post's details read through `k` (a transaction, to stage the event of a change with what it changed). */
  async #detailsIn(k: Kysely<Database>, postId: string): Promise<PostDetails | undefined> {
    const post = await k.selectFrom("posts").selectAll().where("id", "=", postId).executeTakeFirst();
    return post ? this.#withDetails(post, k) : undefined;
  }

  async detailsByIri(iri: string): Promise<PostDetails | undefined> {
    const post = await this.db.kysely.selectFrom("posts").selectAll().where("iri", "=", iri).executeTakeFirst();
    return post ? this.#withDetails(post) : undefined;
  }

  /** A post with its author and mentions (three small queries), for checks on the hot inbox path. */
  async refByIri(iri: string): Promise<PostRef | undefined> {
    const k = this.db.kysely;
    const post = await k.selectFrom("posts").selectAll().where("iri", "=", iri).executeTakeFirst();
    if (!post) return undefined;
    const author = await k.selectFrom("accounts").selectAll().where("id", "=", post.account_id).executeTakeFirstOrThrow();
    return { post, author, mentions: await this.#mentionsOf(post.id) };
  }

  /** The accounts a post mentions, in a stable order. */
  #mentionsOf(postId: string, k: Kysely<Database> = this.db.kysely): Promise<AccountRow[]> {
    return k
      .selectFrom("post_mentions")
      .innerJoin("accounts", "accounts.id", "post_mentions.account_id")
      .selectAll("accounts")
      .where("post_mentions.post_id", "=", postId)
      .orderBy("accounts.id")
      .execute();
  }

  /** Whether a post with this IRI is stored (deleted ones included). */
  async knows(iri: string): Promise<boolean> {
    return Boolean(await this.db.kysely.selectFrom("posts").select("id").where("iri", "=", iri).executeTakeFirst());
  }

  /** Many posts with their details in five queries, in the order of `ids`. */
  async detailsMany(ids: string[]): Promise<Map<string, PostDetails>> {
    const out = new Map<string, PostDetails>();
    if (ids.length === 0) return out;
    const k = this.db.kysely;
    const posts = await k.selectFrom("posts").selectAll().where("id", "in", ids).execute();
    if (posts.length === 0) return out;
    const postIds = posts.map((p) => p.id);
    const [authors, media, tags, mentions] = await Promise.all([
      k.selectFrom("accounts").selectAll().where("id", "in", [...new Set(posts.map((p) => p.account_id))]).execute(),
      k.selectFrom("media").selectAll().where("post_id", "in", postIds).orderBy("position").execute(),
      k.selectFrom("post_tags").selectAll().where("post_id", "in", postIds).orderBy("tag").execute(),
      k
        .selectFrom("post_mentions")
        .innerJoin("accounts", "accounts.id", "post_mentions.account_id")
        .selectAll("accounts")
        .select("post_mentions.post_id as m_post_id")
        .where("post_mentions.post_id", "in", postIds)
        .execute(),
    ]);
    const byId = new Map(authors.map((a) => [a.id, a]));
    for (const post of posts) {
      out.set(post.id, {
        post,
        author: byId.get(post.account_id)!,
        media: media.filter((m) => m.post_id === post.id),
        tags: tags.filter((t) => t.post_id === post.id).map((t) => t.tag),
        mentions: mentions.filter((m) => m.m_post_id === post.id).map(({ m_post_id: _, ...a }) => a),
      });
    }
    return out;
  }

  async #withDetails(post: PostRow, k: Kysely<Database> = this.db.kysely): Promise<PostDetails> {
    const [author, media, tags, mentions] = await Promise.all([
      k.selectFrom("accounts").selectAll().where("id", "=", post.account_id).executeTakeFirstOrThrow(),
      k.selectFrom("media").selectAll().where("post_id", "=", post.id).orderBy("position").execute(),
      k.selectFrom("post_tags").select("tag").where("post_id", "=", post.id).orderBy("tag").execute(),
      this.#mentionsOf(post.id, k),
    ]);
    return { post, author, media, tags: tags.map((t) => t.tag), mentions };
  }

  /** Posts by local accounts that are not deleted (for NodeInfo). */
  async countLocal(): Promise<number> {
    const r = await this.db.kysely
      .selectFrom("posts")
      .innerJoin("accounts", "accounts.id", "posts.account_id")
      .select((e) => e.fn.countAll().as("n"))
      .where("accounts.domain", "is", null)
      .where("posts.deleted_at", "is", null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
