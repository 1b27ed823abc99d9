import { join } from "node:path";
import type { KvStore, MessageQueue } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { Hono } from "hono";
import { buildFederation, type PictorFederation } from "../fedify.config.ts";
import { type FederationDeps, registerFederation } from "../federation/index.ts";
import { lookup as search, resolveAccount } from "../federation/lookup.ts";
import { fetchThread, resolvePost } from "../federation/threads.ts";
import type { Config } from "./config.ts";
import { AccountService } from "./domain/accounts.ts";
import { DomainEvents } from "./domain/events.ts";
import { FollowService } from "./domain/follows.ts";
import { GenerationService } from "./domain/generations.ts";
import { InstanceService } from "./domain/instance.ts";
import { InteractionService } from "./domain/interactions.ts";
import { ModerationService } from "./domain/moderation.ts";
import { NotificationService, registerNotificationHandlers } from "./domain/notifications.ts";
import { type PostDetails, PostService } from "./domain/posts.ts";
import { QuoteService } from "./domain/quotes.ts";
import { OAuthService } from "./domain/oauth.ts";
import { EntityPartsReader } from "./read/entity-parts.ts";
import { AccountApiReader } from "./read/accounts-api.ts";
import { StreamHub } from "./api/stream/hub.ts";
import { registerStreamHandlers } from "./api/stream/handlers.ts";
import { StreamEventStore } from "./api/stream/store.ts";
import { BookmarkService, PinService } from "./domain/bookmarks.ts";
import { UploadService } from "./domain/uploads.ts";
import { SessionService } from "./domain/sessions.ts";
import { VisibilityRules } from "./domain/visibility.ts";
import { createImageGenerator, type GenerationDeps, type ImageGenerator } from "./generation/index.ts";
import { ApResponseCache } from "./http/ap-cache.ts";
import { PageCache } from "./http/page-cache.ts";
import { SESSION_COOKIE } from "./http/web/session.ts";
import { ContentVersion } from "./storage/content-version.ts";
import { createHttpApp } from "./http/app.tsx";
import { generationPolicy, generationRunner } from "./jobs/generation.ts";
import { RemoteMediaCache } from "./jobs/remote-media.ts";
import { MediaReader } from "./read/media.ts";
import { PostReader } from "./read/posts.ts";
import { queueAdmin } from "./read/queues.ts";
import { TimelineReader } from "./read/timelines.ts";
import { LocalDiskMediaStore } from "./media/local-store.ts";
import { createHttpClient, type HttpClient, httpClientOptions, installGlobally } from "./net/index.ts";
import type { MediaStore } from "./media/store.ts";
import { type Db, openDb } from "./storage/db.ts";
import { migrateToLatest } from "./storage/migrate.ts";
import type { AccountRow } from "./storage/schema.ts";
import { LocalUrls } from "./urls.ts";

/** The persistent stores every process shares: Fedify's KV store and queue, and the jobs queue. */
export interface PictorStores {
  /** With `sweep`, workers delete expired entries on a schedule. */
  kv: KvStore & { sweep?(): Promise<number> };
  /** Inbox, outbox and fan-out work. */
  queue: MessageQueue;
  /** Generation jobs. With `copies`, a dead worker's job is taken over as soon as its lease lapses. */
  jobs: MessageQueue & { copies?(message: unknown): Promise<{ queued: number; leased: number }> };
}

