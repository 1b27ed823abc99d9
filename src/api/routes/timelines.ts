import { type Context, Hono } from "hono";
import { viewerOf } from "../../domain/visibility.ts";
import type { PageOptions, TimelinePage } from "../../read/timelines.ts";
import { me, optionalScope, user } from "../auth.ts";
import type { ApiEnv } from "../env.ts";
import { unprocessable } from "../errors.ts";
import type { ApiDeps } from "../index.ts";
import { pageQuery, setLinkHeader } from "../paging.ts";
import { bool, list, type Params, params } from "../params.ts";

const TAG = /^[\p{L}\p{N}_]{1,100}$/u;

/** A hashtag parameter, without `#`; 422 when it could not be a tag. */
function tagName(value: string, name: string): string {
  const t = value.trim().replace(/^#/, "");
  if (!TAG.test(t)) throw unprocessable(`${name} must be a hashtag`);
  return t.toLowerCase();
}

const publicFilter = (p: Params) => ({ local: bool(p.local), remote: bool(p.remote), onlyMedia: bool(p.only_media) });

export function timelineRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  /** Renders a timeline page as statuses, with Mastodon's Link header. */
  const respond = async (c: Context<ApiEnv>, page: TimelinePage) => {
    const viewer = viewerOf(c.get("account"));
    setLinkHeader(c, { first: page.items[0]?.id, last: page.items.at(-1)?.id });
    return c.json(await deps.present.statuses(viewer, page.items));
  };
  const paging = (p: Params): PageOptions => pageQuery(p);

  app.get("/api/v1/timelines/home", user("read:statuses"), async (c) => {
    const p = await params(c);
    return respond(c, await deps.timelines.home(viewerOf(me(c)), paging(p)));
  });

  app.get("/api/v1/timelines/public", optionalScope("read:statuses"), async (c) => {
    const p = await params(c);
    return respond(c, await deps.timelines.public(viewerOf(c.get("account")), publicFilter(p), paging(p)));
  });

  app.get("/api/v1/timelines/tag/:hashtag", optionalScope("read:statuses"), async (c) => {
    const p = await params(c);
    const tag = tagName(c.req.param("hashtag"), "hashtag");
    const tags = (name: string) => list(p[name], name, 4).map((t) => tagName(t, name));
    const filter = { ...publicFilter(p), any: tags("any"), all: tags("all"), none: tags("none") };
    return respond(c, await deps.timelines.tagged(viewerOf(c.get("account")), tag, filter, paging(p)));
  });

  return app;
}
