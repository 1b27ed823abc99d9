import { createHash, randomBytes } from "node:crypto";
import { constants, gzipSync } from "node:zlib";
import type { Context, Next } from "hono";
import { LRUCache } from "lru-cache";
import { matchesAny } from "../media/routes.ts";

/** A stored 200 response: its headers (never Set-Cookie) and body, split where its CSP nonce was. */
interface Entry {
  headers: [string, string][];
  /** The body's UTF-8 pieces between occurrences of the nonce (one piece when there is none). */
  parts: Uint8Array[];
  /** Whether the body and the CSP header carry a nonce, drawn anew for every response. */
  nonced: boolean;
  /** The body gzipped once when stored (a nonce-free body of 1 KB or more), for clients that accept it. */
  gzip?: Uint8Array;
  etag: string;
  /** The content version read before the response was rendered. */
  version: number;
  bytes: number;
}

/** Where the content version is read (ContentVersion: a read begun after the call). */
export interface VersionSource {
  current(): Promise<number>;
}

/**
 * What a cache needs of a request to name its copy: the Hono context's view
 * in the middleware, node's IncomingMessage in the listener in front of Hono
 * (src/http/cached-first.ts). `url` is the whole URL as Hono sees it.
 */
export interface RequestView {
  method: string;
  path: string;
  url: string;
  header(name: string): string | undefined;
}

/** The Hono context as a RequestView. */
export function viewOf(c: Context): RequestView {
  return { method: c.req.method, path: c.req.path, url: c.req.url, header: (name) => c.req.header(name) };
}

/** Whether a rendered response may be stored; with `nonce`, the CSP nonce to draw anew for each response. */
export type StorePolicy = (c: Context, body: string) => { nonce?: string } | null;

export interface ResponseCacheLimits {
  maxEntries: number;
  maxBytes: number;
  /** The longest an entry is kept (0: no limit). Entries are never served stale whatever their age. */
  maxAgeMs?: number;
}

