import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { AP, startTestPictor, TEST_ORIGIN } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";
import { Client } from "./browser-client.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;

/**
 * Search finds posts and accounts by what people paste: a post's page URL or
 * IRI (here or on another server, fetched signed by the instance actor and
 * opened here), a profile URL (an actor, or a page naming it through
 * rel="alternate"), or a handle. Anything else gets a message and no fetch.
 * And a post's page URL answers ActivityPub with its Note, as Mastodon's do.
 */
describe("search by URL or handle, and page URLs as ActivityPub", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  let post: PostDetails;
  let secret: PostDetails;
  let web: Client;
  const search = (q: string, client?: Client) => (client ?? new Client(pictor)).request(`/search?q=${encodeURIComponent(q)}`);

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    await remote.addActor("bob");
    alice = await pictor.accounts.createLocal({ username: "alice", password: "a long password" });
    post = await pictor.posts.create(alice, { caption: "A kite", mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "a kite")).id] });
    secret = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "hidden")).id], visibility: "followers" });
    web = new Client(pictor);
    await web.page("/login");
    await web.form("/login", { username: "alice", password: "a long password" });
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("opens local posts and profiles from their page URLs and IRIs", async () => {
    for (const q of [post.post.url!, post.post.iri, `${TEST_ORIGIN}/posts/${post.post.id}`]) {
      const res = await search(q);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(`/@alice/${post.post.id}`);
    }
    for (const q of [`${TEST_ORIGIN}/@alice`, alice.iri, "@alice@pictor.test"]) {
      expect((await search(q)).headers.get("location")).toBe("/@alice");
    }
    // A post the searcher may not see is as one that does not exist.
    const hidden = await search(secret.post.url!);
    expect(hidden.status).toBe(404);
    expect(await hidden.text()).toContain("No such post.");
    expect((await search(secret.post.url!, web)).headers.get("location")).toBe(`/@alice/${secret.post.id}`);
    expect((await search(`${TEST_ORIGIN}/@alice/01900000-0000-7000-8000-000000000000`)).status).toBe(404);
  });

  it("fetches a remote post by its page URL (a Mastodon /@user/:id), signed, and opens it here", async () => {
    const id = `${remote.actorIri("bob")}/statuses/5`;
    const note = { "@context": AS, id, type: "Note", attributedTo: remote.actorIri("bob"), url: `${remote.origin}/@bob/5`, content: "<p>bob's kite</p>", published: "2026-11-24T10:00:00Z", to: [PUBLIC] };
    remote.serve("/users/bob/statuses/5", note);
    remote.serve("/@bob/5", note);
    const res = await search(`${remote.origin}/@bob/5`, web);
    expect(res.status).toBe(303);
    const stored = (await pictor.posts.detailsByIri(id))!;
    expect(res.headers.get("location")).toBe(`/posts/${stored.post.id}`);
    expect(remote.fetched.filter((f) => f.path === "/@bob/5" || f.path === "/users/bob/statuses/5").every((f) => f.signed)).toBe(true);
    // The page is one where the post can be liked, boosted, replied to and remixed.
    const { html } = await web.page(`/posts/${stored.post.id}`);
    expect(html).toContain(`action="/posts/${stored.post.id}/like"`);
    expect(html).toContain(`/create?reply=${stored.post.id}`);
    expect(html).toContain(`/create?remix=${stored.post.id}`);
    // Known now: a second search fetches nothing.
    const before = remote.fetched.length;
    expect((await search(id, web)).headers.get("location")).toBe(`/posts/${stored.post.id}`);
    expect(remote.fetched.length).toBe(before);
  });

  it("finds a remote profile from a page that names its actor with rel=alternate", async () => {
    remote.servePage("/@bob", `<!doctype html><html><head><link rel="alternate" type="application/activity+json" href="${remote.actorIri("bob")}"></head><body>bob</body></html>`);
    const res = await search(`${remote.origin}/@bob`, web);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/@bob@${new URL(remote.origin).hostname}`);
    expect((await pictor.accounts.getByIri(remote.actorIri("bob")))?.username).toBe("bob");
  });

  it("says what it takes, and fetches nothing, for anything else", async () => {
    const before = remote.fetched.length;
    for (const q of ["hello world", "ftp://example.com/x", "javascript:alert(1)", "file:///etc/passwd", "@nobody"]) {
      const res = await search(q);
      expect(res.status).toBe(404);
      const html = await res.text();
      expect(html).toMatch(/@user@host|http\(s\)/);
      expect(html).not.toContain("<script>alert");
    }
    expect(remote.fetched.length).toBe(before);
    // A remote address with nothing there.
    const missing = await search(`${remote.origin}/@bob/404`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Could not find");
  });

  it("answers a post's page URL with its Note, and a profile URL with the actor, for ActivityPub clients", async () => {
    const res = await pictor.http.request(post.post.url!, { headers: { Accept: AP } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/activity\+json/);
    expect(await res.json()).toMatchObject({ id: post.post.iri, type: "Note", url: post.post.url });
    const actor = await pictor.http.request(`${TEST_ORIGIN}/@alice`, { headers: { Accept: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"' } });
    expect(await actor.json()).toMatchObject({ id: alice.iri, type: "Person" });
    // A signed request is sent to the IRI, which its signer signs anew (Fedify does), so followers see what they may.
    const signed = await pictor.http.request(await remote.signedGet(secret.post.url!, "bob"));
    expect(signed.status).toBe(302);
    expect(signed.headers.get("location")).toBe(secret.post.iri);
    // Hidden or missing posts answer 404 alike; browsers still get the page.
    expect((await pictor.http.request(secret.post.url!, { headers: { Accept: AP } })).status).toBe(404);
    expect((await pictor.http.request(`${TEST_ORIGIN}/@alice/01900000-0000-7000-8000-000000000000`, { headers: { Accept: AP } })).status).toBe(404);
    const page = await pictor.http.request(post.post.url!, { headers: { Accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
  });
});
