import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { remotePost } from "../helpers/fixtures.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { AP, startTestPictor, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";
import { Client } from "./browser-client.ts";

/** The "RE:" fallback paragraph Mastodon 4.5 prepends to a quote. */
const fallback = (iri: string) => `<p class="quote-inline">RE: <a href="${iri}" rel="nofollow noopener noreferrer" target="_blank">${iri}</a></p>`;

describe("quotes in the web app", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  let bob: AccountRow;
  let vic: Client;
  let aliceWeb: Client;
  let lighthouse: PostDetails;
  let privatePost: PostDetails;
  const quoteBy = (n: number, quote: string, state: "accepted" | "pending") =>
    pictor.posts.receiveRemote(bob, remotePost(`${remote.actorIri("bob")}/statuses/${n}`, {
      quote,
      quoteState: state,
      quoteAuthorization: state === "accepted" ? `${remote.origin}/stamps/${n}` : null,
      contentHtml: `${fallback(quote)}<p>Quote ${n}</p>`,
    })) as Promise<PostDetails>;
  const signIn = async (username: string) => {
    const client = new Client(pictor);
    await client.page("/login");
    await client.form("/login", { username, password: "correct horse battery" });
    return client;
  };

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    await remote.addActor("bob");
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse battery" });
    await pictor.accounts.createLocal({ username: "vic", password: "correct horse battery" });
    bob = await pictor.resolveAccount(remote.actorIri("bob"));
    lighthouse = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "a lighthouse at dusk")).id], caption: "A lighthouse at dusk" });
    privatePost = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "a secret")).id], caption: "For followers", visibility: "followers" });
    vic = await signIn("vic");
    aliceWeb = await signIn("alice");
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("draws an approved quote as a card of the quoted post, hiding the fallback line, on its page and in feeds", async () => {
    const quote = await quoteBy(1, lighthouse.post.iri, "accepted");
    const thumb = lighthouse.media[0].thumb_key!;
    const { html } = await vic.page(`/posts/${quote.post.id}`);
    const card = /<a class="quote-card"[\s\S]*?<\/a>/.exec(html)?.[0] ?? "";
    // Author, first image, caption, and a link to the quoted post here.
    expect(card).toContain(`href="/@alice/${lighthouse.post.id}"`);
    expect(card).toContain("@alice@pictor.test");
    expect(card).toContain(`/media/${thumb}`);
    expect(card).toContain("A lighthouse at dusk");
    // The post keeps its fallback line, hidden under the card by the stylesheet.
    expect(html).toContain('class="card post has-quote"');
    expect(html).toContain('<p class="quote-inline">RE: ');
    const css = await (await vic.request("/assets/app.css")).text();
    expect(css).toMatch(/\.has-quote \.quote-inline\s*\{\s*display:\s*none/);
    // The federated feed draws it too, and the quoted post counts its quote.
    const feed = (await vic.page("/explore?tab=federated")).html;
    expect(feed).toContain('class="quote-card"');
    expect((await vic.page(`/@alice/${lighthouse.post.id}`)).html).toMatch(/1 quote(?!s)/);
    // The profile grid marks the remix with its quoted author and image.
    const remix = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "a remix")).id], caption: "Remixed", quote: lighthouse.post.iri });
    await waitFor(async () => (await pictor.posts.details(remix.post.id))?.post.quote_state === "accepted", 10_000, "the local quote accepted");
    const profile = (await vic.page("/@alice")).html;
    expect(profile).toMatch(/class="grid-quote"[^>]*>.*❝ @alice@pictor\.test/);
  });

  it("does not draw a quote that is not approved, nor one of a post the viewer may not see", async () => {
    const pending = await quoteBy(2, lighthouse.post.iri, "pending");
    const page = (await vic.page(`/posts/${pending.post.id}`)).html;
    expect(page).not.toContain('class="quote-card"');
    expect(page).not.toContain("has-quote");
    expect(page).toContain("Quote not approved by the quoted author");
    // The fallback line stays visible: it is the only link to what it quotes.
    expect(page).toContain('<p class="quote-inline">RE: ');

    const hidden = await quoteBy(3, privatePost.post.iri, "accepted");
    const asVic = (await vic.page(`/posts/${hidden.post.id}`)).html;
    expect(asVic).not.toContain('class="quote-card"');
    expect(asVic).not.toContain("For followers");
    // Its author sees her own followers-only post: the card is drawn for her.
    const asAlice = (await aliceWeb.page(`/posts/${hidden.post.id}`)).html;
    expect(asAlice).toContain('class="quote-card"');
    expect(asAlice).toContain("For followers");
  });

  it("sends a quote with the fallback line for servers that do not draw quotes, and draws a local remix", async () => {
    const remix = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "again")).id], caption: "Again", quote: lighthouse.post.iri });
    const note = await (await pictor.http.request(remix.post.iri, { headers: { Accept: AP } })).json();
    expect(note.content).toMatch(new RegExp(`^<p class="quote-inline">RE: <a href="${lighthouse.post.iri}">${lighthouse.post.iri}</a></p>`));
    expect(note.quote).toBe(lighthouse.post.iri);
    await waitFor(async () => (await pictor.posts.details(remix.post.id))?.post.quote_state === "accepted", 10_000, "the local quote accepted");
    const page = (await vic.page(`/@alice/${remix.post.id}`)).html;
    expect(page).toContain('class="quote-card"');
    expect(page).toContain(`href="/@alice/${lighthouse.post.id}"`);
  });
});
