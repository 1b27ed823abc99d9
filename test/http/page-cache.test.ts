import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPictor, type Pictor } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import { PageCache } from "../../src/http/page-cache.ts";
import { FreshRead } from "../../src/storage/content-version.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { persistentStores } from "../../src/stores.ts";
import { remoteAccount, remotePost } from "../helpers/fixtures.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { AP, startTestPictor, TEST_ORIGIN } from "../helpers/pictor.ts";
import { Client } from "../web/browser-client.ts";

// Issue #16: anonymous pages rendered once per change and served from memory, never stale across processes.

const HTML = { Accept: "text/html" };
const nonceIn = (html: string) => /<script[^>]*nonce="([^"]+)"/.exec(html)?.[1];
const cspNonce = (res: Response) => /'nonce-([^']+)'/.exec(res.headers.get("Content-Security-Policy") ?? "")?.[1];

describe("anonymous page cache", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let alice: AccountRow;
  let bob: AccountRow;
  let post: PostDetails;
  const get = (path: string, headers: Record<string, string> = {}) => pictor.http.request(`${TEST_ORIGIN}${path}`, { headers: { ...HTML, ...headers } });
  const create = async (author: AccountRow, caption: string, extra: Record<string, unknown> = {}) =>
    pictor.posts.create(author, { mediaIds: [(await insertGeneratedMedia(pictor.db, author.id, `prompt of ${caption}`)).id], caption, ...extra });
  const signIn = async (username: string) => {
    const client = new Client(pictor);
    await client.page("/login");
    expect((await client.form("/login", { username, password: "correct horse battery" })).status).toBe(303);
    return client;
  };

  beforeAll(async () => {
    pictor = await startTestPictor();
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse battery" });
    bob = await pictor.accounts.createLocal({ username: "bob", password: "correct horse battery" });
    post = await create(alice, "A harbour at dawn #harbour");
  });
  afterAll(() => pictor?.stop());

  it("renders a page once, then serves it with a nonce of its own each time, a weak ETag and 304", async () => {
    const renders = vi.spyOn(pictor.reader, "lookup");
    try {
      const path = `/@alice/${post.post.id}`;
      const first = await get(path);
      expect(first.status).toBe(200);
      const etag = first.headers.get("ETag")!;
      expect(etag).toMatch(/^W\/"/);
      expect(first.headers.get("Cache-Control")).toBe("no-cache");
      expect(first.headers.get("Vary")).toContain("Cookie");
      const firstHtml = await first.text();
      expect(firstHtml).toContain("A harbour at dawn");
      const second = await get(path);
      const secondHtml = await second.text();
      expect(renders).toHaveBeenCalledTimes(1);
      expect(second.headers.get("ETag")).toBe(etag);
      // The same page, but each answer's script nonce is its own and matches its CSP header.
      for (const [res, html] of [
        [first, firstHtml],
        [second, secondHtml],
      ] as const) {
        expect(nonceIn(html)).toBeTruthy();
        expect(cspNonce(res)).toBe(nonceIn(html));
      }
      expect(nonceIn(secondHtml)).not.toBe(nonceIn(firstHtml));
      expect(secondHtml.replaceAll(nonceIn(secondHtml)!, "N")).toBe(firstHtml.replaceAll(nonceIn(firstHtml)!, "N"));
      // The other security headers are kept.
      expect(second.headers.get("X-Frame-Options")).toBe(first.headers.get("X-Frame-Options"));
      // Conditional requests: 304 without a body (nor a CSP naming a nonce the stored copy lacks).
      const revalidated = await get(path, { "If-None-Match": etag });
      expect(revalidated.status).toBe(304);
      expect(await revalidated.text()).toBe("");
      expect(revalidated.headers.get("Content-Security-Policy")).toBeNull();
      expect((await get(path, { "If-None-Match": 'W/"other"' })).status).toBe(200);
      const head = await pictor.http.request(`${TEST_ORIGIN}${path}`, { method: "HEAD", headers: HTML });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe("");
      expect(renders).toHaveBeenCalledTimes(1);
      // A change renders it again, with another ETag.
      await pictor.posts.edit(alice, post.post.id, { caption: "A harbour at noon #harbour" });
      const changed = await get(path, { "If-None-Match": etag });
      expect(changed.status).toBe(200);
      expect(await changed.text()).toContain("A harbour at noon");
      expect(changed.headers.get("ETag")).not.toBe(etag);
      expect(renders).toHaveBeenCalledTimes(2);
    } finally {
      renders.mockRestore();
    }
  });

  it("never gives a signed-in visitor the anonymous copy, nor anyone theirs (liked state, CSRF token)", async () => {
    const mine = await create(alice, "Bob's favourite");
    const path = `/@alice/${mine.post.id}`;
    await pictor.interactions.act("like", bob, mine);
    const anonymousFirst = await (await get(path)).text();
    expect(anonymousFirst).not.toContain("Log out");
    const bobClient = await signIn("bob");
    const bobs = (await bobClient.page(path)).html;
    expect(bobs).toContain("Log out");
    expect(bobs).toMatch(/aria-pressed="true">\s*Liked/);
    expect(bobs).toContain(bobClient.csrf);
    const renders = vi.spyOn(pictor.reader, "lookup");
    try {
      const anonymous = await (await get(path)).text();
      expect(renders).not.toHaveBeenCalled(); // from the cache
      expect(anonymous).not.toContain("Log out");
      expect(anonymous).not.toContain('aria-pressed="true"');
      expect(anonymous).not.toContain(bobClient.csrf);
      expect(anonymous).toContain("1 like ·");
      // Bob again: his own page, rendered for him.
      const again = (await bobClient.page(path)).html;
      expect(renders).toHaveBeenCalledTimes(1);
      expect(again).toContain("Log out");
      expect(again).toMatch(/aria-pressed="true">\s*Liked/);
    } finally {
      renders.mockRestore();
    }
  });

  it("never stores Set-Cookie: the anonymous CSRF cookie goes to its own visitor only", async () => {
    const first = await get("/explore");
    const cookie = first.headers.getSetCookie().find((c) => c.startsWith("pictor_csrf="));
    expect(cookie).toBeTruthy();
    const token = cookie!.split(";")[0].split("=")[1];
    const second = await get("/explore");
    expect(second.status).toBe(200);
    expect(second.headers.getSetCookie()).toEqual([]);
    expect(await second.text()).not.toContain(token);
    // A visitor who has the CSRF cookie (but no session) gets the shared copy too.
    const withCsrf = await get("/explore", { Cookie: `pictor_csrf=${token}` });
    expect(withCsrf.headers.getSetCookie()).toEqual([]);
    expect(withCsrf.headers.get("ETag")).toBe(second.headers.get("ETag"));
  });

  it("answers a deleted post with 410 at once and never keeps that answer", async () => {
    const doomed = await create(alice, "Soon gone");
    const path = `/posts/${doomed.post.id}`;
    expect((await get(path)).status).toBe(200);
    await pictor.posts.delete(alice, doomed.post.id);
    expect((await get(path)).status).toBe(410);
    const renders = vi.spyOn(pictor.reader, "lookup");
    try {
      expect((await get(path)).status).toBe(410);
      expect(renders).toHaveBeenCalledTimes(1);
    } finally {
      renders.mockRestore();
    }
  });

  it("renders a fresh page once for a stampede of visitors, checking the version about once per round trip", async () => {
    const fresh = await create(alice, "Link preview bait");
    const renders = vi.spyOn(pictor.reader, "lookup");
    const reads = pictor.contentVersion.reads;
    try {
      const answers = await Promise.all(Array.from({ length: 300 }, () => get(`/@alice/${fresh.post.id}`)));
      expect(answers.every((r) => r.status === 200)).toBe(true);
      const bodies = await Promise.all(answers.map((r) => r.text()));
      expect(bodies.every((b) => b.includes("Link preview bait"))).toBe(true);
      expect(renders).toHaveBeenCalledTimes(1);
      // One render's own reads, and the waiters' checks coalesced.
      expect(pictor.contentVersion.reads - reads).toBeLessThan(30);
    } finally {
      renders.mockRestore();
    }
  });

  it("leaves pages with a session cookie, other methods and other paths alone", async () => {
    const renders = vi.spyOn(pictor.reader, "lookup");
    try {
      const path = `/posts/${post.post.id}`;
      await get(path);
      await get(path);
      expect(renders).toHaveBeenCalledTimes(1);
      // An expired or unknown session is rendered afresh (and may be answered with a cookie that ends it).
      await get(path, { Cookie: "pictor_session=stale" });
      expect(renders).toHaveBeenCalledTimes(2);
      // ActivityPub asked for at the page's URL is not the page.
      const note = await get(`/@alice/${post.post.id}`, { Accept: AP });
      expect(note.headers.get("Content-Type")).toContain("activity+json");
    } finally {
      renders.mockRestore();
    }
    const login1 = await get("/login");
    const login2 = await get("/login");
    expect(login1.headers.get("ETag")).toBeNull();
    expect(login2.headers.getSetCookie().length).toBe(1);
  });

  describe("changes made by another process", () => {
    let other: Pictor;
    let carol: AccountRow;
    let remote: AccountRow;
    beforeAll(async () => {
      // A second Pictor on the same database: a worker, a CLI command, another web process.
      other = await createPictor(
        loadConfig({ PUBLIC_URL: TEST_ORIGIN, DATABASE_URL: pictor.config.databaseUrl, DATA_DIR: pictor.config.dataDir, ALLOW_PRIVATE_ADDRESS: "true" }),
        { stores: persistentStores, migrate: false },
      );
      carol = await pictor.accounts.createLocal({ username: "carol", password: "correct horse battery" });
      remote = await pictor.accounts.upsertRemote(remoteAccount("dora", { domain: "far.example", iri: "https://far.example/users/dora" }));
    });
    afterAll(() => other?.close());
    /** A post of carol's whose image's alt text is its caption (profiles show images, feeds captions). */
    const carolPost = async (caption: string) =>
      pictor.posts.create(carol, { mediaIds: [(await insertGeneratedMedia(pictor.db, carol.id, "a prompt", { alt: caption })).id], caption: `${caption} #tide` });

    /** Everything that shows a local post, fetched (and so cached) anonymously; the Note as ActivityPub too. */
    const views = (p: PostDetails) => [`/@carol/${p.post.id}`, `/posts/${p.post.id}`, "/@carol", "/@carol.atom", "/explore", "/tags/tide", "/"];
    const fetchAll = async (p: PostDetails) => {
      const pages = await Promise.all(views(p).map(async (path) => ({ path, status: (await get(path)).status })));
      const note = await get(new URL(p.post.iri).pathname, { Accept: AP });
      const actor = await get("/users/carol", { Accept: AP });
      return { pages, note: note.status, noteBody: await note.text(), actorBody: await actor.text() };
    };
    const texts = (p: PostDetails) =>
      Promise.all(
        views(p).map(async (path) => {
          const res = await get(path);
          return { path, status: res.status, html: await res.text() };
        }),
      );

    it("shows another process's edit at once on every page and in the Note", async () => {
      const p = await carolPost("Low tide");
      const before = await fetchAll(p);
      expect(before.pages.every((x) => x.status === 200)).toBe(true);
      expect(before.noteBody).toContain("Low tide");
      // Twice: the second round comes from the cache.
      await fetchAll(p);
      await other.posts.edit((await other.accounts.getLocalByUsername("carol"))!, p.post.id, { caption: "High tide #tide", alts: ["High tide"] });
      for (const { path, status, html } of await texts(p)) {
        expect(status, path).toBe(200);
        if (path === "/") continue; // the landing page shows images, not captions
        expect(html, path).toContain("High tide");
        expect(html, path).not.toContain("Low tide");
      }
      const note = await get(new URL(p.post.iri).pathname, { Accept: AP });
      expect(await note.text()).toContain("High tide");
    });

    it("hides a post at once when another process deletes it or narrows its visibility", async () => {
      const deleted = await carolPost("Shipwreck");
      const narrowed = await carolPost("Lighthouse");
      await fetchAll(deleted);
      await fetchAll(narrowed);
      await fetchAll(deleted);
      await other.posts.delete((await other.accounts.getLocalByUsername("carol"))!, deleted.post.id);
      // A command-line change straight to the row (no event, no service): the triggers still see it.
      await other.db.kysely.updateTable("posts").set({ visibility: "followers" }).where("id", "=", narrowed.post.id).execute();
      for (const p of [deleted, narrowed]) {
        const gone = await texts(p);
        for (const { path, status, html } of gone) {
          if (path.includes(p.post.id)) expect(status, path).toBe(p === deleted ? 410 : 404);
          else expect(html, path).not.toContain(p === deleted ? "Shipwreck" : "Lighthouse");
        }
        const note = await get(new URL(p.post.iri).pathname, { Accept: AP });
        expect(note.status).not.toBe(200);
        expect(await note.text()).not.toContain(p === deleted ? "Shipwreck" : "Lighthouse");
      }
    });

    it("hides an account's posts at once when another process suspends it", async () => {
      const p = await carolPost("Before the storm");
      await fetchAll(p);
      await fetchAll(p);
      await other.accounts.setSuspended((await other.accounts.getLocalByUsername("carol"))!, true);
      try {
        expect((await get(`/@carol/${p.post.id}`)).status).toBe(404);
        expect(await (await get("/explore")).text()).not.toContain("Before the storm");
        expect(await (await get("/tags/tide")).text()).not.toContain("Before the storm");
        expect((await get(new URL(p.post.iri).pathname, { Accept: AP })).status).not.toBe(200);
      } finally {
        await other.accounts.setSuspended((await other.accounts.getLocalByUsername("carol"))!, false);
      }
      expect((await get(`/@carol/${p.post.id}`)).status).toBe(200);
    });

    it("shows a remote Update applied by a worker, and a domain block made elsewhere, at once", async () => {
      const iri = "https://far.example/users/dora/statuses/1";
      const stored = (await pictor.posts.receiveRemote(remote, remotePost(iri, { contentHtml: "<p>Dunes at dusk</p>" })))!;
      const path = `/posts/${stored.post.id}`;
      expect(await (await get(path)).text()).toContain("Dunes at dusk");
      expect(await (await get("/explore?tab=federated")).text()).toContain("Dunes at dusk");
      const remoteOther = (await other.accounts.getRemoteByHandle("dora", "far.example"))!;
      await other.posts.updateRemote(remoteOther, remotePost(iri, { contentHtml: "<p>Dunes at dawn</p>", updatedAt: new Date(Date.now() + 1000).toISOString() }));
      const updated = await (await get(path)).text();
      expect(updated).toContain("Dunes at dawn");
      expect(updated).not.toContain("Dunes at dusk");
      expect(await (await get("/explore?tab=federated")).text()).toContain("Dunes at dawn");
      await other.moderation.blockDomain("far.example");
      expect((await get(path)).status).toBe(404);
      expect(await (await get("/explore?tab=federated")).text()).not.toContain("Dunes at dawn");
    });
  });
});

