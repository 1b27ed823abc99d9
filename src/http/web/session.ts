import { createHash, randomBytes } from "node:crypto";
import { isIPv6 } from "node:net";
import { getConnInfo } from "@hono/node-server/conninfo";
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
export function sessionMiddleware(
  sessions: SessionService,
  secure: boolean,
  /** How a refused form is answered to a person (a page with a way back); scripts always get the plain text. */
  rejected?: (c: Context<WebEnv>, message: string) => Response | Promise<Response>,
): MiddlewareHandler<WebEnv> {
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
      if (!sent || sent !== csrf) {
        const message = "The form expired or came from another site (CSRF check failed). Reload the page and try again.";
        return rejected && c.req.header("X-Requested-With") !== "fetch" ? rejected(c, message) : c.text(message, 403);
      }
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

  #recent(key: string, now: number): number[] {
    return (this.#attempts.get(key) ?? []).filter((t) => now - t < this.windowMs);
  }

  /** Whether one more attempt would be within the limit (records nothing). */
  allows(key: string): boolean {
    return this.#recent(key, Date.now()).length < this.limit;
  }

  /** Records an attempt; false when the key is over its limit. */
  hit(key: string): boolean {
    const now = Date.now();
    const recent = this.#recent(key, now);
    if (recent.length >= this.limit) {
      this.#attempts.set(key, recent);
      return false;
    }
    recent.push(now);
    this.#attempts.delete(key); // re-inserted last: eviction below drops the least recently tried keys
    this.#attempts.set(key, recent);
    if (this.#attempts.size > 10_000) this.#attempts.delete(this.#attempts.keys().next().value!);
    return true;
  }

  /** Takes back the latest attempt (it succeeded, or never got to run). */
  refund(key: string): void {
    const recent = this.#attempts.get(key);
    recent?.pop();
    if (recent?.length === 0) this.#attempts.delete(key);
  }

  reset(key: string): void {
    this.#attempts.delete(key);
  }
}

/**
 * Login attempts are limited twice: per account (the normalized username,
 * however it was typed) and per client address. Both are counted before the
 * password is checked, so a burst cannot slip through together. A success
 * clears the account's count and takes back its attempt from the address's,
 * so only failures use up an address's budget.
 */
export class LoginLimits {
  readonly byUsername: AttemptLimiter;
  readonly byAddress: AttemptLimiter;
  constructor(options: { perUsername?: number; perAddress?: number; windowMs?: number } = {}) {
    const windowMs = options.windowMs ?? 15 * 60 * 1000;
    this.byUsername = new AttemptLimiter(options.perUsername ?? 5, windowMs);
    this.byAddress = new AttemptLimiter(options.perAddress ?? 20, windowMs);
  }

  /** Records an attempt for both keys; false (recording nothing) when either is over its limit. */
  begin(username: string, address: string): boolean {
    if (!this.byUsername.allows(username) || !this.byAddress.allows(address)) return false;
    this.byUsername.hit(username);
    this.byAddress.hit(address);
    return true;
  }

  succeeded(username: string, address: string): void {
    this.byUsername.reset(username);
    this.byAddress.refund(address);
  }

  /** The attempt never ran (the server was too busy to check the password). */
  abandoned(username: string, address: string): void {
    this.byUsername.refund(username);
    this.byAddress.refund(address);
  }
}

/**
 * The client's address, for rate limits: the socket's peer, or with
 * TRUST_PROXY the address the proxy appended to X-Forwarded-For (the last
 * one; what comes before it is whatever the client sent). IPv4-mapped IPv6
 * addresses are unwrapped, and IPv6 clients are grouped by their /64, which
 * one subscriber usually holds whole. "unknown" when there is no socket (tests).
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  let address: string | undefined;
  if (trustProxy) {
    address = c.req
      .header("X-Forwarded-For")
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .at(-1);
  }
  if (!address) {
    try {
      address = getConnInfo(c).remote.address;
    } catch {
      address = undefined;
    }
  }
  return address ? addressKey(address) : "unknown";
}

function addressKey(raw: string): string {
  const address = raw.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
  const groups = (part: string | undefined) => (part ? part.split(":") : []);
  const width = (gs: string[]) => gs.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
  const h = groups(head);
  const t = groups(tail);
  const full = tail === undefined ? h : [...h, ...Array(Math.max(0, 8 - width(h) - width(t))).fill("0"), ...t];
  return `${full
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}

/**
 * Where to go after signing in: only a path on this origin. It must start
 * with a single "/", contain no "//", no backslash, no whitespace or control
 * characters (raw or percent-encoded), and resolve to this origin; anything
 * else goes home.
 */
export function safeNext(next: string | undefined, origin: URL): string {
  if (!next || next.length > 2000 || !next.startsWith("/") || next.includes("//")) return "/";
  if (/[\\\s\p{Cc}\p{Cf}]/u.test(next) || /%(?:[01][0-9a-f]|7f|5c)/i.test(next)) return "/";
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return "/";
  }
  if (url.origin !== origin.origin) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}
