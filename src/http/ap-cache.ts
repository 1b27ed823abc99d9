import type { MiddlewareHandler } from "hono";
import { type RequestView, type StorePolicy, VersionedResponseCache, type VersionSource, viewOf } from "./response-cache.ts";

/**
 * An in-process cache of public ActivityPub and WebFinger responses (actors,
 * Notes, collections), which are costly to serialize as JSON-LD and fetched
 * far more often than they change. Never stale: every hit is checked against
 * the content version, which every process's changes bump (VersionedResponseCache).
 *
 * Only responses to unsigned requests are stored: if an anonymous request got
 * a 200, the document is public, so serving it to anyone is safe. Signed
 * requests may read entries but never create them (their answer may be
 * private). Entries are kept at most `ttlMs`; 0 turns the cache off.
 */
export class ApResponseCache {
  readonly cache: VersionedResponseCache;

  constructor(
    version: VersionSource,
    private readonly ttlMs = 10_000,
    maxEntries = 5_000,
    maxBytes = 32 * 1024 * 1024,
  ) {
    this.cache = new VersionedResponseCache(version, { maxEntries, maxBytes, maxAgeMs: ttlMs });
  }

  static kind(accept: string | undefined): string | null {
    if (!accept) return null;
    if (/application\/activity\+json|application\/ld\+json/.test(accept)) return "ap";
    if (/application\/jrd\+json|application\/json/.test(accept)) return "json";
    return null;
  }

  /** Drops every entry whose URL starts with one of the prefixes (frees memory; entries never outlive a change anyway). */
  invalidate(...prefixes: string[]): void {
    this.cache.drop((key) => {
      const url = key.slice(key.indexOf(" ") + 1);
      return prefixes.some((p) => url.startsWith(p));
    });
  }

  clear(): void {
    this.cache.clear();
  }

  readonly #policy: StorePolicy = (c) => {
    const signed = c.req.header("Signature") !== undefined || c.req.header("Signature-Input") !== undefined;
    if (signed || c.req.header("Cookie") || c.req.header("Authorization") || c.res.headers.getSetCookie().length) return null;
    return /json/.test(c.res.headers.get("Content-Type") ?? "") ? {} : null;
  };

  /** The key of the copy that may answer this request; null when this cache has nothing to do with it. */
  keyFor(req: RequestView): string | null {
    if ((req.method !== "GET" && req.method !== "HEAD") || this.ttlMs <= 0) return null;
    const kind = ApResponseCache.kind(req.header("Accept"));
    // Follower and following collections list who follows whom: never cached.
    if (!kind || /\/(followers|following)$/.test(req.path)) return null;
    return `${kind} ${req.url}`;
  }

  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const key = this.keyFor(viewOf(c));
      return key === null ? next() : this.cache.serve(c, key, next, this.#policy);
    };
  }
}
