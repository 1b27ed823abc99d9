import type { MiddlewareHandler } from "hono";

/**
 * A short-lived in-process cache of public ActivityPub and WebFinger
 * responses (actors, Notes, collections), which are costly to serialize as
 * JSON-LD and fetched far more often than they change.
 *
 * Only responses to unsigned requests are stored: if an anonymous request got
 * a 200, the document is public, so serving it to anyone is safe. Signed
 * requests may read entries but never create them (their answer may be
 * private). Entries live `ttlMs`; events drop them sooner where it matters.
 */
export class ApResponseCache {
  readonly #entries = new Map<string, { status: number; headers: [string, string][]; body: ArrayBuffer; expires: number }>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 5_000,
  ) {}

  static kind(accept: string | undefined): string | null {
    if (!accept) return null;
    if (/application\/activity\+json|application\/ld\+json/.test(accept)) return "ap";
    if (/application\/jrd\+json|application\/json/.test(accept)) return "json";
    return null;
  }

  /** Drops every entry whose URL starts with one of the prefixes (an actor, a post, their collections). */
  invalidate(...prefixes: string[]): void {
    for (const key of this.#entries.keys()) {
      const url = key.slice(key.indexOf(" ") + 1);
      if (prefixes.some((p) => url.startsWith(p))) this.#entries.delete(key);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  middleware(): MiddlewareHandler {
    return async (c, next) => {
      if (c.req.method !== "GET" || this.ttlMs <= 0) return next();
      const kind = ApResponseCache.kind(c.req.header("Accept"));
      // Follower and following collections change with every (un)follow, often from another process: never cached.
      if (!kind || /\/(followers|following)$/.test(c.req.path)) return next();
      const key = `${kind} ${c.req.url}`;
      const hit = this.#entries.get(key);
      if (hit && hit.expires > Date.now()) {
        return new Response(hit.body, { status: hit.status, headers: hit.headers });
      }
      if (hit) this.#entries.delete(key);
      await next();
      const signed = c.req.header("Signature") !== undefined || c.req.header("Signature-Input") !== undefined;
      if (signed || c.res.status !== 200 || c.req.header("Cookie")) return;
      const type = c.res.headers.get("Content-Type") ?? "";
      if (!/json/.test(type)) return;
      const body = await c.res.clone().arrayBuffer();
      if (this.#entries.size >= this.maxEntries) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
      this.#entries.set(key, { status: 200, headers: [...c.res.headers], body, expires: Date.now() + this.ttlMs });
    };
  }
}