describe("page cache bounds and policy", () => {
  /** A web app stand-in: the session middleware's variables, and pages of a given size. */
  function site(cache: PageCache) {
    let renders = 0;
    const app = new Hono<{ Variables: { viewer: null | { id: string }; csrf: string } }>();
    app.use(cache.middleware());
    app.use(async (c, next) => {
      c.set("viewer", c.req.header("Cookie")?.includes("s=") ? { id: "x" } : null);
      c.set("csrf", "token-of-this-visitor");
      await next();
    });
    app.get("/posts/:id", (c) => {
      renders++;
      const size = Number(c.req.query("size") ?? 100);
      if (c.req.query("csrf")) return c.html(`<p>${c.get("csrf")}</p>`);
      if (c.req.query("cookie")) c.header("Set-Cookie", "other=1");
      return c.html(`<p>${c.req.param("id")}</p>${"x".repeat(size)}`);
    });
    return { app, renders: () => renders };
  }
  const version = () => ({ current: async () => 1 });

  it("keeps at most its entries and bytes, least recently used going first", async () => {
    const cache = new PageCache(version(), { sessionCookie: "s", maxEntries: 3, maxBytes: 1_000_000 });
    const { app, renders } = site(cache);
    for (let i = 0; i < 10; i++) await app.request(`http://x.test/posts/${i}`);
    expect(cache.cache.size).toBe(3);
    await app.request("http://x.test/posts/9");
    expect(renders()).toBe(10);
    await app.request("http://x.test/posts/0");
    expect(renders()).toBe(11);

    const small = new PageCache(version(), { sessionCookie: "s", maxBytes: 25_000 });
    const s = site(small);
    for (let i = 0; i < 5; i++) await s.app.request(`http://x.test/posts/${i}?size=10000`);
    expect(small.cache.size).toBe(2);
    expect(small.cache.bytes).toBeLessThanOrEqual(25_000);
    // A page larger than the whole budget is not kept.
    await s.app.request("http://x.test/posts/big?size=30000");
    await s.app.request("http://x.test/posts/big?size=30000");
    expect(s.renders()).toBe(7);
  });

  it("stores nothing per-visitor: a page carrying the CSRF token, another cookie, or a signed-in render", async () => {
    const cache = new PageCache(version(), { sessionCookie: "s", maxEntries: 10 });
    const { app, renders } = site(cache);
    for (const query of ["csrf=1", "cookie=1"]) {
      await app.request(`http://x.test/posts/1?${query}`);
      await app.request(`http://x.test/posts/1?${query}`);
    }
    await app.request("http://x.test/posts/2", { headers: { Cookie: "s=1" } });
    await app.request("http://x.test/posts/2", { headers: { Cookie: "s=1" } });
    expect(renders()).toBe(6);
    expect(cache.cache.size).toBe(0);
  });
});

describe("FreshRead", () => {
  it("shares a read among callers, never one begun before a caller arrived", async () => {
    let value = 1;
    const pending: Array<() => void> = [];
    const read = new FreshRead(() => {
      const seen = value;
      return new Promise<number>((resolve) => pending.push(() => resolve(seen)));
    });
    const a = read.current();
    value = 2; // committed after a's read began: b and c must see it
    const b = read.current();
    const c = read.current();
    expect(pending.length).toBe(1);
    pending.shift()!();
    expect(await a).toBe(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(pending.length).toBe(1);
    pending.shift()!();
    expect(await b).toBe(2);
    expect(await c).toBe(2);
    expect(read.reads).toBe(2);
  });
});
