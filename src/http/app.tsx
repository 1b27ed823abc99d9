import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { type Context, Hono, type Next } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Config } from "../config.ts";
import type { AccountService } from "../domain/accounts.ts";
import { DomainError } from "../domain/errors.ts";
import type { FollowService } from "../domain/follows.ts";
import type { GenerationService } from "../domain/generations.ts";
import type { InstanceService } from "../domain/instance.ts";
import type { InteractionService } from "../domain/interactions.ts";
import type { ModerationService } from "../domain/moderation.ts";
import type { NotificationService } from "../domain/notifications.ts";
import type { PostDetails, PostService } from "../domain/posts.ts";
import { ANONYMOUS, type VisibilityRules } from "../domain/visibility.ts";
import type { RemoteMediaCache } from "../jobs/remote-media.ts";
import type { MediaReader } from "../read/media.ts";
import type { PostReader } from "../read/posts.ts";
import type { QueueAdmin } from "../read/queues.ts";
import type { TimelineReader } from "../read/timelines.ts";
import type { SessionService } from "../domain/sessions.ts";
import { mediaRoutes } from "../media/routes.ts";
import type { MediaStore } from "../media/store.ts";
import type { AccountRow } from "../storage/schema.ts";
import type { LocalUrls } from "../urls.ts";
import type { ApResponseCache } from "./ap-cache.ts";
import type { PageCache } from "./page-cache.ts";
import { fedifyMiddleware } from "./fedify.ts";
import { formLimit, inboxGuard } from "./limits.ts";
import { webRoutes } from "./web/routes.tsx";
import { apiRoutes } from "../api/index.ts";
import type { OAuthService } from "../domain/oauth.ts";
import type { EntityPartsReader } from "../read/entity-parts.ts";
import type { AccountApiReader } from "../read/accounts-api.ts";
import type { StreamHub } from "../api/stream/hub.ts";
import type { BookmarkService, PinService } from "../domain/bookmarks.ts";
import type { UploadService } from "../domain/uploads.ts";

export interface HttpDeps {
  config: Config;
  urls: LocalUrls;
  federation: Federation<void>;
  accounts: AccountService;
  follows: FollowService;
  /** Commands on posts; reads go through `reader` and `timelines`, which take a viewer. */
  posts: PostService;
  reader: PostReader;
  visibility: VisibilityRules;
  timelines: TimelineReader;
  interactions: InteractionService;
  notifications: NotificationService;
  generations: GenerationService;
  sessions: SessionService;
  media: MediaStore;
  apCache: ApResponseCache;
  /** Public pages for logged-out visitors, rendered once per change. */
  pageCache: PageCache;
  resolveAccount(query: string): Promise<AccountRow>;
  /** What a search names (a handle, or a profile or post URL, here or elsewhere), fetched and stored when remote. */
  search(query: string): Promise<{ kind: "account"; account: AccountRow } | { kind: "post"; details: PostDetails }>;
  updateProfile(account: AccountRow, input: Parameters<AccountService["updateProfile"]>[1]): Promise<AccountRow>;
  moderation: ModerationService;
  instance: InstanceService;
  mediaReader: MediaReader;
  /** For admins: the queues' dead letters (retry, drop; never bodies) and the transactional outbox's backlog. */
  queues: QueueAdmin;
  /** Remote images: cached copies to show, and fetches to ask for. */
  remoteMedia: RemoteMediaCache;
  /** The models people may choose, default first; and whether the provider can remix (edit) images. */
  models: readonly string[];
  canEdit: boolean;
  /** OAuth 2.0 apps, codes and tokens for the client API. */
  oauth: OAuthService;
  /** The client API's account reads: profiles, relationships, lists and searches, through the visibility rule. */
  accountReads: AccountApiReader;
  /** What API entities need beside posts and accounts (counts, bookmarks, pins), for many at once. */
  parts: EntityPartsReader;
  /** The streaming API's fan-out: events from every process to this process's listeners. */
  streams: StreamHub;
  /** Images people upload through the client API (when config.uploads allows). */
  uploads: UploadService;
  /** Bookmarks and pins of posts (the client API's). */
  bookmarks: BookmarkService;
  pins: PinService;
}