export interface Pictor {
  config: Config;
  db: Db;
  urls: LocalUrls;
  events: DomainEvents;
  accounts: AccountService;
  follows: FollowService;
  posts: PostService;
  notifications: NotificationService;
  sessions: SessionService;
  interactions: InteractionService;
  /** Read models: every read takes a viewer and goes through the visibility rule. */
  visibility: VisibilityRules;
  reader: PostReader;
  timelines: TimelineReader;
  quotes: QuoteService;
  moderation: ModerationService;
  generations: GenerationService;
  instance: InstanceService;
  generator: ImageGenerator;
  media: MediaStore;
  /** The cache of remote images (attachments, avatars, headers), fetched in the background. */
  remoteMedia: RemoteMediaCache;
  federation: PictorFederation;
  http: Hono;
  /** The one guarded HTTP client for everything Pictor fetches or posts (src/net); also the process's global dispatcher. */
  net: HttpClient;
  /** Cached public ActivityPub responses, never stale (see src/http/response-cache.ts). */
  apCache: ApResponseCache;
  /** Cached public pages for logged-out visitors, never stale alike. */
  pageCache: PageCache;
  /** The content version those caches (and the blocked domains) are checked against. */
  contentVersion: ContentVersion;
  /** OAuth 2.0 apps and tokens (the client API's sign-in). */
  oauth: OAuthService;
  /** The streaming API's fan-out in this process. */
  streams: StreamHub;
  /** Finds (and stores) an account by @user@host or URL. */
  resolveAccount(query: string): Promise<AccountRow>;
  /** Finds (and stores) a post by IRI or URL, local or remote. */
  resolvePost(ref: string): Promise<PostDetails>;
  /** A local account edits its profile (followers' servers get an Update). */
  updateProfile(account: AccountRow, input: Parameters<AccountService["updateProfile"]>[1]): Promise<AccountRow>;
  /** Deletes a local account, telling the servers that knew it. */
  deleteAccount(account: AccountRow): Promise<void>;
  /** Fetches a thread's missing ancestors and remote replies (bounded); returns how many were stored. */
  fetchThread(details: PostDetails): Promise<number>;
  /** Consumes the persistent queues (federation and jobs) until the signal aborts. */
  startQueue(signal: AbortSignal): Promise<void>;
  /** Consumes the jobs queue only (the CLI does, while it waits for its own job). */
  startJobs(signal: AbortSignal): Promise<void>;
  /** Queues again jobs that lost their message or their worker; returns how many. Part of `sweep`. */
  sweepJobs(): Promise<number>;
  /** One round of the workers' scheduled cleanups (every 30 s): orphaned jobs, expired KV entries. */
  sweep(): Promise<void>;
  /** Waits for pending event handlers, then closes the database (and uninstalls the HTTP client). */
  close(): Promise<void>;
}

export interface CreateOptions {
  /** Run migrations first (default true). */
  migrate?: boolean;
  /** The KV store and queues on the given database. */
  stores: (db: Db) => PictorStores;
  /** Test seams for the image providers (fetch, sleep, randomness). */
  generation?: GenerationDeps;
}

/** How long a queued job may sit before the sweeper queues it again (a crash between insert and enqueue). */
const ORPHAN_AFTER_MS = 2 * 60 * 1000;
/** How often workers sweep: jobs whose message is gone, expired KV entries. */
const SWEEP_EVERY_MS = 30 * 1000;

