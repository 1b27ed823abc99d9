import type { AccountStats } from "../read/entity-parts.ts";
import type { AccountSummary, MediaView, PostView } from "../read/views.ts";
import type { AccountRow, QuoteState, Visibility } from "../storage/schema.ts";

/**
 * Mastodon API entities, shaped and typed as docs.joinmastodon.org documents
 * them, built by pure functions from the same views the pages render (so a
 * prompt the viewer may not read is never in them). Ids are strings, dates
 * ISO 8601, content HTML.
 */

export interface MastodonAccount {
  id: string;
  username: string;
  acct: string;
  url: string;
  uri: string;
  display_name: string;
  note: string;
  avatar: string;
  avatar_static: string;
  header: string;
  header_static: string;
  locked: boolean;
  fields: Array<{ name: string; value: string; verified_at: string | null }>;
  emojis: [];
  bot: boolean;
  group: boolean;
  discoverable: boolean;
  indexable: boolean;
  noindex: boolean;
  created_at: string;
  last_status_at: string | null;
  statuses_count: number;
  followers_count: number;
  following_count: number;
}

export interface MastodonMediaAttachment {
  id: string;
  type: "image" | "unknown";
  url: string | null;
  preview_url: string | null;
  remote_url: string | null;
  preview_remote_url: null;
  text_url: null;
  meta: {
    original?: { width: number; height: number; size: string; aspect: number };
    small?: { width: number; height: number; size: string; aspect: number };
    focus?: { x: number; y: number };
  } | null;
  description: string | null;
  blurhash: string | null;
  /** Pictor's extension: whether an image model made it here, and which. */
  pictor?: { generated: boolean; model: string | null; source: "generated" | "upload" | "remote" };
}

export interface MastodonQuote {
  state: QuoteState | "deleted" | "unauthorized";
  quoted_status: MastodonStatus | null;
}

export interface MastodonShallowQuote {
  state: QuoteState | "deleted" | "unauthorized";
  quoted_status_id: string | null;
}

/** Pictor's extension on statuses, advertised in /api/v2/instance. */
export interface PictorStatusExtension {
  generated: boolean;
  models: string[];
  /** The prompts, only when the viewer may read them. */
  prompts: string[];
  prompt_public: boolean;
  /** The post this remixes, when it is one. */
  remix_of: string | null;
}

export interface MastodonStatus {
  id: string;
  uri: string;
  url: string | null;
  created_at: string;
  edited_at: string | null;
  account: MastodonAccount;
  content: string;
  visibility: MastodonVisibility;
  sensitive: boolean;
  spoiler_text: string;
  media_attachments: MastodonMediaAttachment[];
  application: { name: string; website: string | null } | null;
  mentions: Array<{ id: string; username: string; url: string; acct: string }>;
  tags: Array<{ name: string; url: string }>;
  emojis: [];
  reblogs_count: number;
  favourites_count: number;
  replies_count: number;
  quotes_count: number;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  reblog: MastodonStatus | null;
  quote: MastodonQuote | MastodonShallowQuote | null;
  poll: null;
  card: null;
  language: string | null;
  text: string | null;
  favourited?: boolean;
  reblogged?: boolean;
  muted?: boolean;
  bookmarked?: boolean;
  pinned?: boolean;
  filtered?: [];
  pictor: PictorStatusExtension;
}

/** Mastodon's names for Pictor's visibilities (followers-only is Mastodon's "private"). */
export type MastodonVisibility = "public" | "unlisted" | "private" | "direct";
export const MASTODON_VISIBILITY: Readonly<Record<Visibility, MastodonVisibility>> = { public: "public", unlisted: "unlisted", followers: "private", direct: "direct" };
/** …and back, for parameters. */
export const VISIBILITY_FROM_MASTODON: Readonly<Record<MastodonVisibility, Visibility>> = { public: "public", unlisted: "unlisted", private: "followers", direct: "direct" };

/** Where things are, for entities: absolute URLs only. */
export interface EntityLinks {
  /** https://host, no trailing slash. */
  origin: string;
  /** The image shown for accounts without an avatar (apps expect a URL). */
  missingAvatar: string;
  /** …and without a header. */
  missingHeader: string;
  /** A hashtag's page. */
  tag(tag: string): string;
}

const THUMB_MAX = 400;
const absolute = (origin: string, url: string) => (url.startsWith("/") ? `${origin}${url}` : url);

const dims = (width: number, height: number) => ({ width, height, size: `${width}x${height}`, aspect: height ? width / height : 1 });