/** The whole HTTP surface: Fedify's endpoints first, then media, then the web app. */
export function createHttpApp(deps: HttpDeps): Hono {
  const { config, urls, accounts } = deps;
  const logger = getLogger(["pictor", "http"]);
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof DomainError) return c.json({ error: error.message, code: error.code }, error.status);
    if (error instanceof HTTPException) return error.getResponse();
    logger.error("Unhandled error on {method} {path}: {error}", { method: c.req.method, path: c.req.path, error });
    return c.json({ error: "Internal server error" }, 500);
  });

  app.get("/healthz", (c) => c.text("ok"));

  // The Mastodon client API and OAuth: before the form limit, the ActivityPub cache and the web app's CSRF check.
  app.route("/", apiRoutes(deps));

  // Bodies are refused above their limit before anything parses them: inboxes (also refused when
  // nested too deep for JSON-LD), and every other POST (forms, before the CSRF check reads them).
  const inboxLimit = inboxGuard(config.inboxMaxBytes);
  app.post("/inbox", inboxLimit);
  app.post("/users/:identifier/inbox", inboxLimit);
  app.use(formLimit(config.formMaxBytes));

  app.use(deps.apCache.middleware());
  app.use(deps.pageCache.middleware());
  app.use(fedifyMiddleware(deps.federation));

  // Page URLs asked for as ActivityPub, as Mastodon serves them: /@alice is the actor, /@alice/ID the Note.
  // Unsigned requests are answered from the object's IRI at once (visibility as for anyone). A signed one
  // is sent there (302), since its signature covers this URL: Fedify-based servers sign the new request,
  // and a signature carried over unchanged (Mastodon) reads as unsigned, so public posts answer either way.
  const pageAsActivityPub = (iri: (username: string, id?: string) => URL) => async (c: Context, next: Next) => {
    if (!/application\/(activity|ld)\+json/.test(c.req.header("Accept") ?? "")) return next();
    const target = iri((c.req.param("handle") ?? "").slice(1).toLowerCase(), c.req.param("id"));
    if (c.req.header("Signature") !== undefined || c.req.header("Signature-Input") !== undefined) return c.redirect(target.href, 302);
    return app.fetch(new Request(new URL(target.pathname, c.req.url), c.req.raw), c.env);
  };
  app.get("/:handle{@[A-Za-z0-9_]+}", pageAsActivityPub((username) => urls.actor(username)));
  app.get("/:handle{@[A-Za-z0-9_]+}/:id", pageAsActivityPub((username, id) => urls.post(username, id ?? "")));

  app.get("/.well-known/host-meta", (c) => {
    const template = `${urls.origin.origin}/.well-known/webfinger?resource={uri}`;
    c.header("Content-Type", "application/xrd+xml; charset=utf-8");
    return c.body(`<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n  <Link rel="lrdd" template="${template}"/>\n</XRD>\n`);
  });

  app.route("/", mediaRoutes(deps.media));

  // ActivityPub IRIs opened in a browser lead to their pages.
  app.get("/users/:username", async (c) => {
    const account = await accounts.getLocalByUsername(c.req.param("username"));
    return account ? c.redirect(urls.profile(account.username).pathname, 302) : c.notFound();
  });
  app.get("/users/:username/:collection{followers|following|outbox|featured}", async (c) => {
    const account = await accounts.getLocalByUsername(c.req.param("username"));
    return account ? c.redirect(urls.profile(account.username).pathname, 302) : c.notFound();
  });
  // A post's IRI: a tombstone when it was public and is gone; otherwise on to its page, which checks who may see it
  // (the answer never depends on whether a hidden post exists).
  app.get("/users/:username/posts/:id", async (c) => {
    const found = await deps.reader.lookup(ANONYMOUS, c.req.param("id"));
    const { username, id } = c.req.param();
    if (found.kind === "gone" && found.details.author.domain === null && found.details.author.username === username) {
      const { post } = found.details;
      return c.json({ "@context": "https://www.w3.org/ns/activitystreams", id: post.iri, type: "Tombstone", deleted: post.deleted_at }, 410, {
        "Content-Type": "application/activity+json",
      });
    }
    // ActivityPub clients asked Fedify first; here the post is missing or hidden from them, and both answer 404.
    if (/application\/(activity|ld)\+json/.test(c.req.header("Accept") ?? "")) return c.json({ error: "Not found" }, 404);
    return c.redirect(urls.postPage(username, id).pathname, 302);
  });

  const web = webRoutes(deps);
  app.route("/", web);
  // A page asked for by a browser that nothing answered (an unknown path, a missing image): the web app's "not found" page.
  app.notFound((c) => (c.req.method === "GET" && (c.req.header("Accept") ?? "").includes("text/html") ? web.fetch(c.req.raw, c.env) : c.text("404 Not Found", 404)));
  return app;
}
