import { InProcessMessageQueue, MemoryKvStore } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { Hono } from "hono";
import { buildFederation, type FederationStores, type PictorFederation } from "../fedify.config.ts";
import { registerFederation, type FederationDeps } from "../federation/index.ts";
import { resolveAccount } from "../federation/lookup.ts";
import { fetchThread } from "../federation/threads.ts";
import type { Config } from "./config.ts";
import { AccountService } from "./domain/accounts.ts";
import { DomainEvents } from "./domain/events.ts";
import { FollowService } from "./domain/follows.ts";
import { InteractionService } from "./domain/interactions.ts";
import { NotificationService, registerNotificationHandlers } from "./domain/notifications.ts";
import { type PostDetails, PostService } from "./domain/posts.ts";
import { ModerationService } from "./domain/moderation.ts";
import { QuoteService } from "./domain/quotes.ts";
import { TimelineService } from "./domain/timelines.ts";
import { createHttpApp } from "./http/app.tsx";
import { type Db, openDb } from "./storage/db.ts";
import { migrateToLatest } from "./storage/migrate.ts";
import type { AccountRow } from "./storage/schema.ts";
import { LocalUrls } from "./urls.ts";

export interface Pictor {
  config: Config;
  db: Db;
  urls: LocalUrls;
  events: DomainEvents;
  accounts: AccountService;
  follows: FollowService;
  posts: PostService;
  notifications: NotificationService;
  interactions: InteractionService;
  timelines: TimelineService;
  quotes: QuoteService;
  moderation: ModerationService;
  federation: PictorFederation;
  http: Hono;
  /** Finds (and stores) an account by @user@host or URL. */
  resolveAccount(query: string): Promise<AccountRow>;
  /** Fetches a thread's missing ancestors and remote replies (bounded); returns how many were stored. */
  fetchThread(details: PostDetails): Promise<number>;
  /** Consumes the persistent queue until the signal aborts. */
  startQueue(signal: AbortSignal): Promise<void>;
  /** Waits for pending event handlers, then closes the database. */
  close(): Promise<void>;
}

export interface CreateOptions {
  /** Run migrations first (default true). */
  migrate?: boolean;
  /** Override the KV store and queue (tests). */
  stores?: (db: Db) => FederationStores;
}

/** The composition root: the only place that wires storage, services, federation and HTTP together. */
export async function createPictor(config: Config, options: CreateOptions = {}): Promise<Pictor> {
  const logger = getLogger(["pictor"]);
  const db = openDb(config.databaseUrl);
  try {
    if (options.migrate ?? true) await migrateToLatest(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const urls = new LocalUrls(config.publicUrl);
  const events = new DomainEvents((event, error) =>
    logger.error("Handler for {event} failed: {error}", { event, error }),
  );
  const accounts = new AccountService(db, urls);
  const follows = new FollowService(db, urls, events);
  // Mentions of remote accounts are looked up through federation, which is built below.
  let lookup: (query: string) => Promise<AccountRow> = async () => {
    throw new Error("federation not ready");
  };
  const posts = new PostService(db, urls, events, {
    resolve: async (username, host) =>
      host ? lookup(`@${username}@${host}`).catch(() => null) : ((await accounts.getLocalByUsername(username)) ?? null),
  });
  const interactions = new InteractionService(db, urls, events);
  const timelines = new TimelineService(db, posts);
  const quotes = new QuoteService(db, posts, events);
  const moderation = new ModerationService(db);
  const notifications = new NotificationService(db);
  registerNotificationHandlers(events, notifications, db);
  const stores = options.stores?.(db) ?? { kv: new MemoryKvStore(), queue: new InProcessMessageQueue() };
  const federation = buildFederation(config, stores);
  const deps: FederationDeps = { config, urls, accounts, follows, posts, interactions, quotes, moderation, events, logger: getLogger(["pictor", "federation"]) };
  registerFederation(federation, deps);
  lookup = (query) => resolveAccount(federation, deps, query);
  const http = createHttpApp({ config, urls, federation, accounts, follows, posts });

  return {
    config,
    db,
    urls,
    events,
    accounts,
    follows,
    posts,
    notifications,
    interactions,
    timelines,
    quotes,
    moderation,
    federation,
    http,
    resolveAccount: lookup,
    fetchThread: (details) => fetchThread(federation, deps, details),
    startQueue: (signal) => federation.startQueue(undefined, { signal }),
    async close() {
      await events.drain();
      await db.close();
    },
  };
}