/** Mastodon's `created_at` for accounts is the day, at midnight UTC. */
const day = (iso: string) => `${iso.slice(0, 10)}T00:00:00.000Z`;

/** An account entity. Pure. */
export function accountEntity(row: AccountRow, summary: AccountSummary, stats: AccountStats, links: EntityLinks): MastodonAccount {
  const avatar = summary.avatarUrl ? absolute(links.origin, summary.avatarUrl) : links.missingAvatar;
  const header = summary.headerUrl ? absolute(links.origin, summary.headerUrl) : links.missingHeader;
  return {
    id: row.id,
    username: row.username,
    acct: summary.isLocal ? row.username : summary.acct,
    url: summary.isLocal ? `${links.origin}${summary.path}` : summary.url,
    uri: row.iri,
    display_name: row.display_name,
    note: summary.bioHtml,
    avatar,
    avatar_static: avatar,
    header,
    header_static: header,
    locked: summary.locked,
    fields: [],
    emojis: [],
    bot: row.type === "Service" || row.type === "Application",
    group: row.type === "Group",
    discoverable: row.discoverable === 1,
    indexable: row.indexable === 1,
    noindex: row.indexable !== 1,
    created_at: day(row.created_at),
    last_status_at: stats.lastStatusAt,
    statuses_count: stats.statuses,
    followers_count: stats.followers,
    following_count: stats.following,
  };
}

/** A media attachment entity from an image as a page would show it. Pure. */
export function mediaEntity(m: MediaView, links: Pick<EntityLinks, "origin">, opts: { remoteUrl?: string | null; focus?: string | null; source?: "generated" | "upload" | "remote" } = {}): MastodonMediaAttachment {
  const focus = parseFocus(opts.focus ?? null);
  const meta: MastodonMediaAttachment["meta"] = {};
  if (m.width && m.height) {
    meta.original = dims(m.width, m.height);
    const scale = Math.min(1, THUMB_MAX / Math.max(m.width, m.height));
    meta.small = dims(Math.max(1, Math.round(m.width * scale)), Math.max(1, Math.round(m.height * scale)));
  }
  if (focus) meta.focus = focus;
  const unavailable = m.unavailable;
  return {
    id: m.id,
    type: unavailable ? "unknown" : "image",
    url: unavailable ? null : absolute(links.origin, m.url),
    preview_url: unavailable || !m.thumbUrl ? null : absolute(links.origin, m.thumbUrl),
    remote_url: opts.remoteUrl ?? (unavailable ? m.url : null),
    preview_remote_url: null,
    text_url: null,
    meta,
    description: m.alt || null,
    blurhash: m.blurhash,
    pictor: { generated: m.generated, model: m.model, source: opts.source ?? (m.generated ? "generated" : "upload") },
  };
}

/** "x,y" with each in -1..1, or null. Pure. */
export function parseFocus(raw: string | null): { x: number; y: number } | null {
  if (!raw) return null;
  const [x, y] = raw.split(",").map(Number);
  return Number.isFinite(x) && Number.isFinite(y) && Math.abs(x) <= 1 && Math.abs(y) <= 1 ? { x, y } : null;
}

/** What one status needs besides its view: the accounts as entities, and the viewer's own marks. */
export interface StatusParts {
  account: MastodonAccount;
  mentions: MastodonAccount[];
  inReplyTo: { id: string; accountId: string } | null;
  /** The quoted status, when the viewer may see it (already an entity, shallow). */
  quoted: MastodonStatus | null;
  /** Stored media rows' extra fields by media id. */
  mediaExtras: Map<string, { remoteUrl: string | null; focus: string | null }>;
  viewer: { favourited: boolean; reblogged: boolean; bookmarked: boolean; pinned: boolean; muted: boolean } | null;
  /** The local id of the post this remixes, when it is one. */
  remixOf?: string | null;
}

