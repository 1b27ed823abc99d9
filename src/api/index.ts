import { getLogger } from "@logtape/logtape";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { DomainError } from "../domain/errors.ts";
import { OAuthError } from "../domain/oauth.ts";
import type { HttpDeps } from "../http/app.tsx";
import { authenticate } from "./auth.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError } from "./errors.ts";
import { Presenter } from "./present.ts";
import { RateLimiter } from "./rate-limit.ts";
import { accountRoutes } from "./routes/accounts.ts";
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
  for (const path of ["/api/*", "/oauth/token", "/oauth/revoke", "/.well-known/oauth-authorization-server"]) app.use(path, corsed);

  const limiter = new RateLimiter(http.config.apiRateLimit);
  app.use("/api/*", limiter.middleware());
  app.use("/api/*", authenticate(http.oauth));

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

  // Anything else under /api is Mastodon's 404, as JSON.
  app.all("/api/*", (c) => c.json({ error: "Record not found" }, 404));
  return app;
}
