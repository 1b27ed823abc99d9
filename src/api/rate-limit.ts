import type { Context, MiddlewareHandler } from "hono";
import { bearerToken } from "./auth.ts";
import { ApiError } from "./errors.ts";

export interface RateLimitConfig {
  /** Requests per window for one token (or one client address without a token). */
  limit: number;
  windowMs: number;
}

/**
 * Mastodon's API rate limit: a fixed window per token (or per address for
 * anonymous requests), `X-RateLimit-Limit`, `-Remaining` and `-Reset` on every
 * answer, and 429 past the limit. Counted in this process (each web process
 * counts its own; a load balancer that pins clients keeps it exact).
 */
export class RateLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly config: RateLimitConfig,
    /** The client's address (the socket's, or the proxy's last X-Forwarded-For entry under TRUST_PROXY). */
    private readonly addressOf: (c: Context) => string = () => "unknown",
  ) {}

  /** Counts one request for `key`; returns what is left and when the window ends. */
  hit(key: string, now = Date.now()): { remaining: number; resetAt: number; limited: boolean } {
    let w = this.#windows.get(key);
    if (!w || now - w.start >= this.config.windowMs) {
      w = { start: now, count: 0 };
      this.#windows.set(key, w);
      if (this.#windows.size > 50_000) this.#prune(now);
    }
    w.count++;
    return { remaining: Math.max(0, this.config.limit - w.count), resetAt: w.start + this.config.windowMs, limited: w.count > this.config.limit };
  }

  #prune(now: number) {
    for (const [k, w] of this.#windows) if (now - w.start >= this.config.windowMs) this.#windows.delete(k);
  }

  middleware(): MiddlewareHandler {
    return async (c, next) => {
      if (c.req.method === "OPTIONS" || this.config.limit <= 0) return next();
      const token = bearerToken(c.req);
      const r = this.hit(token ? `t:${token}` : `a:${this.addressOf(c)}`);
      const headers = {
        "X-RateLimit-Limit": String(this.config.limit),
        "X-RateLimit-Remaining": String(r.remaining),
        "X-RateLimit-Reset": new Date(r.resetAt).toISOString(),
      };
      if (r.limited) {
        for (const [k, v] of Object.entries(headers)) c.header(k, v);
        throw new ApiError(429, "Too many requests");
      }
      await next();
      for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
    };
  }
}
