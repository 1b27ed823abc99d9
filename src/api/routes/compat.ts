import { Hono } from "hono";
import { scope } from "../auth.ts";
import type { ApiEnv } from "../env.ts";
import type { ApiDeps } from "../index.ts";
import { int, params } from "../params.ts";

/**
 * What apps ask for on start-up that Pictor does not have (lists, filters,
 * announcements, conversations, followed tags, suggestions, scheduled posts,
 * domain blocks of one's own, push): honest empty answers in Mastodon's
 * shapes, so an app opens cleanly instead of showing errors. Trending tags
 * are real. Everything here is listed in the README as not served yet.
 */
export function compatRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const empty = (path: string, needs: string) => app.get(path, scope(needs), (c) => c.json([]));
  empty("/api/v1/lists", "read:lists");
  empty("/api/v1/filters", "read:filters");
  empty("/api/v2/filters", "read:filters");
  empty("/api/v1/conversations", "read:statuses");
  empty("/api/v1/followed_tags", "read:follows");
  empty("/api/v1/domain_blocks", "read:blocks");
  empty("/api/v1/scheduled_statuses", "read:statuses");
  empty("/api/v1/announcements", "read");
  empty("/api/v2/suggestions", "read");
  empty("/api/v1/suggestions", "read");
  // Trends need no token, as on Mastodon.
  app.get("/api/v1/trends/statuses", (c) => c.json([]));
  app.get("/api/v1/trends/links", (c) => c.json([]));
  const trendingTags = async (limit: number) => {
    const tags = await deps.reader.trendingTags(limit);
    const today = String(Math.floor(Date.now() / 86_400_000) * 86_400);
    return tags.map((t) => ({
      name: t.tag,
      url: deps.urls.tag(t.tag).href,
      history: [{ day: today, uses: String(t.uses), accounts: String(t.people) }],
    }));
  };
  for (const path of ["/api/v1/trends", "/api/v1/trends/tags"]) {
    app.get(path, async (c) => c.json(await trendingTags(int((await params(c)).limit, "limit", 1, 20) ?? 10)));
  }
  // No Web Push yet: Mastodon answers 404 when there is no subscription.
  app.get("/api/v1/push/subscription", scope("push"), (c) => c.json({ error: "Record not found" }, 404));
  app.post("/api/v1/push/subscription", scope("push"), (c) => c.json({ error: "Web Push is not supported by this server yet" }, 422));
  return app;
}
