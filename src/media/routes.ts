import { Hono } from "hono";
import { type ByteRange, isSafeKey, type MediaStat, type MediaStore } from "./store.ts";

export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";

/**
 * GET and HEAD /media/:key, straight from the store: the right Content-Type,
 * a year of immutable caching (keys are content hashes), ETag with
 * If-None-Match → 304, and single byte ranges (Range → 206, or 416 when
 * unsatisfiable). Keys that are not safe flat names are 404s, so no path can
 * escape the store. Mount with `app.route("/", mediaRoutes(store))`.
 */
export function mediaRoutes(store: MediaStore): Hono {
  const app = new Hono();
  app.get("/media/:key", async (c) => {
    const key = c.req.param("key");
    if (!isSafeKey(key)) return c.notFound();
    const stat = await store.stat(key);
    if (!stat) return c.notFound();

    const headers = baseHeaders(stat);
    if (matchesAny(c.req.header("If-None-Match"), stat.etag)) {
      return new Response(null, { status: 304, headers });
    }

    let range: ByteRange | "unsatisfiable" | undefined;
    const ifRange = c.req.header("If-Range");
    if (ifRange === undefined || ifRange.trim() === stat.etag) range = parseRange(c.req.header("Range"), stat.size);
    if (range === "unsatisfiable") {
      headers.set("Content-Range", `bytes */${stat.size}`);
      return new Response(null, { status: 416, headers });
    }

    const status = range ? 206 : 200;
    if (range) headers.set("Content-Range", `bytes ${range.start}-${range.end}/${stat.size}`);
    headers.set("Content-Length", String(range ? range.end - range.start + 1 : stat.size));
    if (c.req.method === "HEAD") return new Response(null, { status, headers });

    const opened = await store.open(key, range);
    if (!opened) return c.notFound();
    return new Response(opened.body, { status, headers });
  });
  return app;
}

function baseHeaders(stat: MediaStat): Headers {
  return new Headers({
    "Content-Type": stat.contentType,
    "Cache-Control": IMMUTABLE_CACHE,
    ETag: stat.etag,
    "Last-Modified": stat.lastModified.toUTCString(),
    "Accept-Ranges": "bytes",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Access-Control-Allow-Origin": "*",
    "Cross-Origin-Resource-Policy": "cross-origin",
  });
}

/** If-None-Match: "*" or a list of tags, compared weakly (W/ ignored), as RFC 9110 says. */
export function matchesAny(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = (t: string) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => bare(t) === bare(etag));
}

/**
 * Parses a Range header for one range of a `size`-byte file. Returns
 * undefined when there is no usable header (absent, malformed, another unit,
 * or several ranges — then the whole file is served, which RFC 9110 allows),
 * "unsatisfiable" when the range lies outside the file, or the inclusive
 * byte range.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | "unsatisfiable" | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return { start, end };
}
