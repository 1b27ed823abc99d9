import { getLogger } from "@logtape/logtape";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { sharp } from "../media/sharp.ts";
import { HTTPException } from "hono/http-exception";
import { DomainError } from "../domain/errors.ts";
import { OAuthError } from "../domain/oauth.ts";
import type { HttpDeps } from "../http/app.tsx";
import { clientAddress } from "../http/web/session.ts";
import { authenticate } from "./auth.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError } from "./errors.ts";
import { Presenter } from "./present.ts";
import { RateLimiter } from "./rate-limit.ts";
import { accountRoutes } from "./routes/accounts.ts";
import { compatRoutes } from "./routes/compat.ts";
import { generationRoutes } from "./routes/generations.ts";
import { instanceRoutes } from "./routes/instance.ts";
import { mediaApiRoutes } from "./routes/media.ts";
import { notificationRoutes } from "./routes/notifications.ts";
import { oauthRoutes } from "./routes/oauth.ts";
import { searchRoutes } from "./routes/search.ts";
import { statusRoutes } from "./routes/statuses.ts";
import { streamingRoutes } from "./routes/streaming.ts";
import { timelineRoutes } from "./routes/timelines.ts";

/** What the API's route modules get: the HTTP app's services and read models, and the entity presenter. */
export interface ApiDeps extends HttpDeps {
  present: Presenter;
}

/**
 * The Mastodon client API (and OAuth 2.0 sign-in) as an adapter over the same
 * services and read models the pages use: routes translate parameters and
 * entities, and never query the database themselves. Mounted before the web
 * app, so its POSTs are not forms (no CSRF cookie: bearer tokens instead).
 */
export function apiRoutes(http: HttpDeps): Hono<ApiEnv> {
  const logger = getLogger(["pictor", "api"]);
  const deps: ApiDeps = {
    ...http,
    present: new Presenter({ urls: http.urls, reader: http.reader, parts: http.parts, interactions: http.interactions, remoteMedia: http.remoteMedia }),
  };
  const app = new Hono<ApiEnv>();

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json({ error: error.message }, error.status);
    if (error instanceof OAuthError) return c.json({ error: error.code, error_description: error.description }, error.status);
    if (error instanceof DomainError) return c.json({ error: error.message }, error.status);
    if (error instanceof HTTPException) {
      const res = error.getResponse();
      return c.json({ error: error.message || res.statusText || "Request failed" }, error.status);
    }
    logger.error("Unhandled API error on {method} {path}: {error}", { method: c.req.method, path: c.req.path, error });
    return c.json({ error: "Internal server error" }, 500);
  });

  // Browser-based clients on other origins (Elk, Phanpy) call the API and the token endpoint directly.
  const corsed = cors({
    origin: "*",
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "Accept"],
    exposeHeaders: ["Link", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Idempotency-Key"],
    maxAge: 86400,
  });
  // The client API lives under /api/v1 and /api/v2 (the web app's own /api/generations is not part of it).
  const API = ["/api/v1/*", "/api/v2/*"];
  for (const path of [...API, "/oauth/token", "/oauth/revoke", "/.well-known/oauth-authorization-server"]) app.use(path, corsed);

  // Bodies are capped before anything reads them: the form limit for everything but uploads (media,
  // and a profile's avatar and header together), which get the image limit (media checks its own).
  const capped = (maxSize: number) => bodyLimit({ maxSize, onError: (c) => c.json({ error: `The request body is larger than ${maxSize} bytes` }, 413) });
  const formCap = capped(http.config.formMaxBytes);
  const profileCap = capped(2 * http.config.generation.media.maxBytes + 64 * 1024);
  app.use("/oauth/*", formCap);
  for (const path of API) {
    app.use(path, async (c, next) => {
      if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS" || /\/media$/.test(c.req.path)) return next();
      return (c.req.path === "/api/v1/accounts/update_credentials" ? profileCap : formCap)(c, next);
    });
  }

  const limiter = new RateLimiter(http.config.apiRateLimit, (c) => clientAddress(c, http.config.trustProxy));
  for (const path of API) {
    app.use(path, limiter.middleware());
    app.use(path, authenticate(http.oauth));
  }

  app.route("/", oauthRoutes(deps));
  app.route("/", instanceRoutes(deps));
  app.route("/", accountRoutes(deps));
  app.route("/", statusRoutes(deps));
  app.route("/", mediaApiRoutes(deps));
  app.route("/", generationRoutes(deps));
  app.route("/", timelineRoutes(deps));
  app.route("/", notificationRoutes(deps));
  app.route("/", searchRoutes(deps));
  app.route("/", streamingRoutes(deps));
  app.route("/", compatRoutes(deps));

  // Apps expect an avatar and a header URL on every account: these stand in for missing ones.
  const placeholders = new Map<string, Promise<Buffer>>();
  const placeholder = (name: string, width: number, height: number, colour: string) => {
    let png = placeholders.get(name);
    if (!png) {
      png = sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();
      placeholders.set(name, png);
    }
    return png;
  };
  app.get("/assets/missing-avatar.png", async (c) =>
    c.body(new Uint8Array(await placeholder("avatar", 120, 120, "#9aa3ad")), 200, { "Content-Type": "image/png", "Cache-Control": "public, max-age=86400" }),
  );
  app.get("/assets/missing-header.png", async (c) =>
    c.body(new Uint8Array(await placeholder("header", 600, 200, "#d5dbe1")), 200, { "Content-Type": "image/png", "Cache-Control": "public, max-age=86400" }),
  );

  // Anything else under /api is Mastodon's 404, as JSON.
  // (Only the versioned API: the web app's own /api/generations/:id, with its session, lies beyond.)
  for (const path of ["/api/v1/*", "/api/v2/*"]) app.all(path, (c) => c.json({ error: "Record not found" }, 404));
  return app;
}
