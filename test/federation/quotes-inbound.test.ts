import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { AP, startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

/**
 * Quotes as Mastodon 4.5 and Hollo send them (FEP-044f): a Note with `quote`
 * (and `quoteUri`, `_misskey_quote`) and `quoteAuthorization`, the fallback
 * "RE:" paragraph, QuoteRequests with the quoting Note inlined, and the
 * approval arriving later as an Update of the quoting post.
 */
const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;
// Mastodon's context extensions for quotes (context_extensions :quotes, :quote_requests, :quote_authorizations).
const CONTEXT = [
  AS,
  {
    sensitive: "as:sensitive",
    quote: { "@id": "https://w3id.org/fep/044f#quote", "@type": "@id" },
    fedibird: "http://fedibird.com/ns#",
    quoteUri: "fedibird:quoteUri",
    misskey: "https://misskey-hub.net/ns#",
    _misskey_quote: "misskey:_misskey_quote",
    quoteAuthorization: { "@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id" },
    QuoteRequest: "https://w3id.org/fep/044f#QuoteRequest",
    QuoteAuthorization: "https://w3id.org/fep/044f#QuoteAuthorization",
    gts: "https://gotosocial.org/ns#",
    interactingObject: { "@id": "gts:interactingObject", "@type": "@id" },
    interactionTarget: { "@id": "gts:interactionTarget", "@type": "@id" },
  },
];

describe("quotes arriving from other servers (FEP-044f, Mastodon 4.5 and Hollo shapes)", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let elsewhere: FakeRemote;
  let alice: AccountRow;
  let pub: PostDetails;
  const send = async (activity: Record<string, unknown>, signer: string, from: FakeRemote = remote) => {
    const res = await pictor.http.request(await from.signedPost(`${TEST_ORIGIN}/inbox`, { "@context": CONTEXT, ...activity }, signer));
    expect(res.status, await res.text()).toBe(202);
  };
  const stored = (iri: string) => pictor.posts.detailsByIri(iri);
  const statusIri = (who: string, n: number | string) => `${remote.actorIri(who)}/statuses/${n}`;
  /** A Note in Mastodon 4.5's shape; a quote carries the "RE:" fallback paragraph first. */
  const note = (who: string, n: number | string, extra: Record<string, unknown> = {}) => {
    const quote = extra.quote as string | undefined;
    return {
      id: statusIri(who, n),
      type: "Note",
      attributedTo: remote.actorIri(who),
      url: `${remote.origin}/@${who}/${n}`,
      published: "2026-12-01T10:00:00Z",
      to: [PUBLIC],
      cc: [`${remote.actorIri(who)}/followers`],
      sensitive: false,
      content: `${quote ? `<p class="quote-inline">RE: <a href="${quote}">${quote}</a></p>` : ""}<p>post ${n}</p>`,
      ...(quote ? { quoteUri: quote, _misskey_quote: quote } : {}),
      ...extra,
    };
  };
  /** A stamp as Mastodon serves it at its id. */
  const stamp = (server: FakeRemote, path: string, by: string, interactingObject: string, interactionTarget: string) => {
    server.serve(path, { "@context": CONTEXT, id: `${server.origin}${path}`, type: "QuoteAuthorization", attributedTo: by, interactingObject, interactionTarget });
    return `${server.origin}${path}`;
  };
  const create = (n: ReturnType<typeof note>) => ({ id: `${n.id}/activity`, type: "Create", actor: n.attributedTo, object: n, to: n.to, cc: n.cc });

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    elsewhere = await startFakeRemote();
    for (const name of ["bob", "carol", "dave", "erin"]) await remote.addActor(name);
    await elsewhere.addActor("carol");
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    pub = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "a lighthouse")).id], caption: "A lighthouse" });
    // Alice follows bob; nobody here follows carol, dave or erin.
    const bob = await pictor.resolveAccount(remote.actorIri("bob"));
    const f = await pictor.follows.follow(alice, bob);
    await pictor.follows.markAccepted({ iri: f.iri, followingId: bob.id });
    // Carol's post, which bob quotes: public, served at its id (nobody here has it yet).
    remote.serve("/users/carol/statuses/1", { "@context": CONTEXT, ...note("carol", 1) });
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
    await elsewhere?.close();
  });

  it("records a quote whose approval arrives as an Update of a post sent earlier without it (Mastodon's implicit update)", async () => {
    const plain = note("bob", 10);
    await send(create(plain), "bob");
    await waitFor(() => stored(plain.id), 10_000, "bob's post");
    const quoted = statusIri("carol", 1);
    const stampIri = stamp(remote, "/users/carol/quote_authorizations/10", remote.actorIri("carol"), plain.id, quoted);
    // No `updated`: Mastodon sends the approval as an implicit update.
    const approved = note("bob", 10, { quote: quoted, quoteAuthorization: stampIri });
    await send({ id: `${plain.id}#updates/approval`, type: "Update", actor: remote.actorIri("bob"), object: approved }, "bob");
    const d = await waitFor(async () => {
      const x = await stored(plain.id);
      return x?.post.quote_iri ? x : undefined;
    }, 10_000, "the quote recorded");
    expect(d.post).toMatchObject({ quote_iri: quoted, quote_state: "accepted", quote_authorization_iri: stampIri });
    // The quoted post was fetched, and counts the quote; as Mastodon does, an implicit update changes nothing else.
    expect((await stored(quoted))?.post.quotes_count).toBe(1);
    expect(d.post.content_html).toBe("<p>post 10</p>");
  });

  it("records a quote added by an explicit Update (Hollo: `updated`, the fallback in a span)", async () => {
    const plain = note("bob", 11);
    await send(create(plain), "bob");
    await waitFor(() => stored(plain.id), 10_000, "bob's post");
    const quoted = statusIri("carol", 1);
    const stampIri = stamp(remote, "/users/carol/quote_authorizations/11", remote.actorIri("carol"), plain.id, quoted);
    const edited = {
      ...note("bob", 11),
      content: `<p>post 11<span class="quote-inline"><br><br>RE: <a href="${quoted}">${quoted}</a></span></p>`,
      quote: quoted,
      quoteAuthorization: stampIri,
      updated: "2026-12-01T11:00:00Z",
    };
    await send({ id: `${plain.id}#updates/1`, type: "Update", actor: remote.actorIri("bob"), object: edited }, "bob");
    const d = await waitFor(async () => ((await stored(plain.id))?.post.quote_state === "accepted" ? stored(plain.id) : undefined), 10_000, "the quote");
    expect(d!.post.content_html).toContain('<span class="quote-inline">');
    expect((await stored(quoted))?.post.quotes_count).toBe(2);
  });

  it("leaves a quote pending when its stamp cannot be fetched, lives elsewhere, names another post or another author", async () => {
    const quoted = statusIri("carol", 1);
    const cases = [
      // Not served at all.
      { n: 20, auth: `${remote.origin}/users/carol/quote_authorizations/missing` },
      // On another server than the quoted author's.
      { n: 21, auth: stamp(elsewhere, "/users/carol/quote_authorizations/21", remote.actorIri("carol"), statusIri("bob", 21), quoted) },
      // The quoted author's server, but for another quoting post.
      { n: 22, auth: stamp(remote, "/users/carol/quote_authorizations/22", remote.actorIri("carol"), statusIri("bob", 10), quoted) },
      // The right server and posts, but attributed to someone else there.
      { n: 23, auth: stamp(remote, "/users/carol/quote_authorizations/23", remote.actorIri("bob"), statusIri("bob", 23), quoted) },
      // The right stamp for another quoted post.
      { n: 24, auth: stamp(remote, "/users/carol/quote_authorizations/24", remote.actorIri("carol"), statusIri("bob", 24), statusIri("carol", 99)) },
    ];
    for (const c of cases) await send(create(note("bob", c.n, { quote: quoted, quoteAuthorization: c.auth })), "bob");
    for (const c of cases) {
      const d = await waitFor(() => stored(statusIri("bob", c.n)), 10_000, `bob's post ${c.n}`);
      expect([c.n, d.post.quote_iri, d.post.quote_state, d.post.quote_authorization_iri]).toEqual([c.n, quoted, "pending", null]);
    }
    expect((await stored(quoted))?.post.quotes_count).toBe(2);
  });

  it("accepts a quote of one's own post without a stamp (FEP-044f self-quote)", async () => {
    const own = note("bob", 30, { quote: statusIri("bob", 10) });
    await send(create(own), "bob");
    const d = await waitFor(() => stored(own.id), 10_000, "the self-quote");
    expect(d.post.quote_state).toBe("accepted");
    // The fallback line keeps its class, to be hidden where the quote is drawn.
    expect(d.post.content_html).toContain('<p class="quote-inline">RE: <a href=');
  });

  it("stores the quoting post of a QuoteRequest from someone nobody here follows, and the notification leads to it", async () => {
    // Mastodon inlines the quoting Note in the request's instrument.
    const quoting = note("carol", 40, { quote: pub.post.iri });
    await send({ id: `${remote.actorIri("carol")}/quote_requests/40`, type: "QuoteRequest", actor: remote.actorIri("carol"), object: pub.post.iri, instrument: quoting }, "carol");
    const accept = await waitFor(() => remote.received.find((r) => r.body?.type === "Accept" && (r.body.object?.id ?? r.body.object) === `${remote.actorIri("carol")}/quote_requests/40`), 10_000, "the Accept");
    const stampIri: string = accept.body.result;
    const d = await waitFor(async () => ((await stored(quoting.id))?.post.quote_state === "accepted" ? stored(quoting.id) : undefined), 10_000, "the quoting post");
    expect(d!.post).toMatchObject({ quote_iri: pub.post.iri, quote_authorization_iri: stampIri });
    const notes = await waitFor(async () => (await pictor.notifications.list(alice.id)).items.filter((n) => n.type === "quote"), 10_000, "the notification");
    expect(notes.map((n) => [n.actor.iri, n.post_id])).toEqual([[remote.actorIri("carol"), d!.post.id]]);
    expect((await pictor.posts.details(pub.post.id))?.post.quotes_count).toBe(1);

    // Then Mastodon sends the quoting post again with our stamp: it stays accepted, counted once.
    await send({ id: `${quoting.id}#updates/approval`, type: "Update", actor: remote.actorIri("carol"), object: { ...quoting, quoteAuthorization: stampIri } }, "carol");
    // An instrument given by id only is fetched from its server.
    const fetched = note("dave", 41, { quote: pub.post.iri });
    remote.serve("/users/dave/statuses/41", { "@context": CONTEXT, ...fetched });
    await send({ id: `${remote.actorIri("dave")}/quote_requests/41`, type: "QuoteRequest", actor: remote.actorIri("dave"), object: pub.post.iri, instrument: fetched.id }, "dave");
    const d2 = await waitFor(async () => ((await stored(fetched.id))?.post.quote_state === "accepted" ? stored(fetched.id) : undefined), 10_000, "dave's quoting post");
    expect(d2!.post.quote_authorization_iri).toMatch(new RegExp(`^${TEST_ORIGIN}/quotes/`));
    await waitFor(async () => (await pictor.posts.details(pub.post.id))?.post.quotes_count === 2, 10_000, "two quotes counted");
    expect((await stored(quoting.id))?.post.quote_state).toBe("accepted");
    const links = (await pictor.notifications.list(alice.id)).items.filter((n) => n.type === "quote").map((n) => n.post_id);
    expect(links.sort()).toEqual([d!.post.id, d2!.post.id].sort());
  });

  it("keeps a quote of a local post from a stranger, but unauthorized with a stamp that is not ours to give", async () => {
    const forged = note("erin", 50, { quote: pub.post.iri, quoteAuthorization: `${TEST_ORIGIN}/quotes/not-a-stamp` });
    await send(create(forged), "erin");
    const d = await waitFor(() => stored(forged.id), 10_000, "erin's quote");
    expect([d.post.quote_state, d.post.quote_authorization_iri]).toEqual(["pending", null]);
    // Another post's stamp does not authorize this one either.
    const [given] = await pictor.quotes.stampsFor(pub.post.id);
    const borrowed = note("erin", 51, { quote: pub.post.iri, quoteAuthorization: `${TEST_ORIGIN}/quotes/${given.id}` });
    await send(create(borrowed), "erin");
    expect((await waitFor(() => stored(borrowed.id), 10_000, "erin's second quote")).post.quote_state).toBe("pending");
    expect((await pictor.posts.details(pub.post.id))?.post.quotes_count).toBe(2);
  });

  it("approves a quote whose request came before the post itself, with the stamp given then", async () => {
    // The instrument cannot be fetched yet: the request is answered, the post is not stored.
    const later = note("dave", 52, { quote: pub.post.iri });
    await send({ id: `${remote.actorIri("dave")}/quote_requests/52`, type: "QuoteRequest", actor: remote.actorIri("dave"), object: pub.post.iri, instrument: later.id }, "dave");
    const accept = await waitFor(() => remote.received.find((r) => r.body?.type === "Accept" && (r.body.object?.id ?? r.body.object) === `${remote.actorIri("dave")}/quote_requests/52`), 10_000, "the Accept");
    expect(await stored(later.id)).toBeUndefined();
    // Then the Create comes, still without quoteAuthorization.
    await send(create(later), "dave");
    const d = await waitFor(() => stored(later.id), 10_000, "dave's post");
    expect([d.post.quote_state, d.post.quote_authorization_iri]).toEqual(["accepted", accept.body.result]);
    expect((await pictor.posts.details(pub.post.id))?.post.quotes_count).toBe(3);
  });

  it("keeps our own quotes pending until approved, then declined by a Reject or revoked by a Delete of the stamp", async () => {
    const bob = (await pictor.accounts.getByIri(remote.actorIri("bob")))!;
    const target = note("bob", 60);
    await send(create(target), "bob");
    await waitFor(() => stored(target.id), 10_000, "bob's post");
    const quote = (caption: string) => insertGeneratedMedia(pictor.db, alice.id, caption).then((m) => pictor.posts.create(alice, { mediaIds: [m.id], caption, quote: target.id }));
    const declined = await quote("declined");
    const approved = await quote("approved");
    expect((await pictor.posts.details(declined.post.id))?.post.quote_state).toBe("pending");
    const requestOf = (p: PostDetails) => waitFor(() => remote.received.find((r) => r.body?.type === "QuoteRequest" && r.body.instrument?.id === p.post.iri), 10_000, "our QuoteRequest");
    const r1 = await requestOf(declined);
    // The QuoteRequest's Note already carries the fallback line for servers without quotes.
    expect(r1.body.instrument.content).toMatch(/^<p class="quote-inline">RE: <a href="[^"]+">/);
    await send({ id: `${remote.actorIri("bob")}#rejects/q1`, type: "Reject", actor: bob.iri, object: r1.body.id }, "bob");
    await waitFor(async () => (await pictor.posts.details(declined.post.id))?.post.quote_state === "rejected", 10_000, "the quote declined");

    const r2 = await requestOf(approved);
    const stampIri = stamp(remote, "/users/bob/quote_authorizations/60", bob.iri, approved.post.iri, target.id);
    // An Accept by someone else is not an approval.
    await send({ id: `${remote.actorIri("carol")}#accepts/q2`, type: "Accept", actor: remote.actorIri("carol"), object: r2.body.id, result: stampIri }, "carol");
    await send({ id: `${remote.actorIri("bob")}#accepts/q2`, type: "Accept", actor: bob.iri, object: r2.body.id, result: stampIri }, "bob");
    await waitFor(async () => (await pictor.posts.details(approved.post.id))?.post.quote_state === "accepted", 10_000, "the quote approved");
    expect((await stored(target.id))?.post.quotes_count).toBe(1);
    const noteJson = await (await pictor.http.request(approved.post.iri, { headers: { Accept: AP } })).json();
    expect(noteJson).toMatchObject({ quote: target.id, quoteAuthorization: stampIri });
    await send({ id: `${remote.actorIri("bob")}#deletes/q2`, type: "Delete", actor: bob.iri, object: stampIri }, "bob");
    await waitFor(async () => (await pictor.posts.details(approved.post.id))?.post.quote_state === "revoked", 10_000, "the quote revoked");
    expect((await pictor.posts.details(approved.post.id))?.post.quote_authorization_iri).toBeNull();
    expect((await stored(target.id))?.post.quotes_count).toBe(0);
  });
});
