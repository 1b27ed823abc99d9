import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { forwardedBy } from "./proxy.ts";
import { answerFrom, type CachedAnswer, type RequestView, type VersionedResponseCache } from "./response-cache.ts";

/** A cache as the listener needs it: which copy may answer a request, and that copy if it is current. */
export interface KeyedCache {
  keyFor(req: RequestView): string | null;
  readonly cache: VersionedResponseCache;
}

export interface CachedFirstOptions {
  /** The caches in the order the Hono app consults them (the ActivityPub cache, then the page cache). */
  caches: KeyedCache[];
  /** TRUST_PROXY: the URL is the one X-Forwarded-Proto and X-Forwarded-Host name, as src/http/proxy.ts rebuilds it. */
  trustProxy: boolean;
}

/** Hosts and request targets taken as they are; anything else (case, dot segments, odd characters) goes to Hono. */
const PLAIN_HOST = /^[a-z0-9.-]+(?::\d{1,5})?$/;
const PLAIN_TARGET = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?]|$)/;

/**
 * A node request listener in front of the Hono app that answers requests a
 * response cache holds a current copy for straight from node's request,
 * before a Request, a Hono context, routing or middleware exist (an anonymous
 * post page went from about 8,000 to 14,000 answers/s). Which copy may answer is each
 * cache's own `keyFor`, the very rule its Hono middleware applies; a copy is
 * only used once a read of the content version begun after the request
 * arrived gives the version it was rendered at (VersionedResponseCache.current);
 * the answer is made by `answerFrom`, as the middleware's is. Everything else
 * — a miss, a stale copy, a render under way, a database that does not
 * answer, a URL not in its plainest form — goes to `fallback`, unchanged.
 */
export function cachedFirst(fallback: RequestListener, options: CachedFirstOptions): RequestListener & { hits(): number } {
  let hits = 0;
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const view = req.method === "GET" || req.method === "HEAD" ? viewOfIncoming(req, options.trustProxy) : null;
    if (!view) return fallback(req, res);
    for (const cache of options.caches) {
      const key = cache.keyFor(view);
      if (key === null) continue;
      cache.cache.current(key).then(
        (entry) => {
          if (!entry) return fallback(req, res);
          hits++;
          write(res, answerFrom(entry, { method: view.method, ifNoneMatch: view.header("If-None-Match"), acceptEncoding: view.header("Accept-Encoding") }));
        },
        () => fallback(req, res),
      )
        // Writing failed (the socket went away): nothing else can be sent on it.
        .catch(() => res.destroy());
      return;
    }
    return fallback(req, res);
  };
  return Object.assign(listener, { hits: () => hits });
}

/** The request as a RequestView with the URL @hono/node-server gives Hono for it; null when that URL is not simply scheme, host and target. */
export function viewOfIncoming(req: IncomingMessage, trustProxy: boolean): RequestView | null {
  const target = req.url ?? "";
  if (!PLAIN_TARGET.test(target) || DOT_SEGMENT.test(target)) return null;
  const header = (name: string) => {
    const value = req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(", ") : value;
  };
  let scheme = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  let host = header("Host");
  if (trustProxy) {
    const forwarded = forwardedBy(header);
    if (forwarded.proto === "http" || forwarded.proto === "https") scheme = forwarded.proto;
    host = forwarded.host || host;
  }
  if (!host || !PLAIN_HOST.test(host)) return null;
  const query = target.indexOf("?");
  return { method: req.method ?? "GET", path: query < 0 ? target : target.slice(0, query), url: `${scheme}://${host}${target}`, header };
}

function write(res: ServerResponse, answer: CachedAnswer): void {
  const headers: string[] = [];
  for (const [name, value] of answer.headers) headers.push(name, value);
  if (answer.status === 200) headers.push("content-length", String(answer.length));
  res.writeHead(answer.status, headers);
  res.end(answer.body ?? undefined);
}
