import { type PostDetails, publicAlt } from "../domain/posts.ts";
import { quoteApproved, quoteStateOf } from "../domain/quote-state.ts";
import { canBoost, canSeePrompt, type Viewer } from "../domain/visibility.ts";
import type { AccountRow, MediaRow, QuoteState, Visibility } from "../storage/schema.ts";

/**
 * What pages (and, later, API entities) read: small domain types with real
 * booleans and `isLocal`, built by pure functions from stored records for one
 * viewer. A prompt the viewer may not read is not in them at all.
 */

/**
 * Where stored images are shown from: the best URL at full size, and a
 * thumbnail (a remote image's cached copies here, else its remote URL).
 */
export interface MediaLinks {
  full(m: MediaRow): string;
  thumb(m: MediaRow): string;
  /** A remote image that could not be fetched (too large, not an image, a private address): shown as a link with its alt text. */
  unavailable?(m: MediaRow): boolean;
  /** A blurhash computed here when the row has none (remote images). */
  blurhash?(m: MediaRow): string | null;
}

/** How to link to stored things from a page. */
export interface ViewLinks {
  /** This instance's host, for full handles of local accounts. */
  host: string;
  media: MediaLinks;
  /** Where a remote avatar or header is shown from (its cached copy here, else itself). */
  image?(url: string): string;
}

export interface AccountSummary {
  id: string;
  iri: string;
  username: string;
  /** null for local accounts. */
  domain: string | null;
  isLocal: boolean;
  /** user@host, always with the host. */
  acct: string;
  displayName: string;
  /** Where the account's page is here: /@alice or /@bob@remote.example. */
  path: string;
  /** Its canonical page (for remote accounts, on their server). */
  url: string;
  avatarUrl: string | null;
  headerUrl: string | null;
  /** Safe HTML: escaped (local) or sanitized on arrival (remote). */
  bioHtml: string;
  locked: boolean;
}

export interface MediaView {
  id: string;
  mediaType: string;
  url: string;
  thumbUrl: string;
  width: number | null;
  height: number | null;
  blurhash: string | null;
  /** Alt text as it may be shown: never a hidden prompt. */
  alt: string;
  /** Made by an image model here (local generations). */
  generated: boolean;
  model: string | null;
  /** A remote image that could not be fetched: show a link (`url`) with its alt text instead. */
  unavailable: boolean;
}

/** What a quote card shows of the quoted post. */
export interface QuoteCardView {
  /** Its page here. */
  path: string;
  author: AccountSummary;
  /** Its first image. */
  image: MediaView | null;
  /** Its text, plain and short (without its own quote's fallback line). */
  text: string;
  summary: string | null;
  sensitive: boolean;
}

export interface QuoteView {
  iri: string;
  state: QuoteState;
  /** Drawn only for an approved quote of a post the viewer may see; otherwise the fallback line shows. */
  card: QuoteCardView | null;
}

export interface PostView {
  id: string;
  iri: string;
  /** Where the post's page is here. */
  path: string;
  /** Its canonical page (for remote posts, on their server), when it has one. */
  url: string | null;
  author: AccountSummary;
  /** Safe HTML. */
  contentHtml: string;
  /** The author's plain caption (local posts). */
  caption: string | null;
  summary: string | null;
  sensitive: boolean;
  visibility: Visibility;
  /** The prompts the viewer may read (empty when hidden, except to the author). */
  prompts: string[];
  /** Whether the author shows the prompt to everyone. */
  promptPublic: boolean;
  /** The models that made its images (the AI label). */
  models: string[];
  generated: boolean;
  inReplyToIri: string | null;
  /** The post it answers, when the viewer may see that one (set by the page that shows it). */
  replyTo?: { path: string; acct: string } | null;
  quoteIri: string | null;
  /** What it quotes, how far that is approved, and the card when it may be drawn. */
  quote: QuoteView | null;
  counts: { replies: number; likes: number; boosts: number; quotes: number };
  publishedAt: string;
  editedAt: string | null;
  media: MediaView[];
  tags: string[];
  mentions: AccountSummary[];
  /** What the viewer may do and has done. */
  /** `bookmarked`: set by the web pages (from the viewer's bookmarks), absent elsewhere. */
  viewer: { canBoost: boolean; liked: boolean; boosted: boolean; bookmarked?: boolean };
}

export interface TimelineItemView {
  id: string;
  post: PostView;
  boostedBy: AccountSummary | null;
}

export interface NotificationItemView {
  id: string;
  type: string;
  read: boolean;
  createdAt: string;
  actor: AccountSummary;
  /** The post it is about, when there is one. */
  postPath: string | null;
  /** For a follow request still waiting for an answer: the follow's id, to accept or reject it. */
  followRequestId: string | null;
}

/** A notification as pages show it; `pending` maps follower ids to their unanswered requests. Pure. */
export function notificationView(
  n: { id: string; type: string; read_at: string | null; created_at: string; post_id: string | null; actor: AccountRow },
  links: Pick<ViewLinks, "host">,
  pending: ReadonlyMap<string, string> = new Map(),
): NotificationItemView {
  return {
    id: n.id,
    type: n.type,
    read: n.read_at !== null,
    createdAt: n.created_at,
    actor: accountSummary(n.actor, links),
    postPath: n.post_id ? `/posts/${n.post_id}` : null,
    followRequestId: n.type === "follow_request" ? (pending.get(n.actor.id) ?? null) : null,
  };
}

