import { canQuote } from "../../src/domain/visibility.ts";
import {
  Application,
  Collection,
  Document,
  Hashtag,
  Image,
  InteractionPolicy,
  InteractionRule,
  Link,
  Mention,
  Note,
  PUBLIC_COLLECTION,
  Tombstone,
} from "@fedify/vocab";
import { type PostDetails, publicAlt, type RemotePost } from "../../src/domain/posts.ts";
import { escapeHtml } from "../../src/domain/text.ts";
import type { MediaRow, Visibility } from "../../src/storage/schema.ts";
import { sanitizeRemoteHtml } from "./html.ts";
import { fromInstant, toInstant } from "./time.ts";

/** How to reach local things when building objects. */
export interface NoteUrls {
  /** The public URL of a stored media file. */
  media(key: string): URL;
  /** The author's followers collection. */
  followers: URL;
  tag(tag: string): URL;
  /** The post's replies collection. */
  replies?(details: PostDetails): URL;
}

/** Where a local post's collections live: `replies`, `likes` and `shares` under its IRI (as paths.replies etc.). */
export function collectionUri(details: PostDetails, name: "replies" | "likes" | "shares"): URL {
  return new URL(`${details.post.iri}/${name}`);
}

/** The label every local post carries, visibly, so the AI origin survives servers that strip file metadata. */
export function aiLabelHtml(details: PostDetails): string {
  // Images people uploaded (no prompt, no model) are not labelled; a post of uploads only, or of words only (a reply), carries no label.
  const generated = details.media.filter((m) => m.prompt !== null || m.model !== null);
  if (generated.length === 0) return "";
  const models = [...new Set(details.media.map((m) => m.model).filter((m): m is string => Boolean(m)))];
  let html = `<p>🎨 AI-generated image${generated.length > 1 ? "s" : ""}${models.length ? ` · ${escapeHtml(models.join(", "))}` : ""}</p>`;
  if (details.post.show_prompt) {
    const prompts = [...new Set(details.media.map((m) => m.prompt).filter((p): p is string => Boolean(p)))];
    for (const p of prompts) html += `<p>Prompt: ${escapeHtml(p)}</p>`;
  }
  return html;
}

/**
 * The fallback line a quote carries for servers that do not draw quotes, in
 * Mastodon's shape (prepended; Mastodon, Hollo and Akkoma hide `quote-inline`
 * when they draw the quote themselves). Empty for a post that quotes nothing.
 */
export function quoteInlineHtml(quoteIri: string | null): string {
  if (!quoteIri) return "";
  const href = escapeHtml(quoteIri);
  return `<p class="quote-inline">RE: <a href="${href}">${href}</a></p>`;
}

/**
 * Addressing per visibility, the way Mastodon reads it. Mentioned accounts
 * (a reply's parent author among them) are in `cc` of public and unlisted
 * posts, and in `to` of followers-only and direct ones, beside the followers.
 */
export function addressing(visibility: Visibility, followers: URL, mentions: URL[]): { to: URL[]; cc: URL[] } {
  switch (visibility) {
    case "public":
      return { to: [PUBLIC_COLLECTION], cc: [followers, ...mentions] };
    case "unlisted":
      return { to: [followers], cc: [PUBLIC_COLLECTION, ...mentions] };
    case "followers":
      return { to: [followers, ...mentions], cc: [] };
    case "direct":
      return { to: mentions, cc: [] };
  }
}

function attachment(m: MediaRow, urls: NoteUrls, showPrompt: boolean): Document {
  const url = m.file_key ? urls.media(m.file_key) : new URL(m.remote_url!);
  const values = {
    mediaType: m.media_type,
    url,
    // A hidden prompt never goes out as the attachment's name.
    name: publicAlt(m, showPrompt) || null,
    width: m.width,
    height: m.height,
    // Machine-readable AI label: the generator that made the image.
    generators: m.model || (m.provider && m.prompt !== null) ? [new Application({ name: [m.model, m.provider && `(${m.provider})`].filter(Boolean).join(" ") })] : [],
  };
  return m.media_type.startsWith("image/") ? new Image(values) : new Document(values);
}

