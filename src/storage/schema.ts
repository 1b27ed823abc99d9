import type { Generated, Insertable, Selectable, Updateable } from "kysely";

// Booleans are 0/1 integers, dates ISO-8601 UTC text, ids UUIDv7 text, JSON as text.

export interface AccountsTable {
  id: string;
  iri: string;
  username: string;
  /** NULL for local accounts; the lowercased host for remote ones. */
  domain: string | null;
  display_name: Generated<string>;
  bio_html: Generated<string>;
  avatar_url: string | null;
  header_url: string | null;
  url: string | null;
  inbox_url: string | null;
  shared_inbox_url: string | null;
  followers_url: string | null;
  type: Generated<string>;
  manually_approves_followers: Generated<number>;
  discoverable: Generated<number>;
  indexable: Generated<number>;
  created_at: string;
  updated_at: string;
  fetched_at: string | null;
  /** Set when a local account was deleted; its row stays so the username is never reused. */
  deleted_at: string | null;
  /** Set while an admin has suspended the (local) account: it cannot sign in. */
  suspended_at: string | null;
}

export interface LocalUsersTable {
  account_id: string;
  password_hash: string;
  is_admin: Generated<number>;
  created_at: string;
  default_visibility: Generated<Visibility>;
  show_prompt_default: Generated<number>;
}

export interface ActorKeysTable {
  owner: string;
  kind: "rsa" | "ed25519";
  public_jwk: string;
  private_jwk: string;
  created_at: string;
}

export interface FollowsTable {
  id: string;
  iri: string;
  follower_id: string;
  following_id: string;
  state: "pending" | "accepted";
  created_at: string;
  accepted_at: string | null;
}

export type Visibility = "public" | "unlisted" | "followers" | "direct";

/** A quote's standing (FEP-044f): waiting for (or lacking) a valid stamp, approved, declined, or taken back. */
export type QuoteState = "pending" | "accepted" | "rejected" | "revoked";

export interface PostsTable {
  id: string;
  iri: string;
  account_id: string;
  url: string | null;
  /** The author's plain-text caption (local posts only). */
  caption: string | null;
  /** Safe HTML: rendered from the caption, or sanitized remote content. */
  content_html: Generated<string>;
  /** The content warning; NULL when none. */
  summary: string | null;
  sensitive: Generated<number>;
  visibility: Visibility;
  show_prompt: Generated<number>;
  in_reply_to_iri: string | null;
  quote_iri: string | null;
  /** The stamp (FEP-044f QuoteAuthorization) that lets this post quote quote_iri. */
  quote_authorization_iri: string | null;
  /** How far the quote is authorized (see src/domain/quote-state.ts); NULL when the post quotes nothing. */
  quote_state: QuoteState | null;
  replies_count: Generated<number>;
  likes_count: Generated<number>;
  boosts_count: Generated<number>;
  /** Accepted quotes of this post that are stored and anyone may see. */
  quotes_count: Generated<number>;
  published_at: string;
  updated_at: string | null;
  deleted_at: string | null;
  created_at: string;
}

export interface MediaTable {
  id: string;
  account_id: string;
  post_id: string | null;
  position: Generated<number>;
  job_id: string | null;
  sha256: string | null;
  /** The JPEG/PNG that other servers get (local media). */
  file_key: string | null;
  original_key: string | null;
  webp_key: string | null;
  thumb_key: string | null;
  /** Where a remote attachment lives. */
  remote_url: string | null;
  media_type: string;
  width: number | null;
  height: number | null;
  blurhash: string | null;
  alt: Generated<string>;
  prompt: string | null;
  model: string | null;
  provider: string | null;
  seed: number | null;
  /** The focal point, "x,y" with each in -1..1 (Mastodon's `focus`), or null. */
  focus: string | null;
  created_at: string;
}

export interface PostTagsTable {
  post_id: string;
  tag: string;
}

export interface PostMentionsTable {
  post_id: string;
  account_id: string;
}

export type NotificationType = "follow" | "follow_request" | "mention" | "reply" | "like" | "boost" | "quote";

export interface NotificationsTable {
  id: string;
  account_id: string;
  type: NotificationType;
  actor_id: string;
  post_id: string | null;
  source_iri: string;
  created_at: string;
  read_at: string | null;
}

