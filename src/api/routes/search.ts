import { Hono } from "hono";
import { DomainError } from "../../domain/errors.ts";
import type { PostDetails } from "../../domain/posts.ts";
import { viewerOf } from "../../domain/visibility.ts";
import type { AccountRow } from "../../storage/schema.ts";
import { optionalScope } from "../auth.ts";
import type { ApiEnv } from "../env.ts";
import { unprocessable } from "../errors.ts";
import type { ApiDeps } from "../index.ts";
import { bool, int, oneOf, params, str } from "../params.ts";

const TYPES = ["accounts", "statuses", "hashtags"] as const;
const HANDLE = /^@?[^@\s/]+@[^@\s/]+$/;
const URL_LIKE = /^https?:\/\//i;

/**
 * GET /api/v2/search: accounts by handle or name, statuses by URL (and, for
 * a signed-in viewer, by text among their own, liked, bookmarked and
 * mentioning ones), hashtags by prefix. With `resolve` and a token, a remote
 * handle or URL is looked up through federation (signed, through the SSRF
 * guard); without a token it is ignored, as Mastodon does. Everything found
 * passes the visibility rule.
 */
export function searchRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const reads = deps.accountReads;

  app.get("/api/v2/search", optionalScope("read:search"), async (c) => {
    const p = await params(c);
    const q = str(p.q, "q", 2000)?.trim();
    if (!q) throw unprocessable("q is required");
    const type = oneOf(p.type, "type", TYPES);
    const signedIn = c.get("account");
    const viewer = viewerOf(signedIn);
    const resolve = bool(p.resolve) && signedIn !== null;
    const following = bool(p.following) && signedIn !== null;
    const limit = int(p.limit, "limit", 1, 40) ?? 20;
    // Mastodon refuses paging through results to anonymous requests.
    const offset = int(p.offset, "offset", 0, 10_000) ?? 0;
    if (offset > 0 && !signedIn) throw new DomainError(401, "Search queries with offset need an authenticated user", "unauthorized");
    const accountId = str(p.account_id, "account_id", 64);
    const want = (t: (typeof TYPES)[number]) => type === undefined || type === t;

    const accounts: AccountRow[] = [];
    const posts: PostDetails[] = [];

    // A handle or URL first: what it names (looked up remotely only with resolve).
    if (offset === 0 && (HANDLE.test(q) || URL_LIKE.test(q))) {
      if (resolve) {
        const found = await deps.search(q).catch((error) => {
          if (error instanceof DomainError) return undefined;
          throw error;
        });
        if (found?.kind === "account" && want("accounts")) {
          const shown = await reads.visible(viewer, found.account.id);
          if (shown) accounts.push(shown);
        } else if (found?.kind === "post" && want("statuses")) {
          const shown = await deps.reader.get(viewer, found.details.post.id);
          if (shown) posts.push(shown);
        }
      } else if (URL_LIKE.test(q) && want("statuses")) {
        const id = await reads.postIdByUrl(q);
        const shown = id ? await deps.reader.get(viewer, id) : undefined;
        if (shown) posts.push(shown);
      }
    }

    if (want("accounts")) {
      if (!URL_LIKE.test(q)) {
        for (const a of await reads.searchAccounts(viewer, q, { limit, offset, following })) if (!accounts.some((x) => x.id === a.id)) accounts.push(a);
      }
    }
    if (want("statuses") && signedIn && !URL_LIKE.test(q) && !HANDLE.test(q)) {
      const ids = await reads.searchStatuses(viewerOf(signedIn), q, { limit, offset, accountId });
      const details = await deps.posts.detailsMany(ids);
      for (const id of ids) {
        const d = details.get(id);
        if (d && !posts.some((x) => x.post.id === id)) posts.push(d);
      }
    }
    const hashtags = want("hashtags") && !URL_LIKE.test(q) && !HANDLE.test(q) ? await reads.searchTags(q, { limit, offset }) : [];

    return c.json({
      accounts: await deps.present.accounts(accounts.slice(0, limit)),
      statuses: await deps.present.statuses(viewer, posts.slice(0, limit)),
      hashtags: hashtags.map((name) => ({ name, url: deps.urls.tag(name).href, history: [], following: false })),
    });
  });

  return app;
}