/** The composition root: the only place that wires storage, services, federation and HTTP together. */
export async function createPictor(config: Config, options: CreateOptions): Promise<Pictor> {
  const logger = getLogger(["pictor"]);
  const db = openDb(config.databaseUrl);
  try {
    if (options.migrate ?? true) await migrateToLatest(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const urls = new LocalUrls(config.publicUrl);
  const events = new DomainEvents((event, error) => logger.error("Handler for {event} failed: {error}", { event, error }), {
    leaseMs: config.queueLeaseMs,
    afterCommit: config.crashAfterCommit
      ? (names) => {
          if (names.includes(config.crashAfterCommit as never)) process.kill(process.pid, "SIGKILL");
        }
      : undefined,
  });
  const stores = options.stores(db);

  const accounts = new AccountService(db, urls);
  // What anonymous pages and public documents show changes with this counter (bumped by triggers, any process).
  const contentVersion = new ContentVersion(db);
  const moderation = new ModerationService(db, urls, events, undefined, new ContentVersion(db, 2));
  const follows = new FollowService(db, urls, events, moderation);
  // Mentions of remote accounts are looked up through federation, which is built below.
  let lookup: (query: string) => Promise<AccountRow> = async () => {
    throw new Error("federation not ready");
  };
  const posts = new PostService(db, urls, events, {
    resolve: async (username, host) =>
      host ? lookup(`@${username}@${host}`).catch(() => null) : ((await accounts.getLocalByUsername(username)) ?? null),
  });
  const interactions = new InteractionService(db, urls, events, moderation);
  const visibility = new VisibilityRules(db, () => moderation.blockedDomains());
  const reader = new PostReader(db, posts, visibility);
  const timelines = new TimelineReader(db, posts);
  const quotes = new QuoteService(db, posts, events, urls);
  const notifications = new NotificationService(db, moderation);
  registerNotificationHandlers(events, notifications, db);
  // The streaming API: every process records events (ids only) for every web process's listeners.
  const streamEvents = new StreamEventStore(db);
  registerStreamHandlers(events, notifications, streamEvents);

  const media = new LocalDiskMediaStore({ root: join(config.dataDir, "media"), baseUrl: new URL("/media/", config.publicUrl) });
  // Refuses non-global addresses after DNS and on every redirect unless ALLOW_PRIVATE_ADDRESS; caps and times out.
  const net = createHttpClient(httpClientOptions(config));
  const generator = createImageGenerator(config.generation, { http: net.options, ...options.generation });
  const instance = new InstanceService(db, { registrations: config.registrations, limits: config.generationLimits });
  const jobCopies = stores.jobs.copies?.bind(stores.jobs);
  const generations = new GenerationService(
    db,
    generationPolicy(config.generation, generator),
    () => instance.generationLimits(),
    (jobId) => stores.jobs.enqueue({ jobId }),
    jobCopies && ((jobId) => jobCopies({ jobId })),
  );
  // Remote images are fetched by jobs on the jobs queue, through the guarded client, never while an inbox is handled.
  const remoteMedia = new RemoteMediaCache({
    db,
    store: media,
    fetch: net.fetch,
    limits: config.generation.media,
    enqueue: (url) => stores.jobs.enqueue({ remoteMedia: url }),
    logger: getLogger(["pictor", "media"]),
    enabled: config.remoteMedia.enabled,
  });
  events.on("post.received", (d) => remoteMedia.request([...d.media.map((m) => m.remote_url), d.author.avatar_url, d.author.header_url]).then(() => {}));
  const runJob = generationRunner({
    db,
    generations,
    generator,
    store: media,
    config: config.generation,
    logger: getLogger(["pictor", "jobs"]),
    fetch: net.fetch,
  });

  const federation = buildFederation(config, stores);
  const deps: FederationDeps = {
    config,
    urls,
    accounts,
    follows,
    posts,
    interactions,
    quotes,
    moderation,
    visibility,
    reader,
    events,
    logger: getLogger(["pictor", "federation"]),
  };
  registerFederation(federation, deps);
  lookup = (query) => resolveAccount(federation, deps, query);
  // Public ActivityPub documents and anonymous pages are served from memory while the content version
  // (bumped by database triggers with every change that shows, from any process) reads as when they were rendered.
  const apCache = new ApResponseCache(contentVersion, config.apCacheTtlMs);
  const pageCache = new PageCache(contentVersion, { sessionCookie: SESSION_COOKIE });
  const sessions = new SessionService(db);
  // Account counts are kept a few seconds per process; changes made here drop them at once.
  const parts = new EntityPartsReader(db);
  for (const event of ["follow.received", "follow.accepted", "follow.rejected", "follow.requested", "follow.undone", "follow.changed"] as const) {
    events.on(event, (d) => parts.forget(d.follower.id, d.following.id));
  }
  for (const event of ["post.published", "post.deleted", "post.received", "post.removed"] as const) events.on(event, (d) => parts.forget(d.author.id));
  for (const event of ["account.blocked", "account.unblocked"] as const) events.on(event, (d) => parts.forget(d.blocker.id, d.target.id));
  const oauth = new OAuthService(db);
  const streams = new StreamHub(streamEvents, { onError: (error) => logger.warn("Streaming delivery failed: {error}", { error }) });
  const http = createHttpApp({
    oauth,
    parts,
    accountReads: new AccountApiReader(db),
    streams,
    config,
    urls,
    federation,
    accounts,
    follows,
    posts,
    reader,
    visibility,
    timelines,
    interactions,
    notifications,
    generations,
    sessions,
    media,
    apCache,
    pageCache,
    resolveAccount: (query) => lookup(query),
    search: (query) => search(federation, deps, query),
    updateProfile: (account, input) => accounts.updateProfile(account, input, events),
    moderation,
    instance,
    mediaReader: new MediaReader(db),
    queues: queueAdmin(db, [stores.queue, stores.jobs]),
    remoteMedia,
    models: generator.provider.models,
    canEdit: typeof generator.provider.edit === "function",
    uploads: new UploadService(db, media, { enabled: config.uploads, limits: config.generation.media }),
    bookmarks: new BookmarkService(db),
    pins: new PinService(db),
  });

  let lastPrune = 0;
  const sweepJobs = async () => {
    const ids = await generations.orphaned(ORPHAN_AFTER_MS);
    for (const jobId of ids) await stores.jobs.enqueue({ jobId });
    // Remote images: fetches whose job was lost or that are due another try; hourly, the old full-size copies and unused images go.
    await remoteMedia.requeueStale(ORPHAN_AFTER_MS);
    if (config.remoteMedia.retentionMs > 0 && Date.now() - lastPrune >= 3_600_000) {
      lastPrune = Date.now();
      const pruned = await remoteMedia.prune(config.remoteMedia.retentionMs);
      if (pruned.fullCopies || pruned.unused) logger.info("Pruned remote media: {fullCopies} full-size copies, {unused} unused images", pruned);
    }
    return ids.length;
  };
  const sweepOnce = async () => {
    try {
      await sweepJobs();
    } catch (error) {
      logger.warn("Job sweep failed: {error}", { error: (error as Error)?.message });
    }
    try {
      await stores.kv.sweep?.();
      await sessions.deleteExpired();
      await streamEvents.sweep();
    } catch (error) {
      logger.warn("KV and session sweep failed: {error}", { error: (error as Error)?.message });
    }
  };
  /** Every 30 s, queues again jobs that lost their message or worker (re-runs are harmless) and drops expired KV entries and sessions. */
  const sweep = async (signal: AbortSignal) => {
    while (!signal.aborted) {
      await sweepOnce();
      await new Promise((r) => {
        const t = setTimeout(r, SWEEP_EVERY_MS);
        signal.addEventListener("abort", () => (clearTimeout(t), r(undefined)), { once: true });
      });
    }
  };

  /**
   * The transactional outbox's dispatcher: events committed by a process that
   * died before handling them (or whose handlers failed) are handled here
   * once their claim runs out. Every second; a failure (the database away) waits and tries again.
   */
  const dispatchEvents = async (signal: AbortSignal) => {
    let wait = 1000;
    while (!signal.aborted) {
      try {
        while ((await events.dispatchDue(db)) > 0 && !signal.aborted);
        wait = 1000;
      } catch (error) {
        logger.warn("Event dispatch failed: {error}", { error });
        wait = Math.min(wait * 2, 30_000);
      }
      await new Promise((r) => {
        const t = setTimeout(r, wait);
        signal.addEventListener("abort", () => (clearTimeout(t), r(undefined)), { once: true });
      });
    }
  };

  const listenJobs = (signal: AbortSignal) =>
    stores.jobs.listen(
      async (message: unknown) => {
        const { jobId, remoteMedia: url } = (message ?? {}) as { jobId?: unknown; remoteMedia?: unknown };
        if (typeof jobId === "string") await runJob(jobId);
        else if (typeof url === "string") await remoteMedia.run(url);
      },
      { signal },
    );

  // Fedify fetches and delivers with the global fetch: route it through the guarded client.
  const uninstallNet = installGlobally(net);
  return {
    config,
    db,
    urls,
    events,
    accounts,
    follows,
    posts,
    notifications,
    sessions,
    interactions,
    visibility,
    reader,
    timelines,
    quotes,
    moderation,
    generations,
    instance,
    generator,
    media,
    remoteMedia,
    federation,
    http,
    net,
    apCache,
    pageCache,
    contentVersion,
    oauth,
    streams,
    resolveAccount: (query) => lookup(query),
    fetchThread: (details) => fetchThread(federation, deps, details),
    resolvePost: (ref) => resolvePost(federation, deps, ref),
    deleteAccount: (account) => accounts.deleteLocal(account, events),
    updateProfile: (account, input) => accounts.updateProfile(account, input, events),
    async startQueue(signal) {
      await Promise.all([federation.startQueue(undefined, { signal }), listenJobs(signal), sweep(signal), dispatchEvents(signal)]);
    },
    startJobs: (signal) => listenJobs(signal),
    sweepJobs,
    sweep: sweepOnce,
    async close() {
      await streams.close();
      await events.drain();
      await db.close();
      if (uninstallNet()) await net.close();
    },
  };
}