/** An account as pages show it. Pure. */
export function accountSummary(a: AccountRow, links: Pick<ViewLinks, "host" | "image">): AccountSummary {
  const isLocal = a.domain === null;
  const acct = `${a.username}@${a.domain ?? links.host}`;
  const path = isLocal ? `/@${a.username}` : `/@${acct}`;
  return {
    id: a.id,
    iri: a.iri,
    username: a.username,
    domain: a.domain,
    isLocal,
    acct,
    displayName: a.display_name || a.username,
    path,
    url: a.url ?? a.iri,
    avatarUrl: a.avatar_url && (links.image?.(a.avatar_url) ?? a.avatar_url),
    headerUrl: a.header_url && (links.image?.(a.header_url) ?? a.header_url),
    bioHtml: a.bio_html,
    locked: a.manually_approves_followers === 1,
  };
}

/** A stored image as pages show it. Pure. */
export function mediaView(m: MediaRow, links: ViewLinks, isLocal: boolean, showPrompt: boolean): MediaView {
  const unavailable = !isLocal && (links.media.unavailable?.(m) ?? false);
  return {
    id: m.id,
    mediaType: m.media_type,
    url: unavailable ? (m.remote_url ?? "") : links.media.full(m),
    thumbUrl: unavailable ? "" : links.media.thumb(m),
    width: m.width,
    height: m.height,
    blurhash: m.blurhash ?? links.media.blurhash?.(m) ?? null,
    alt: publicAlt(m, showPrompt),
    generated: isLocal && (m.prompt !== null || m.model !== null),
    model: isLocal ? m.model : null,
    unavailable,
  };
}

/** The "RE: <link>" fallback lines quotes carry (Mastodon's <p>, Hollo's and Akkoma's <span>), in sanitized HTML. */
const QUOTE_INLINE = /<p class="quote-inline">[\s\S]*?<\/p>|<span class="quote-inline">[\s\S]*?<\/a>\s*<\/span>/g;

/** Safe HTML as short plain text (for a quote card). Pure. */
export function plainText(html: string, max = 300): string {
  const text = html
    .replace(QUOTE_INLINE, " ")
    .replace(/<br\s*\/?>|<\/p>/g, " ")
    .replace(/<[^>]*>/g, "")
    .replace(/&(lt|gt|quot|#39|apos|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', "#39": "'", apos: "'", amp: "&" })[e]!)
    .replace(/\s+/g, " ")
    .trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The card of a quoted post (or of one being answered or remixed), which the viewer may see. Pure. */
export function quoteCard(d: PostDetails, links: ViewLinks): QuoteCardView {
  const isLocal = d.author.domain === null;
  const first = d.media[0];
  return {
    path: isLocal ? `/@${d.author.username}/${d.post.id}` : `/posts/${d.post.id}`,
    author: accountSummary(d.author, links),
    image: first ? mediaView(first, links, isLocal, d.post.show_prompt === 1) : null,
    text: isLocal ? plainText(escapeText(d.post.caption ?? "")) : plainText(d.post.content_html),
    summary: d.post.summary,
    sensitive: d.post.sensitive === 1,
  };
}

const escapeText = (s: string) => s.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!);

/**
 * A post as `viewer` may see it (the caller has checked that they may).
 * `quoted` is the post it quotes, given only when the viewer may see that
 * one too; the card is drawn only when the quote is also approved. Pure.
 */
export function postView(d: PostDetails, viewer: Viewer, links: ViewLinks, state?: ReadonlySet<"like" | "boost">, quoted?: PostDetails): PostView {
  const { post, author } = d;
  const showPrompt = canSeePrompt(viewer, post);
  const isLocal = author.domain === null;
  const unique = <T>(xs: Array<T | null | undefined>) => [...new Set(xs.filter((x): x is T => x != null && x !== ""))];
  const quoteState = quoteStateOf(post);
  return {
    id: post.id,
    iri: post.iri,
    path: isLocal ? `/@${author.username}/${post.id}` : `/posts/${post.id}`,
    url: post.url,
    author: accountSummary(author, links),
    contentHtml: post.content_html,
    caption: post.caption,
    summary: post.summary,
    sensitive: post.sensitive === 1,
    visibility: post.visibility,
    prompts: showPrompt && isLocal ? unique(d.media.map((m) => m.prompt)) : [],
    promptPublic: post.show_prompt === 1,
    models: isLocal ? unique(d.media.map((m) => m.model)) : [],
    generated: isLocal && d.media.some((m) => m.prompt !== null || m.model !== null),
    inReplyToIri: post.in_reply_to_iri,
    quoteIri: post.quote_iri,
    quote:
      post.quote_iri && quoteState
        ? { iri: post.quote_iri, state: quoteState, card: quoted && quoted.post.iri === post.quote_iri && quoteApproved(post) ? quoteCard(quoted, links) : null }
        : null,
    counts: { replies: post.replies_count, likes: post.likes_count, boosts: post.boosts_count, quotes: post.quotes_count },
    publishedAt: post.published_at,
    editedAt: post.updated_at,
    media: d.media.map((m) => mediaView(m, links, isLocal, post.show_prompt === 1)),
    tags: d.tags,
    mentions: d.mentions.map((a) => accountSummary(a, links)),
    viewer: { canBoost: viewer.kind === "account" && canBoost(viewer, post), liked: state?.has("like") ?? false, boosted: state?.has("boost") ?? false },
  };
}