/** A local post as the Note other servers receive. Pure. */
export function postToNote(details: PostDetails, urls: NoteUrls): Note {
  const { post, author, media, tags, mentions } = details;
  const { to, cc } = addressing(post.visibility, urls.followers, mentions.map((m) => new URL(m.iri)));
  const isPublic = canQuote({ ...post, deleted_at: null });
  return new Note({
    id: new URL(post.iri),
    attribution: new URL(author.iri),
    url: post.url ? new URL(post.url) : null,
    content: quoteInlineHtml(post.quote_iri) + post.content_html + aiLabelHtml(details),
    summary: post.summary,
    sensitive: post.sensitive === 1,
    published: toInstant(post.published_at),
    updated: post.updated_at ? toInstant(post.updated_at) : null,
    tos: to,
    ccs: cc,
    replyTarget: post.in_reply_to_iri ? new URL(post.in_reply_to_iri) : null,
    quote: post.quote_iri ? new URL(post.quote_iri) : null,
    quoteUrl: post.quote_iri ? new URL(post.quote_iri) : null,
    quoteAuthorization: post.quote_authorization_iri ? new URL(post.quote_authorization_iri) : null,
    attachments: media.map((m) => attachment(m, urls, post.show_prompt === 1)),
    tags: [
      ...tags.map((t) => new Hashtag({ name: `#${t}`, href: urls.tag(t) })),
      ...mentions.map((a) => new Mention({ href: new URL(a.iri), name: `@${a.username}@${a.domain ?? new URL(a.iri).host}` })),
    ],
    // Counts other servers read (Hollo, Mastodon 4.3+): the same collections, with the same totals, in every Create and Update.
    replies: new Collection({ id: urls.replies?.(details) ?? collectionUri(details, "replies"), totalItems: post.replies_count }),
    likes: new Collection({ id: collectionUri(details, "likes"), totalItems: post.likes_count }),
    shares: new Collection({ id: collectionUri(details, "shares"), totalItems: post.boosts_count }),
    interactionPolicy: isPublic
      ? new InteractionPolicy({ canQuote: new InteractionRule({ automaticApproval: PUBLIC_COLLECTION }) })
      : new InteractionPolicy({ canQuote: new InteractionRule({ automaticApproval: new URL(author.iri) }) }),
  });
}

/** What a deleted post leaves behind. Pure. */
export function postToTombstone(details: PostDetails): Tombstone {
  return new Tombstone({
    id: new URL(details.post.iri),
    deleted: details.post.deleted_at ? toInstant(details.post.deleted_at) : null,
  });
}

/** A remote Note as we store it; everything in it is untrusted until here. */
export type RemotePostInput = RemotePost & { authorIri: string };

function isHttpUrl(u: URL | null | undefined): u is URL {
  return !!u && (u.protocol === "https:" || u.protocol === "http:");
}

/** Reads the visibility back from addressing (the inverse of `addressing`). */
export function visibilityOf(to: URL[], cc: URL[], followers: string | null): Visibility {
  const pub = PUBLIC_COLLECTION.href;
  const has = (list: URL[], href: string) => list.some((u) => u.href === href || (href === pub && (u.href === "as:Public" || u.href === "Public")));
  if (has(to, pub)) return "public";
  if (has(cc, pub)) return "unlisted";
  if (followers && (has(to, followers) || has(cc, followers))) return "followers";
  return "direct";
}

/**
 * A remote Note as a post to store. Reads only what is embedded (no fetches),
 * keeps at most 4 http(s) image attachments, and sanitizes the HTML. Returns
 * null for a Note we cannot use (no id or author).
 */
export async function noteToRemotePost(note: Note, authorFollowers: string | null): Promise<RemotePostInput | null> {
  if (!note.id || !note.attributionId) return null;
  const attachments: RemotePost["attachments"] = [];
  for await (const a of note.getAttachments({ suppressError: true })) {
    if (attachments.length >= 4) break;
    if (!(a instanceof Document)) continue;
    const href = a.url instanceof URL ? a.url : a.url instanceof Link ? a.url.href : null;
    if (!isHttpUrl(href)) continue;
    const mediaType = a.mediaType ?? "image/jpeg";
    if (!/^image\/(jpeg|png|gif|webp|avif)$/.test(mediaType)) continue;
    const alt = (a.name ?? a.summary)?.toString() ?? "";
    attachments.push({
      url: href.href,
      mediaType,
      width: typeof a.width === "number" && a.width > 0 ? Math.floor(a.width) : null,
      height: typeof a.height === "number" && a.height > 0 ? Math.floor(a.height) : null,
      alt: alt.slice(0, 1500),
    });
  }
  const tags: string[] = [];
  const mentionIris: string[] = [];
  for await (const t of note.getTags({ suppressError: true })) {
    if (t instanceof Hashtag && t.name) {
      const tag = t.name.toString().replace(/^#/, "").toLowerCase();
      if (/^[\p{L}\p{N}_]{1,100}$/u.test(tag) && !tags.includes(tag)) tags.push(tag);
    } else if (t instanceof Mention && isHttpUrl(t.href)) {
      if (!mentionIris.includes(t.href.href)) mentionIris.push(t.href.href);
    }
  }
  const url = note.url instanceof URL ? note.url : note.url instanceof Link ? note.url.href : null;
  const summary = note.summary?.toString().trim() || null;
  return {
    iri: note.id.href,
    url: isHttpUrl(url) ? url.href : null,
    authorIri: note.attributionId.href,
    contentHtml: sanitizeRemoteHtml(note.content?.toString() ?? ""),
    summary: summary ? summary.slice(0, 1000) : null,
    sensitive: Boolean(note.sensitive) || Boolean(summary),
    visibility: visibilityOf(note.toIds, note.ccIds, authorFollowers),
    inReplyTo: isHttpUrl(note.replyTargetId) ? note.replyTargetId.href : null,
    quote: isHttpUrl(note.quoteId) ? note.quoteId.href : isHttpUrl(note.quoteUrl) ? note.quoteUrl.href : null,
    quoteAuthorization: isHttpUrl(note.quoteAuthorizationId) ? note.quoteAuthorizationId.href : null,
    publishedAt: fromInstant(note.published) ?? new Date().toISOString(),
    updatedAt: fromInstant(note.updated),
    attachments,
    tags,
    mentionIris,
  };
}
