import { createHash, randomBytes } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { LocalAccount } from "../../domain/accounts.ts";
import type { SessionService } from "../../domain/sessions.ts";

export type WebEnv = {
  Variables: {
    viewer: LocalAccount | null;
    sessionToken: string | undefined;
    csrf: string;
    secureHeadersNonce?: string;
  };
};

export const SESSION_COOKIE = "pictor_session";
const ANON_COOKIE = "pictor_csrf";

/**
 * Who is signed in, and the CSRF token for this browser: derived from the
 * session token when signed in, else a random double-submit cookie. Every
 * state-changing request must echo it (form field `_csrf` or header
 * `X-CSRF-Token`), or it is refused with 403.
 */
export function sessionMiddleware(sessions: SessionService, secure: boolean): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    const viewer = (await sessions.account(token)) ?? null;
    let csrf: string;
    if (viewer && token) csrf = createHash("sha256").update(`csrf:${token}`).digest("base64url");
    else {
      csrf = getCookie(c, ANON_COOKIE) ?? "";
      if (!/^[A-Za-z0-9_-]{20,64}$/.test(csrf)) {
        csrf = randomBytes(24).toString("base64url");
        setCookie(c, ANON_COOKIE, csrf, { httpOnly: true, sameSite: "Lax", secure, path: "/" });
      }
    }
    c.set("viewer", viewer);
    c.set("sessionToken", viewer ? token : undefined);
    c.set("csrf", csrf);
    // Federation endpoints (inboxes) are never forms: what reaches here unhandled is a 404, not a CSRF failure.
    const federationPath = c.req.path === "/inbox" || c.req.path.startsWith("/users/");
    if (!["GET", "HEAD", "OPTIONS"].includes(c.req.method) && !federationPath) {
      let sent = c.req.header("X-CSRF-Token");
      if (!sent) {
        const type = c.req.header("Content-Type") ?? "";
        if (type.includes("form")) {
          const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
          sent = typeof body._csrf === "string" ? body._csrf : undefined;
        }
      }
      if (!sent || sent !== csrf) return c.text("The form expired or came from another site (CSRF check failed). Reload the page and try again.", 403);
    }
    await next();
  };
}

export function startSession(c: Context, token: string, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: "Lax", secure, path: "/", maxAge: 30 * 86400 });
}

export function endSession(c: Context, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, "", { httpOnly: true, sameSite: "Lax", secure, path: "/", maxAge: 0 });
}

/** At most `limit` attempts per key in `windowMs` (per process; a restart forgets). */
export class AttemptLimiter {
  readonly #attempts = new Map<string, number[]>();
  constructor(
    private readonly limit = 5,
    private readonly windowMs = 15 * 60 * 1000,
  ) {}

  /** Records an attempt; false when the key is over its limit. */
  hit(key: string): boolean {
    const now = Date.now();
    const recent = (this.#attempts.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.limit) {
      this.#attempts.set(key, recent);
      return false;
    }
    recent.push(now);
    this.#attempts.set(key, recent);
    if (this.#attempts.size > 10_000) this.#attempts.delete(this.#attempts.keys().next().value!);
    return true;
  }

  reset(key: string): void {
    this.#attempts.delete(key);
  }
}