/** Headers never stored: per-visitor ones, and those the stored body's length decides. */
const DROPPED = new Set(["set-cookie", "content-length", "etag", "date"]);
/** 16 random bytes per nonce, drawn 256 nonces at a time (one call to the CSPRNG instead of one per answer). */
let pool = Buffer.alloc(0);
let offset = 0;
const nonceOf = () => {
  if (offset + 16 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += 16;
  return pool.toString("base64", offset - 16, offset);
};
const encoder = new TextEncoder();

/**
 * The one home of "is my cached copy still current", for every response cache
 * (public pages, public ActivityPub documents). An entry remembers the content
 * version it was rendered at; a request is answered from it only after a read
 * of the version begun after the request arrived still gives that version
 * (src/storage/content-version.ts), so a change committed by any process
 * before a request is never missed. Concurrent misses of one key render it
 * once: the others wait, then check the stored copy as a hit does. Bounded by
 * entries and bytes (least recently used first). Answers carry a weak ETag of
 * the body (without its nonce); a matching If-None-Match gets 304.
 */
export class VersionedResponseCache {
  readonly #entries: LRUCache<string, Entry>;
  readonly #filling = new Map<string, Promise<boolean>>();

  constructor(
    private readonly version: VersionSource,
    limits: ResponseCacheLimits,
  ) {
    this.#entries = new LRUCache<string, Entry>({
      max: limits.maxEntries,
      maxSize: limits.maxBytes,
      sizeCalculation: (e) => Math.max(1, e.bytes),
      ...(limits.maxAgeMs ? { ttl: limits.maxAgeMs } : {}),
    });
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#entries.calculatedSize;
  }

  /** Drops entries whose key passes the test (current entries stay correct without it: this only frees memory). */
  drop(test: (key: string) => boolean): void {
    for (const key of [...this.#entries.keys()]) if (test(key)) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /**
   * The stored copy of `key` if it is current (a read of the content version
   * begun now gives its version); else undefined, and nothing is waited for:
   * the caller goes the whole way (`serve`), which renders or waits for a render.
   */
  async current(key: string): Promise<CachedEntry | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const now = await this.version.current().catch(() => undefined);
    return entry.version === now ? entry : undefined;
  }

  /**
   * Answers from a current copy of `key` when there is one; else runs `next`
   * and, when the answer is a 200 that `policy` accepts, stores it.
   */
  async serve(c: Context, key: string, next: Next, policy: StorePolicy): Promise<Response | undefined> {
    const found = await this.#lookup(key);
    if ("entry" in found) return respond(c, found.entry);
    let stored = false;
    try {
      // The version is read before rendering, so a change committed during the render only makes the copy stale sooner.
      const version = await this.version.current().catch(() => undefined);
      await next();
      if (version === undefined || c.res.status !== 200) return;
      const entry = await capture(c, version, policy);
      if (!entry) return;
      this.#entries.set(key, entry);
      stored = true;
      c.res.headers.set("ETag", entry.etag);
      if (matchesAny(c.req.header("If-None-Match"), entry.etag)) return notModified(c, entry, c.res.headers.getSetCookie());
    } finally {
      found.release(stored);
    }
  }

  /**
   * A copy of `key` that is current now; else the right to render it. A render
   * of it already under way is waited for (a few times at most), then its copy
   * is checked as any hit is. The check for a render under way and the claim
   * to render happen with no await between, so a stampede renders once.
   */
  async #lookup(key: string): Promise<{ entry: Entry } | { release(stored: boolean): void }> {
    for (let round = 0; round < 3; round++) {
      const entry = this.#entries.get(key);
      if (entry) {
        const now = await this.version.current().catch(() => undefined);
        if (entry.version === now) return { entry };
        if (this.#entries.peek(key) === entry) this.#entries.delete(key);
      }
      const filling = this.#filling.get(key);
      if (!filling) break;
      // A render that stored nothing (a 404, a page for one visitor) is not waited for again.
      if (!(await filling)) return { release() {} };
    }
    if (this.#filling.has(key)) return { release() {} };
    let done!: (stored: boolean) => void;
    const filling = new Promise<boolean>((r) => (done = r));
    this.#filling.set(key, filling);
    return {
      release: (stored) => {
        if (this.#filling.get(key) === filling) this.#filling.delete(key);
        done(stored);
      },
    };
  }
}

/** A stored copy, opaque outside this module: answered with `answerFrom`. */
export type CachedEntry = Entry;

async function capture(c: Context, version: number, policy: StorePolicy): Promise<Entry | undefined> {
  const body = await c.res.clone().text();
  const accepted = policy(c, body);
  if (!accepted) return undefined;
  const nonce = accepted.nonce && body.includes(accepted.nonce) ? accepted.nonce : undefined;
  const parts = (nonce ? body.split(nonce) : [body]).map((p) => encoder.encode(p));
  const hash = createHash("sha256");
  for (const p of parts) hash.update(p).update("\0");
  const headers: [string, string][] = [];
  for (const [name, value] of c.res.headers) {
    if (DROPPED.has(name)) continue;
    headers.push([name, nonce && name === "content-security-policy" ? value.split(nonce).join("\0") : value]);
  }
  const etag = `W/"${hash.digest("base64url").slice(0, 27)}"`;
  headers.push(["etag", etag]);
  // Compressed once here rather than per answer: ActivityPub peers (Fedify's and Mastodon's fetch
  // both ask for gzip) then take a 60 KB outbox page as about a tenth of it. A page with a nonce
  // differs in every answer, so it goes uncompressed. One weak ETag serves both encodings.
  let gzip: Uint8Array | undefined;
  if (!nonce && parts[0].byteLength >= 1024) {
    gzip = gzipSync(parts[0], { level: 6, strategy: constants.Z_DEFAULT_STRATEGY });
    const vary = headers.find(([name]) => name === "vary");
    if (vary) vary[1] = `${vary[1]}, Accept-Encoding`;
    else headers.push(["vary", "Accept-Encoding"]);
  }
  const bytes = parts.reduce((n, p) => n + p.byteLength, 0) + (gzip?.byteLength ?? 0) + headers.reduce((n, [k, v]) => n + k.length + v.length, 0);
  return { headers, parts, nonced: nonce !== undefined, gzip, etag, version, bytes };
}

/** Whether an Accept-Encoding header takes gzip (named, or `*`, with a q above 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const item of header.toLowerCase().split(",")) {
    const [coding, ...params] = item.trim().split(";");
    if (coding.trim() !== "gzip" && coding.trim() !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (!q || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** What an answer from a stored copy depends on in the request. */
export interface HitRequest {
  method: string;
  ifNoneMatch?: string;
  acceptEncoding?: string;
}

/** An answer from a stored copy: a 200 (a fresh CSP nonce where the copy has one; gzip when accepted) or a 304. */
export interface CachedAnswer {
  status: 200 | 304;
  headers: [string, string][];
  /** Null for a 304 and for HEAD. */
  body: Uint8Array | null;
  /** The body's length (what Content-Length says, HEAD included). */
  length: number;
}

/** The one place a stored copy becomes an answer, for the Hono middleware and the listener in front of it (src/http/cached-first.ts). */
export function answerFrom(entry: CachedEntry, req: HitRequest): CachedAnswer {
  if (matchesAny(req.ifNoneMatch, entry.etag)) return { status: 304, headers: notModifiedHeaders(entry), body: null, length: 0 };
  const nonce = entry.nonced ? nonceOf() : undefined;
  const headers: [string, string][] = nonce ? entry.headers.map(([name, value]) => [name, name === "content-security-policy" ? value.split("\0").join(nonce) : value]) : [...entry.headers];
  let body: Uint8Array = entry.parts[0];
  if (entry.gzip && acceptsGzip(req.acceptEncoding)) {
    body = entry.gzip;
    headers.push(["content-encoding", "gzip"]);
  } else if (nonce) {
    const n = encoder.encode(nonce);
    body = Buffer.concat(entry.parts.flatMap((p, i) => (i === 0 ? [p] : [n, p])));
  }
  return { status: 200, headers, body: req.method === "HEAD" ? null : body, length: body.byteLength };
}

function respond(c: Context, entry: Entry): Response {
  const answer = answerFrom(entry, { method: c.req.method, ifNoneMatch: c.req.header("If-None-Match"), acceptEncoding: c.req.header("Accept-Encoding") });
  if (answer.status === 304) return notModified(c, entry);
  return new Response(answer.body as Uint8Array<ArrayBuffer> | null, { status: 200, headers: answer.headers });
}

/** The validators and caching headers only: a CSP header would name a nonce the browser's stored copy does not carry. */
function notModifiedHeaders(entry: Entry): [string, string][] {
  return entry.headers.filter(([name]) => name === "etag" || name === "cache-control" || name === "vary");
}

/** 304 for a copy just stored, with the cookies the render set (the stored one's CSP stays, as above). */
function notModified(c: Context, entry: Entry, cookies: string[] = []): Response {
  const headers = new Headers(notModifiedHeaders(entry));
  for (const cookie of cookies) headers.append("set-cookie", cookie);
  // Hono merges the headers of a response already set into a new one: start afresh.
  c.res = undefined as unknown as Response;
  c.res = new Response(null, { status: 304, headers });
  return c.res;
}
