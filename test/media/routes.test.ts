import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalDiskMediaStore } from "../../src/media/local-store.ts";
import { IMMUTABLE_CACHE, mediaRoutes, parseRange } from "../../src/media/routes.ts";

const SHA = "0f".repeat(32);
const KEY = `${SHA}.webp`;
const BODY = Buffer.from("RIFF....WEBPVP8 pretend image bytes, 48 long...");

describe("media routes", () => {
  let root: string;
  let app: ReturnType<typeof mediaRoutes>;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "pictor-routes-"));
    const store = new LocalDiskMediaStore({ root, baseUrl: new URL("http://localhost/media/") });
    await store.put(KEY, BODY, "image/webp");
    await store.put("plain-name.png", Buffer.from("png"), "image/png");
    app = mediaRoutes(store);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("serves a file with its type, immutable caching and the content hash as ETag", async () => {
    const res = await app.request(`/media/${KEY}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/webp");
    expect(res.headers.get("Cache-Control")).toBe(IMMUTABLE_CACHE);
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("ETag")).toBe(`"${KEY}"`);
    expect(res.headers.get("Content-Length")).toBe(String(BODY.length));
    expect(res.headers.get("Accept-Ranges")).toBe("bytes");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(Buffer.from(await res.arrayBuffer()).equals(BODY)).toBe(true);

    const other = await app.request("/media/plain-name.png");
    expect(other.status).toBe(200);
    expect(other.headers.get("ETag")).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
  });

  it("answers HEAD with headers and no body", async () => {
    const res = await app.request(`/media/${KEY}`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Length")).toBe(String(BODY.length));
    expect(res.headers.get("Content-Type")).toBe("image/webp");
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("answers 304 when If-None-Match matches", async () => {
    for (const inm of [`"${KEY}"`, `W/"${KEY}"`, `"other", "${KEY}"`, "*"]) {
      const res = await app.request(`/media/${KEY}`, { headers: { "If-None-Match": inm } });
      expect(res.status).toBe(304);
      expect(res.headers.get("ETag")).toBe(`"${KEY}"`);
      expect(res.headers.get("Cache-Control")).toBe(IMMUTABLE_CACHE);
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    }
    const miss = await app.request(`/media/${KEY}`, { headers: { "If-None-Match": '"nope"' } });
    expect(miss.status).toBe(200);
  });

  it("serves byte ranges with 206 and refuses unsatisfiable ones with 416", async () => {
    const res = await app.request(`/media/${KEY}`, { headers: { Range: "bytes=0-3" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("Content-Range")).toBe(`bytes 0-3/${BODY.length}`);
    expect(res.headers.get("Content-Length")).toBe("4");
    expect(await res.text()).toBe("RIFF");

    const tail = await app.request(`/media/${KEY}`, { headers: { Range: "bytes=-5" } });
    expect(tail.status).toBe(206);
    expect(await tail.text()).toBe(BODY.subarray(-5).toString());

    const open = await app.request(`/media/${KEY}`, { headers: { Range: "bytes=40-" } });
    expect(open.status).toBe(206);
    expect(await open.text()).toBe(BODY.subarray(40).toString());

    const beyond = await app.request(`/media/${KEY}`, { headers: { Range: `bytes=${BODY.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("Content-Range")).toBe(`bytes */${BODY.length}`);

    const head = await app.request(`/media/${KEY}`, { method: "HEAD", headers: { Range: "bytes=2-5" } });
    expect(head.status).toBe(206);
    expect(head.headers.get("Content-Length")).toBe("4");

    // If-Range with another validator: the whole file, not the range.
    const stale = await app.request(`/media/${KEY}`, { headers: { Range: "bytes=0-3", "If-Range": '"old"' } });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(BODY.length);
  });

  it("parses Range headers", () => {
    expect(parseRange("bytes=0-0", 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange("bytes=5-100", 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange("bytes=-100", 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=-0", 10)).toBe("unsatisfiable");
    expect(parseRange("bytes=10-", 10)).toBe("unsatisfiable");
    expect(parseRange("bytes=5-2", 10)).toBeUndefined();
    expect(parseRange("bytes=0-1,3-4", 10)).toBeUndefined();
    expect(parseRange("items=0-1", 10)).toBeUndefined();
    expect(parseRange(undefined, 10)).toBeUndefined();
  });

  it("answers 404 for missing files and unsafe keys without touching the disk outside the store", async () => {
    expect((await app.request(`/media/${"1".repeat(64)}.webp`)).status).toBe(404);
    for (const path of [
      "/media/..%2F..%2Fetc%2Fpasswd",
      "/media/%2e%2e%2fsecret.png",
      "/media/.hidden.png",
      "/media/x%00.png",
      "/media/index.html",
      "/media/..",
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
    }
  });
});