/** A status entity. Pure. */
export function statusEntity(v: PostView, parts: StatusParts, links: EntityLinks): MastodonStatus {
  const isLocal = v.author.isLocal;
  const quoteState = v.quote?.state ?? null;
  return {
    id: v.id,
    uri: v.iri,
    url: v.url ?? (isLocal ? `${links.origin}${v.path}` : null),
    created_at: v.publishedAt,
    edited_at: v.editedAt,
    account: parts.account,
    content: v.contentHtml,
    visibility: MASTODON_VISIBILITY[v.visibility],
    sensitive: v.sensitive,
    spoiler_text: v.summary ?? "",
    media_attachments: v.media.map((m) => {
      const extra = parts.mediaExtras.get(m.id);
      return mediaEntity(m, links, { remoteUrl: isLocal ? null : (extra?.remoteUrl ?? null), focus: extra?.focus ?? null, source: isLocal ? (m.generated ? "generated" : "upload") : "remote" });
    }),
    application: null,
    mentions: parts.mentions.map((a) => ({ id: a.id, username: a.username, url: a.url, acct: a.acct })),
    tags: v.tags.map((t) => ({ name: t, url: links.tag(t) })),
    emojis: [],
    reblogs_count: v.counts.boosts,
    favourites_count: v.counts.likes,
    replies_count: v.counts.replies,
    quotes_count: v.counts.quotes,
    in_reply_to_id: parts.inReplyTo?.id ?? null,
    in_reply_to_account_id: parts.inReplyTo?.accountId ?? null,
    reblog: null,
    quote: quoteState ? { state: quoteState, quoted_status: quoteState === "accepted" ? parts.quoted : null } : null,
    poll: null,
    card: null,
    language: null,
    text: null,
    ...(parts.viewer ? { ...parts.viewer, filtered: [] as [] } : {}),
    pictor: { generated: v.generated, models: v.models, prompts: v.prompts, prompt_public: v.promptPublic, remix_of: parts.remixOf ?? null },
  };
}

/** A reblog: its own id (the boost's), the booster, and the boosted status inside. Pure. */
export function reblogEntity(id: string, createdAt: string, booster: MastodonAccount, inner: MastodonStatus): MastodonStatus {
  return {
    ...inner,
    id,
    uri: `${inner.uri}#boosts/${id}`,
    url: null,
    created_at: createdAt,
    edited_at: null,
    account: booster,
    content: "",
    spoiler_text: "",
    sensitive: false,
    media_attachments: [],
    mentions: [],
    tags: [],
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    quote: null,
    reblog: inner,
    pictor: { generated: false, models: [], prompts: [], prompt_public: false, remix_of: null },
  };
}

/** A quoted status as it sits inside another: its own quote shallow (an id), as Mastodon 4.5 nests them. Pure. */
export function shallowQuoted(s: MastodonStatus): MastodonStatus {
  const q = s.quote;
  if (!q || "quoted_status_id" in q) return s;
  return { ...s, quote: { state: q.state, quoted_status_id: q.quoted_status?.id ?? null } };
}

export interface MastodonRelationship {
  id: string;
  following: boolean;
  showing_reblogs: boolean;
  notifying: boolean;
  languages: null;
  followed_by: boolean;
  blocking: boolean;
  blocked_by: boolean;
  muting: boolean;
  muting_notifications: boolean;
  requested: boolean;
  requested_by: boolean;
  domain_blocking: boolean;
  endorsed: boolean;
  note: string;
}

/** A relationship entity from what is stored between the viewer and one account. Pure. */
export function relationshipEntity(
  id: string,
  r: { following: "none" | "pending" | "accepted"; followedBy: "none" | "pending" | "accepted"; blocking: boolean; blockedBy: boolean; muting: boolean; domainBlocking?: boolean },
): MastodonRelationship {
  return {
    id,
    following: r.following === "accepted",
    showing_reblogs: r.following === "accepted",
    notifying: false,
    languages: null,
    followed_by: r.followedBy === "accepted",
    blocking: r.blocking,
    blocked_by: r.blockedBy,
    muting: r.muting,
    muting_notifications: r.muting,
    requested: r.following === "pending",
    requested_by: r.followedBy === "pending",
    domain_blocking: r.domainBlocking ?? false,
    endorsed: false,
    note: "",
  };
}

/** Pictor's notification types → Mastodon's. */
export const NOTIFICATION_TYPES: Record<string, string> = {
  follow: "follow",
  follow_request: "follow_request",
  like: "favourite",
  boost: "reblog",
  reply: "mention",
  mention: "mention",
  quote: "quote",
  quoted_update: "quoted_update",
  update: "update",
};

export interface MastodonNotification {
  id: string;
  type: string;
  group_key: string;
  created_at: string;
  account: MastodonAccount;
  status?: MastodonStatus;
}

/** A notification entity. Pure. */
export function notificationEntity(n: { id: string; type: string; created_at: string }, account: MastodonAccount, status: MastodonStatus | null): MastodonNotification {
  const type = NOTIFICATION_TYPES[n.type] ?? n.type;
  return { id: n.id, type, group_key: `ungrouped-${n.id}`, created_at: n.created_at, account, ...(status ? { status } : {}) };
}
