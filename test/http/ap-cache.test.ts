import { gunzipSync } from "node:zlib";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { ApResponseCache } from "../../src/http/ap-cache.ts";
import { acceptsGzip } from "../../src/http/response-cache.ts";

function app(cache: ApResponseCache) {
  let n = 0;
  const a = new Hono();
  a.use(cache.middleware());
  a.get("*", (c) => {
    n++;
    if (c.req.path.startsWith("/private") && !c.req.header("Signature")) return c.text("no", 401);
    // A large document (an outbox page) when asked for one.
    const padding = c.req.path.startsWith("/large") ? "x".repeat(4000) : undefined;
    return c.json({ n, path: c.req.path, padding }, 200, { "Content-Type": "application/activity+json" });
  });
  return a;
}

const AP = { Accept: "application/activity+json" };

/** A content version that tests bump by hand (ContentVersion reads it from the database). */
function counter() {
  let v = 0;
  return { current: async () => v, bump: () => void v++ };
}

describe("ActivityPub response cache", () => {
  it("serves repeat anonymous fetches from memory until the content version changes", async () => {
    const version = counter();
    const cache = new ApResponseCache(version, 60_000);
    const a = app(cache);
    const first = await (await a.request("http://x.test/users/alice", { headers: AP })).json();
    const second = await (await a.request("http://x.test/users/alice", { headers: AP })).json();
    expect(second).toEqual(first);
    // HTML and other media types are never cached.
    const html1 = await a.request("http://x.test/users/alice", { headers: { Accept: "text/html" } });
    const html2 = await a.request("http://x.test/users/alice", { headers: { Accept: "text/html" } });
    expect((await html1.json()).n).not.toBe((await html2.json()).n);
    // Follower collections are never cached.
    const f1 = await (await a.request("http://x.test/users/alice/followers", { headers: AP })).json();
    const f2 = await (await a.request("http://x.test/users/alice/followers", { headers: AP })).json();
    expect(f2.n).toBe(f1.n + 1);
    version.bump();
    const third = await (await a.request("http://x.test/users/alice", { headers: AP })).json();
    expect(third.n).toBeGreaterThan(first.n);
    expect((await (await a.request("http://x.test/users/alice", { headers: AP })).json()).n).toBe(third.n);
    // Dropping entries by prefix only frees memory early.
    cache.invalidate("http://x.test/users/alice");
    expect((await (await a.request("http://x.test/users/alice", { headers: AP })).json()).n).toBeGreaterThan(third.n);
  });

  it("never stores what a signed request got, so private documents stay private", async () => {
    const cache = new ApResponseCache(counter(), 60_000);
    const a = app(cache);
    const signed = await a.request("http://x.test/private/1", { headers: { ...AP, Signature: 'keyId="k"' } });
    expect(signed.status).toBe(200);
    const anonymous = await a.request("http://x.test/private/1", { headers: AP });
    expect(anonymous.status).toBe(401);
  });

  it("keeps a large document gzipped too, for the clients that ask for it", async () => {
    const version = counter();
    const a = app(new ApResponseCache(version, 60_000));
    const first = await a.request("http://x.test/large/outbox", { headers: AP });
    const identity = await first.text();
    const zipped = await a.request("http://x.test/large/outbox", { headers: { ...AP, "Accept-Encoding": "gzip, deflate, br" } });
    expect(zipped.headers.get("Content-Encoding")).toBe("gzip");
    expect(zipped.headers.get("Vary")).toMatch(/Accept-Encoding/);
    const bytes = Buffer.from(await zipped.arrayBuffer());
    expect(bytes.length).toBeLessThan(identity.length / 4);
    expect(gunzipSync(bytes).toString()).toBe(identity);
    expect(zipped.headers.get("ETag")).toBeTruthy();
    // Without gzip (or with it refused), the same document as it was rendered.
    for (const encoding of [undefined, "identity", "gzip;q=0, br"]) {
      const plain = await a.request("http://x.test/large/outbox", { headers: { ...AP, ...(encoding ? { "Accept-Encoding": encoding } : {}) } });
      expect(plain.headers.get("Content-Encoding")).toBeNull();
      expect(plain.headers.get("Vary")).toMatch(/Accept-Encoding/);
      expect(await plain.text()).toBe(identity);
    }
    // Small documents are not worth it.
    await a.request("http://x.test/users/alice", { headers: AP });
    const small = await a.request("http://x.test/users/alice", { headers: { ...AP, "Accept-Encoding": "gzip" } });
    expect(small.headers.get("Content-Encoding")).toBeNull();
  });

  it("reads Accept-Encoding as HTTP defines it", () => {
    expect(acceptsGzip("gzip")).toBe(true);
    expect(acceptsGzip("deflate, GZIP;q=0.5")).toBe(true);
    expect(acceptsGzip("*")).toBe(true);
    expect(acceptsGzip("gzip;q=0")).toBe(false);
    expect(acceptsGzip("br, deflate")).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });

  it("a TTL of 0 turns it off", async () => {
    const off = app(new ApResponseCache(counter(), 0));
    const a = await (await off.request("http://x.test/n", { headers: AP })).json();
    const b = await (await off.request("http://x.test/n", { headers: AP })).json();
    expect(b.n).toBe(a.n + 1);
  });
});