export type JobState = "queued" | "running" | "done" | "failed";

export interface GenerationJobsTable {
  id: string;
  account_id: string;
  prompt: string;
  provider: string;
  model: string;
  size: string;
  n: number;
  seed: number | null;
  quality: string | null;
  /** For remixes: the image the provider edits. */
  source_media_id: string | null;
  state: JobState;
  error_code: string | null;
  error_message: string | null;
  attempts: Generated<number>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface InteractionsTable {
  id: string;
  iri: string;
  type: "like" | "boost";
  account_id: string;
  post_id: string;
  created_at: string;
}

export interface QuoteStampsTable {
  id: string;
  post_id: string;
  quoting_iri: string;
  quoter_id: string;
  request_iri: string;
  created_at: string;
  revoked_at: string | null;
}

/**
 * The cache of a remote image (an attachment, avatar or header), keyed by its URL: a thumbnail and
 * blurhash, and a full-size copy kept for REMOTE_MEDIA_RETENTION; or why it could not be fetched.
 */
export interface RemoteMediaTable {
  id: string;
  url: string;
  /** queued: waiting for (or between) fetches; cached: files stored; failed: given up, shown as a link. */
  state: "queued" | "cached" | "failed";
  /** WebP, longest side ≤ 400, metadata stripped (media store key). */
  thumb_key: string | null;
  /** WebP, longest side ≤ 2048, metadata stripped; NULL once pruned (fetched again on demand). */
  full_key: string | null;
  blurhash: string | null;
  width: number | null;
  height: number | null;
  /** Bytes of the files held (thumbnail and full-size copy). */
  size_bytes: Generated<number>;
  /** Why the last fetch failed ("code: message"); NULL after a success. */
  error: string | null;
  attempts: Generated<number>;
  created_at: string;
  updated_at: string;
  /** When the files were last fetched (pruning counts from here). */
  fetched_at: string | null;
}

export interface BlocksTable {
  id: string;
  iri: string;
  account_id: string;
  target_id: string;
  created_at: string;
}

/** A local account mutes another: its posts leave the muter's lists; nothing is federated. */
export interface MutesTable {
  id: string;
  account_id: string;
  target_id: string;
  created_at: string;
}

export interface ReportsTable {
  id: string;
  iri: string;
  reporter_id: string;
  target_id: string | null;
  /** JSON array of reported object IRIs. */
  object_iris: Generated<string>;
  comment: Generated<string>;
  created_at: string;
  resolved_at: string | null;
}

export interface DomainBlocksTable {
  domain: string;
  reason: Generated<string>;
  created_at: string;
}

export interface KvTable {
  /** The key as JSON text of its string array. */
  key: string;
  /** The value as JSON text. */
  value: string;
  expires_at: string | null;
}

export interface QueueMessagesTable {
  id: string;
  queue: string;
  /** JSON text; may carry private keys (outbox messages): never log it. */
  message: string;
  ordering_key: string | null;
  run_at: string;
  locked_until: string | null;
  locked_by: string | null;
  attempts: Generated<number>;
  created_at: string;
  /** The remote origin the message talks to (an outbox delivery's inbox), for per-origin fairness; null for the rest. */
  origin: Generated<string | null>;
}

/** A queue message that failed too often, set aside until retried or dropped. */
export interface DeadLettersTable {
  id: string;
  queue: string;
  /** JSON text; may carry private keys (outbox messages): never log or show it. */
  message: string;
  ordering_key: string | null;
  origin: string | null;
  attempts: number;
  /** The last error's message (never the body). */
  error: string;
  created_at: string;
  failed_at: string;
}

/** The transactional outbox: an event waiting for (or retrying) its handlers. */
export interface DomainEventsTable {
  id: string;
  name: string;
  /** JSON text of the event's payload (records only; never keys). */
  payload: string;
  created_at: string;
  /** Nobody else dispatches it before this time (the emitting process holds it first). */
  claimed_until: string;
  attempts: Generated<number>;
  last_error: string | null;
}

export interface SessionsTable {
  /** SHA-256 (hex) of the session token; the token itself is only in the cookie. */
  id: string;
  account_id: string;
  user_agent: Generated<string>;
  created_at: string;
  expires_at: string;
}

export interface InstanceSettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface InvitesTable {
  /** SHA-256 (hex) of the invite code. */
  id: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_by: string | null;
  used_at: string | null;
}

export interface OAuthAppsTable {
  id: string;
  client_id: string;
  /** SHA-256 of the client secret. */
  client_secret_hash: string;
  name: string;
  website: string | null;
  /** One per line. */
  redirect_uris: string;
  /** Space-separated. */
  scopes: string;
  created_at: string;
}

export interface OAuthCodesTable {
  /** SHA-256 of the code. */
  code_hash: string;
  app_id: string;
  account_id: string;
  scopes: string;
  redirect_uri: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface OAuthTokensTable {
  id: string;
  /** SHA-256 of the token. */
  token_hash: string;
  app_id: string;
  /** null for an app's own token (client_credentials). */
  account_id: string | null;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface BookmarksTable {
  id: string;
  account_id: string;
  post_id: string;
  created_at: string;
}

export interface MarkersTable {
  account_id: string;
  timeline: string;
  last_read_id: string;
  version: Generated<number>;
  updated_at: string;
}

export interface PostEditsTable {
  id: string;
  post_id: string;
  content_html: string;
  caption: string | null;
  summary: string | null;
  sensitive: Generated<number>;
  /** JSON: the alt texts of the post's images then, in order. */
  media_alts: Generated<string>;
  created_at: string;
}

export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  post_id: string | null;
  created_at: string;
}

export interface StreamEventsTable {
  /** UUIDv7. */
  id: string;
  kind: string;
  /** JSON. */
  payload: string;
  created_at: string;
}

export interface PinsTable {
  account_id: string;
  post_id: string;
  created_at: string;
}

/**
 * One row (id 1): a counter that database triggers bump in the same transaction as every change to what
 * anonymous pages and public ActivityPub documents show (migrations/0045). Response caches compare it.
 */
export interface ContentVersionTable {
  id: number;
  version: number;
}

export interface Database {
  accounts: AccountsTable;
  local_users: LocalUsersTable;
  actor_keys: ActorKeysTable;
  follows: FollowsTable;
  posts: PostsTable;
  media: MediaTable;
  post_tags: PostTagsTable;
  post_mentions: PostMentionsTable;
  notifications: NotificationsTable;
  generation_jobs: GenerationJobsTable;
  interactions: InteractionsTable;
  quote_stamps: QuoteStampsTable;
  remote_media: RemoteMediaTable;
  blocks: BlocksTable;
  mutes: MutesTable;
  reports: ReportsTable;
  domain_blocks: DomainBlocksTable;
  kv: KvTable;
  queue_messages: QueueMessagesTable;
  dead_letters: DeadLettersTable;
  sessions: SessionsTable;
  domain_events: DomainEventsTable;
  instance_settings: InstanceSettingsTable;
  invites: InvitesTable;
  oauth_apps: OAuthAppsTable;
  oauth_codes: OAuthCodesTable;
  oauth_tokens: OAuthTokensTable;
  bookmarks: BookmarksTable;
  markers: MarkersTable;
  post_edits: PostEditsTable;
  idempotency_keys: IdempotencyKeysTable;
  stream_events: StreamEventsTable;
  pins: PinsTable;
  content_version: ContentVersionTable;
}

export type AccountRow = Selectable<AccountsTable>;
export type NewAccountRow = Insertable<AccountsTable>;
export type AccountUpdate = Updateable<AccountsTable>;
export type FollowRow = Selectable<FollowsTable>;
export type PostRow = Selectable<PostsTable>;
export type MediaRow = Selectable<MediaTable>;
export type NotificationRow = Selectable<NotificationsTable>;
export type GenerationJobRow = Selectable<GenerationJobsTable>;
export type InteractionRow = Selectable<InteractionsTable>;
export type QuoteStampRow = Selectable<QuoteStampsTable>;
export type RemoteMediaRow = Selectable<RemoteMediaTable>;
export type ReportRow = Selectable<ReportsTable>;
export type BlockRow = Selectable<BlocksTable>;
export type MuteRow = Selectable<MutesTable>;
export type OAuthAppRow = Selectable<OAuthAppsTable>;
export type OAuthTokenRow = Selectable<OAuthTokensTable>;
export type PostEditRow = Selectable<PostEditsTable>;
