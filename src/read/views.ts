import { type PostDetails, publicAlt } from "../domain/posts.ts";
import { canBoost, canSeePrompt, type Viewer } from "../domain/visibility.ts";
import type { AccountRow, MediaRow, Visibility } from "../storage/schema.ts";

/**
 * What pages (and, later, API entities) read: small domain types with real
 * booleans and `isLocal`, built by pure functions from stored records for one
 * viewer. A prompt the viewer may not read is not in them at all.
 */

/** Where stored images are shown from: the best URL at full size, and a thumbnail. */
export interface MediaLinks {
  full(m: MediaRow): string;
  thumb(m: MediaRow): string;
}

/** How to link to stored things from a page. */
export interface ViewLinks {
  /** This instance's host, for full handles of local accounts. */
  host: string;
  media: MediaLinks;
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
  quoteIri: string | null;
  counts: { replies: number; likes: number; boosts: number };
  publishedAt: string;
  editedAt: string | null;
  media: MediaView[];
  tags: string[];
  mentions: AccountSummary[];
  /** What the viewer may do and has done. */
  viewer: { canBoost: boolean; liked: boolean; boosted: boolean };
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
}

/** A notification as pages show it. Pure. */
export function notificationView(
  n: { id: string; type: string; read_at: string | null; created_at: string; post_id: string | null; actor: AccountRow },
  links: Pick<ViewLinks, "host">,
): NotificationItemView {
  return { id: n.id, type: n.type, read: n.read_at !== null, createdAt: n.created_at, actor: accountSummary(n.actor, links), postPath: n.post_id ? `/posts/${n.post_id}` : null };
}

/** An account as pages show it. Pure. */
export function accountSummary(a: AccountRow, links: Pick<ViewLinks, "host">): AccountSummary {
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
    avatarUrl: a.avatar_url,
    headerUrl: a.header_url,
    bioHtml: a.bio_html,
    locked: a.manually_approves_followers === 1,
  };
}

/** A post as `viewer` may see it (the caller has checked that they may). Pure. */
export function postView(d: PostDetails, viewer: Viewer, links: ViewLinks, state?: ReadonlySet<"like" | "boost">): PostView {
  const { post, author } = d;
  const showPrompt = canSeePrompt(viewer, post);
  const isLocal = author.domain === null;
  const unique = <T>(xs: Array<T | null | undefined>) => [...new Set(xs.filter((x): x is T => x != null && x !== ""))];
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
    counts: { replies: post.replies_count, likes: post.likes_count, boosts: post.boosts_count },
    publishedAt: post.published_at,
    editedAt: post.updated_at,
    media: d.media.map((m) => ({
      id: m.id,
      mediaType: m.media_type,
      url: links.media.full(m),
      thumbUrl: links.media.thumb(m),
      width: m.width,
      height: m.height,
      blurhash: m.blurhash,
      alt: publicAlt(m, post.show_prompt === 1),
      generated: isLocal && (m.prompt !== null || m.model !== null),
      model: isLocal ? m.model : null,
    })),
    tags: d.tags,
    mentions: d.mentions.map((a) => accountSummary(a, links)),
    viewer: { canBoost: viewer.kind === "account" && canBoost(viewer, post), liked: state?.has("like") ?? false, boosted: state?.has("boost") ?? false },
  };
}
