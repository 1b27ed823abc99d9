import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Config } from "../config.ts";
import type { AccountService } from "../domain/accounts.ts";
import { DomainError } from "../domain/errors.ts";
import type { FollowService } from "../domain/follows.ts";
import type { PostService } from "../domain/posts.ts";
import { mediaRoutes } from "../media/routes.ts";
import type { MediaStore } from "../media/store.ts";
import type { MediaRow } from "../storage/schema.ts";
import type { LocalUrls } from "../urls.ts";
import type { ApResponseCache } from "./ap-cache.ts";
import { fedifyMiddleware } from "./fedify.ts";
import { type MediaLinks, PostPage } from "./views/post.tsx";
import { NotFoundPage, ProfilePage } from "./views/profile.tsx";

export interface HttpDeps {
  config: Config;
  urls: LocalUrls;
  federation: Federation<void>;
  accounts: AccountService;
  follows: FollowService;
  posts: PostService;
  media: MediaStore;
  apCache: ApResponseCache;
}

/** The whole HTTP surface: Fedify's endpoints first, then pages. */
export function createHttpApp(deps: HttpDeps): Hono {
  const { config, urls, accounts, follows, posts } = deps;
  const media: MediaLinks = {
    full: (m: MediaRow) => (m.webp_key ? urls.media(m.webp_key).href : m.file_key ? urls.media(m.file_key).href : (m.remote_url ?? "")),
    thumb: (m: MediaRow) => (m.thumb_key ? urls.media(m.thumb_key).href : m.file_key ? urls.media(m.file_key).href : (m.remote_url ?? "")),
  };
  const notFoundPage = (what: string) => <NotFoundPage instanceName={config.instanceName} what={what} />;
  const logger = getLogger(["pictor", "http"]);
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof DomainError) return c.json({ error: error.message, code: error.code }, error.status);
    logger.error("Unhandled error on {method} {path}: {error}", { method: c.req.method, path: c.req.path, error });
    return c.json({ error: "Internal server error" }, 500);
  });

  app.get("/healthz", (c) => c.text("ok"));

  // Inbox bodies are refused above the limit before anything parses them.
  const inboxLimit = bodyLimit({
    maxSize: config.inboxMaxBytes,
    onError: (c) => c.json({ error: `Request body exceeds ${config.inboxMaxBytes} bytes` }, 413),
  });
  app.post("/inbox", inboxLimit);
  app.post("/users/:identifier/inbox", inboxLimit);

  app.use(deps.apCache.middleware());
  app.use(fedifyMiddleware(deps.federation));

  app.get("/.well-known/host-meta", (c) => {
    const template = `${urls.origin.origin}/.well-known/webfinger?resource={uri}`;
    c.header("Content-Type", "application/xrd+xml; charset=utf-8");
    return c.body(
      `<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n  <Link rel="lrdd" template="${template}"/>\n</XRD>\n`,
    );
  });

  app.route("/", mediaRoutes(deps.media));

  app.get("/", (c) => c.text(`${config.instanceName}: a Pictor instance`));

  // The actor IRI in a browser leads to the profile page.
  app.get("/users/:username", async (c) => {
    const account = await accounts.getLocalByUsername(c.req.param("username"));
    if (!account) return c.html(<NotFoundPage instanceName={config.instanceName} what="No such account." />, 404);
    return c.redirect(urls.profile(account.username).pathname, 302);
  });

  app.get("/:handle{@[A-Za-z0-9_]+}", async (c) => {
    const username = c.req.param("handle").slice(1);
    const account = await accounts.getLocalByUsername(username);
    if (!account) return c.html(<NotFoundPage instanceName={config.instanceName} what="No such account." />, 404);
    if (account.username !== username) return c.redirect(urls.profile(account.username).pathname, 301);
    const [followers, following] = await Promise.all([
      follows.countFollowers(account.id),
      follows.countFollowing(account.id),
    ]);
    c.header("Link", `<${account.iri}>; rel="alternate"; type="application/activity+json"`);
    return c.html(
      <ProfilePage
        account={account}
        handle={`@${account.username}@${urls.host}`}
        instanceName={config.instanceName}
        followers={followers}
        following={following}
      />,
    );
  });

  // A Note's IRI: Fedify serves visible Notes as JSON; here are the rest.
  app.get("/users/:username/posts/:id", async (c) => {
    const details = await posts.details(c.req.param("id"));
    if (!details || details.author.domain !== null || details.author.username !== c.req.param("username")) {
      return c.html(notFoundPage("No such post."), 404);
    }
    if (details.post.deleted_at) {
      return c.json({ "@context": "https://www.w3.org/ns/activitystreams", id: details.post.iri, type: "Tombstone", deleted: details.post.deleted_at }, 410, {
        "Content-Type": "application/activity+json",
      });
    }
    return c.redirect(details.post.url ?? "/", 302);
  });

  app.get("/:handle{@[A-Za-z0-9_]+}/:id", async (c) => {
    const details = await posts.details(c.req.param("id"));
    const username = c.req.param("handle").slice(1).toLowerCase();
    if (!details || details.author.domain !== null || details.author.username !== username) {
      return c.html(notFoundPage("No such post."), 404);
    }
    if (details.post.deleted_at) return c.html(notFoundPage("This post was deleted."), 410);
    // Followers-only and direct posts need a signed-in viewer; the web app adds sessions.
    if (!(await posts.canView(details, null))) return c.html(notFoundPage("No such post."), 404);
    c.header("Link", `<${details.post.iri}>; rel="alternate"; type="application/activity+json"`);
    return c.html(
      <PostPage details={details} handle={`@${username}@${urls.host}`} instanceName={config.instanceName} media={media} />,
    );
  });

  app.notFound((c) => c.html(<NotFoundPage instanceName={config.instanceName} what="Nothing lives at this address." />, 404));
  return app;
}
