import { VISIBILITIES } from "./visibility.ts";
import type { Transaction } from "kysely";
import type { Db } from "../storage/db.ts";
import type { AccountRow, Database, MediaRow, PostRow, Visibility } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import type { LocalUrls } from "../urls.ts";
import { DomainError, invalid, notFound } from "./errors.ts";
import type { DomainEvents } from "./events.ts";
import { parseCaption, renderCaption } from "./text.ts";

export { VISIBILITIES };
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
}

export interface PostEdit {
  caption?: string;
  alts?: Array<string | undefined | null>;
  summary?: string | null;
  sensitive?: boolean;
  showPrompt?: boolean;
}

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
    if (author.domain !== null) throw invalid("Only local accounts post here");
    const visibility = input.visibility ?? "public";
    if (!VISIBILITIES.includes(visibility)) throw invalid(`Visibility must be one of ${VISIBILITIES.join(", ")}`);
    const ids = [...new Set(input.mediaIds)];
    if (ids.length < 1 || ids.length > MAX_MEDIA) throw invalid(`A post has 1 to ${MAX_MEDIA} images`);
    if (ids.length !== input.mediaIds.length) throw invalid("The same image is attached twice");
    const caption = checkText(input.caption ?? "", MAX_CAPTION, "The caption") ?? "";
    const summary = checkText(input.summary, MAX_SUMMARY, "The content warning");
    const alts = (input.alts ?? []).map((a) => checkText(a, MAX_ALT, "Alt text"));
    const showPrompt = input.showPrompt !== false;
    const media = await this.db.kysely.selectFrom("media").selectAll().where("id", "in", ids).execute();
    for (const id of ids) {
      const m = media.find((x) => x.id === id);
      if (!m || m.account_id !== author.id) throw invalid(`Image ${id} is not one of yours`);
      if (m.post_id) throw invalid(`Image ${id} is already posted`);
    }
    // Mentions may need remote lookups: do them before the transaction.
    const rendered = await this.#render(caption);
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
      published_at: now,
      updated_at: null,
      deleted_at: null,
      created_at: now,
    };
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx.insertInto("posts").values(post).execute();
      for (const [position, mediaId] of ids.entries()) {
        const m = media.find((x) => x.id === mediaId)!;
        const r = await trx
          .updateTable("media")
          .set({ post_id: id, position, alt: altFor(alts[position], m.prompt, showPrompt) })
          .where("id", "=", mediaId)
          .where("post_id", "is", null)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw invalid(`Image ${mediaId} is already posted`);
      }
      if (rendered.tags.length) await trx.insertInto("post_tags").values(rendered.tags.map((tag) => ({ post_id: id, tag }))).execute();
      if (rendered.mentions.length) {
        await trx.insertInto("post_mentions").values(rendered.mentions.map((a) => ({ post_id: id, account_id: a.id }))).execute();
      }
    });
    const details = (await this.details(id))!;
    await this.events.emit("post.published", details);
    return details;
  }

  async edit(author: AccountRow, postId: string, edit: PostEdit): Promise<PostDetails> {
    const current = await this.details(postId);
    if (!current || current.post.deleted_at) throw notFound("Post");
    if (current.post.account_id !== author.id) throw new DomainError(403, "Only the author can edit a post", "forbidden");
    const caption = edit.caption !== undefined ? (checkText(edit.caption, MAX_CAPTION, "The caption") ?? "") : current.post.caption ?? "";
    const summary = edit.summary !== undefined ? checkText(edit.summary, MAX_SUMMARY, "The content warning") : current.post.summary;
    const alts = edit.alts?.map((a) => checkText(a, MAX_ALT, "Alt text"));
    const showPrompt = edit.showPrompt === undefined ? current.post.show_prompt === 1 : edit.showPrompt;
    const rendered = await this.#render(caption);
    const now = nowIso();
    await this.db.kysely.transaction().execute(async (trx) => {
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
      }
      await trx.deleteFrom("post_tags").where("post_id", "=", postId).execute();
      if (rendered.tags.length) await trx.insertInto("post_tags").values(rendered.tags.map((tag) => ({ post_id: postId, tag }))).execute();
      await trx.deleteFrom("post_mentions").where("post_id", "=", postId).execute();
      if (rendered.mentions.length) {
        await trx.insertInto("post_mentions").values(rendered.mentions.map((a) => ({ post_id: postId, account_id: a.id }))).execute();
      }
    });
    const details = (await this.details(postId))!;
    await this.events.emit("post.updated", details);
    return details;
  }

  /** Deletes a post: it leaves a tombstone (410) and a Delete goes to everyone who got it. */
  async delete(author: AccountRow, postId: string): Promise<void> {
    const current = await this.details(postId);
    if (!current || current.post.deleted_at) throw notFound("Post");
    if (current.post.account_id !== author.id) throw new DomainError(403, "Only the author can delete a post", "forbidden");
    const now = nowIso();
    await this.db.kysely.updateTable("posts").set({ deleted_at: now }).where("id", "=", postId).execute();
    await this.events.emit("post.deleted", { ...current, post: { ...current.post, deleted_at: now } });
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
    const parent = input.inReplyTo ? await this.db.kysely.selectFrom("posts").select(["id"]).where("iri", "=", input.inReplyTo).executeTakeFirst() : undefined;
    const id = newId();
    const now = nowIso();
    const inserted = await this.db.kysely.transaction().execute(async (trx) => {
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
          quote_iri: input.quote,
          published_at: input.publishedAt,
          updated_at: input.updatedAt,
          deleted_at: null,
          created_at: now,
        })
        .onConflict((oc) => oc.column("iri").doNothing())
        .returning("id")
        .execute();
      if (rows.length === 0) return false;
      await this.#replaceRemoteParts(trx, id, author.id, input, mentioned.map((m) => m.id));
      if (parent) await trx.updateTable("posts").set((eb) => ({ replies_count: eb("replies_count", "+", 1) })).where("id", "=", parent.id).execute();
      return true;
    });
    if (!inserted) return null;
    const details = (await this.details(id))!;
    await this.events.emit("post.received", details);
    return details;
  }

  /** Applies an edit from the author's server; older or unchanged versions are ignored. */
  async updateRemote(author: AccountRow, input: RemotePost): Promise<PostDetails | null> {
    const current = await this.detailsByIri(input.iri);
    if (!current || current.post.account_id !== author.id || current.post.deleted_at) return null;
    if (!input.updatedAt) return null; // Mastodon's rule: no `updated`, no change.
    if (current.post.updated_at && Date.parse(current.post.updated_at) >= Date.parse(input.updatedAt)) return null;
    const mentioned = input.mentionIris.length
      ? await this.db.kysely.selectFrom("accounts").select("id").where("iri", "in", input.mentionIris.slice(0, 50)).execute()
      : [];
    await this.db.kysely.transaction().execute(async (trx) => {
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
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom("posts").where("id", "=", current.post.id).execute();
      if (current.post.in_reply_to_iri) {
        await trx
          .updateTable("posts")
          .set((eb) => ({ replies_count: eb("replies_count", "-", 1) }))
          .where("iri", "=", current.post.in_reply_to_iri)
          .where("replies_count", ">", 0)
          .execute();
      }
    });
    return true;
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
    const post = await this.db.kysely.selectFrom("posts").selectAll().where("id", "=", postId).executeTakeFirst();
    return post ? this.#withDetails(post) : undefined;
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
  #mentionsOf(postId: string): Promise<AccountRow[]> {
    return this.db.kysely
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

  async #withDetails(post: PostRow): Promise<PostDetails> {
    const k = this.db.kysely;
    const [author, media, tags, mentions] = await Promise.all([
      k.selectFrom("accounts").selectAll().where("id", "=", post.account_id).executeTakeFirstOrThrow(),
      k.selectFrom("media").selectAll().where("post_id", "=", post.id).orderBy("position").execute(),
      k.selectFrom("post_tags").select("tag").where("post_id", "=", post.id).orderBy("tag").execute(),
      this.#mentionsOf(post.id),
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
