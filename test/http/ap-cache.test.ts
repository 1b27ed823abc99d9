import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { ApResponseCache } from "../../src/http/ap-cache.ts";

function app(cache: ApResponseCache) {
  let n = 0;
  const a = new Hono();
  a.use(cache.middleware());
  a.get("*", (c) => {
    n++;
    if (c.req.path.startsWith("/private") && !c.req.header("Signature")) return c.text("no", 401);
    return c.json({ n, path: c.req.path }, 200, { "Content-Type": "application/activity+json" });
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

  it("a TTL of 0 turns it off", async () => {
    const off = app(new ApResponseCache(counter(), 0));
    const a = await (await off.request("http://x.test/n", { headers: AP })).json();
    const b = await (await off.request("http://x.test/n", { headers: AP })).json();
    expect(b.n).toBe(a.n + 1);
  });
});
