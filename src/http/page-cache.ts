import type { MiddlewareHandler } from "hono";
import { ApResponseCache } from "./ap-cache.ts";
import { type RequestView, type StorePolicy, VersionedResponseCache, type VersionSource, viewOf } from "./response-cache.ts";

/** The pages kept: home, explore, a hashtag, a profile (local or remote, and its Atom feed), a post. */
const CACHEABLE = /^\/(?:|explore|tags\/[^/]+|posts\/[^/]+|@[A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+)?(?:\.atom)?|@[A-Za-z0-9_]+\/[^/]+)$/;
const TYPES = /^(?:text\/html|application\/atom\+xml)\b/;

export interface PageCacheOptions {
  /** The cookie that carries a session: a request with it is never answered from, nor stored in, the cache. */
  sessionCookie: string;
  maxEntries?: number;
  maxBytes?: number;
}

/**
 * Public pages for logged-out visitors (post, profile, explore, hashtag and
 * home pages), rendered once per change and served from memory in each
 * process; never stale, whichever process made the change
 * (VersionedResponseCache checks the content version on every hit).
 *
 * Only GET and HEAD without a session cookie are served from it, and only a
 * page the web app rendered for nobody is stored (the session middleware
 * found no viewer), carrying nothing per-visitor: its Set-Cookie (the
 * anonymous CSRF cookie) is never stored, and a page with that visitor's CSRF
 * token in it is not stored at all. Each answer gets a CSP nonce of its own.
 * A route opts a page out with `Cache-Control: private` or `no-store`.
 */
export class PageCache {
  readonly cache: VersionedResponseCache;
  readonly #session: RegExp;

  constructor(
    version: VersionSource,
    private readonly options: PageCacheOptions,
  ) {
    // A minute at most: what depends on the clock alone (the last 7 days' trending tags) moves on too.
    this.cache = new VersionedResponseCache(version, { maxEntries: options.maxEntries ?? 2_000, maxBytes: options.maxBytes ?? 64 * 1024 * 1024, maxAgeMs: 60_000 });
    this.#session = new RegExp(`(?:^|;)\\s*${options.sessionCookie}=`);
  }

  static cacheable(path: string): boolean {
    return CACHEABLE.test(path);
  }

  readonly #policy: StorePolicy = (c, body) => {
    // The web app's session middleware ran and found nobody (null, not merely unset).
    if (c.get("viewer") !== null) return null;
    if (!TYPES.test(c.res.headers.get("Content-Type") ?? "")) return null;
    if (/\b(?:private|no-store)\b/.test(c.res.headers.get("Cache-Control") ?? "")) return null;
    const csrf: unknown = c.get("csrf");
    // The anonymous CSRF cookie goes to this visitor only, and its token must not be in the page.
    if (typeof csrf === "string" && csrf && body.includes(csrf)) return null;
    if (c.res.headers.getSetCookie().some((cookie) => !(typeof csrf === "string" && csrf && cookie.includes(`=${csrf}`)))) return null;
    // Browsers and shared caches check back each time (answered 304 while unchanged); a signed-in visitor differs.
    if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-cache");
    c.res.headers.append("Vary", "Cookie");
    return { nonce: c.get("secureHeadersNonce") };
  };

  /** The key of the copy that may answer this request; null when this cache has nothing to do with it. */
  keyFor(req: RequestView): string | null {
    if ((req.method !== "GET" && req.method !== "HEAD") || !CACHEABLE.test(req.path)) return null;
    // ActivityPub and JSON asked for at a page's URL are the ActivityPub cache's.
    if (ApResponseCache.kind(req.header("Accept"))) return null;
    if (this.#session.test(req.header("Cookie") ?? "") || req.header("Authorization")) return null;
    return req.url;
  }

  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const key = this.keyFor(viewOf(c));
      return key === null ? next() : this.cache.serve(c, key, next, this.#policy);
    };
  }
}
