import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { AP, startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

const CONTEXT = ["https://www.w3.org/ns/activitystreams", { QuoteRequest: "https://w3id.org/fep/044f#QuoteRequest", QuoteAuthorization: "https://w3id.org/fep/044f#QuoteAuthorization", interactingObject: { "@id": "https://gotosocial.org/ns#interactingObject", "@type": "@id" }, interactionTarget: { "@id": "https://gotosocial.org/ns#interactionTarget", "@type": "@id" } }];

describe("quotes (FEP-044f)", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  let pub: PostDetails;
  let priv: PostDetails;
  const send = async (activity: Record<string, unknown>, signer: string) => {
    const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, { "@context": CONTEXT, ...activity }, signer));
    expect(res.status).toBe(202);
  };
  const got = (pred: (b: any) => boolean) => remote.received.find((r) => pred(r.body));

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    await remote.addActor("bob");
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    pub = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "q")).id] });
    priv = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "p")).id], visibility: "followers" });
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("answers a QuoteRequest for a public post with a fetchable stamp, and revokes it", async () => {
    const quoting = `${remote.actorIri("bob")}/statuses/7`;
    const request = { id: `${remote.actorIri("bob")}/quote_requests/1`, type: "QuoteRequest", actor: remote.actorIri("bob"), object: pub.post.iri, instrument: quoting };
    await send(request, "bob");
    await send(request, "bob");
    const accept = await waitFor(() => got((b) => b?.type === "Accept" && (b.object?.id ?? b.object) === request.id), 10_000, "the Accept");
    const stampIri: string = accept.body.result;
    expect(stampIri.startsWith(`${TEST_ORIGIN}/quotes/`)).toBe(true);
    const stamp = await (await pictor.http.request(stampIri, { headers: { Accept: AP } })).json();
    expect(stamp).toMatchObject({ id: stampIri, type: "QuoteAuthorization", attributedTo: alice.iri, interactingObject: quoting, interactionTarget: pub.post.iri });
    expect((await pictor.quotes.stampsFor(pub.post.id)).length).toBe(1);
    const notes = await waitFor(async () => (await pictor.notifications.list(alice.id)).items.filter((n) => n.type === "quote"), 10_000, "quote notification");
    expect(notes.length).toBe(1);

    await send({ ...request, id: `${remote.actorIri("bob")}/quote_requests/2`, object: priv.post.iri }, "bob");
    await waitFor(() => got((b) => b?.type === "Reject"), 10_000, "the Reject");

    const [row] = await pictor.quotes.stampsFor(pub.post.id);
    await pictor.quotes.revoke(alice, row.id);
    const del = await waitFor(() => got((b) => b?.type === "Delete" && b.object === stampIri), 10_000, "the revocation");
    expect(del.body.actor).toBe(alice.iri);
    expect((await pictor.http.request(stampIri, { headers: { Accept: AP } })).status).toBe(404);
  });

  it("asks to quote a remote post and keeps the stamp the author grants", async () => {
    const bob = await pictor.resolveAccount(remote.actorIri("bob"));
    const quotedIri = `${remote.actorIri("bob")}/statuses/1`;
    await pictor.posts.receiveRemote(bob, {
      iri: quotedIri, url: null, contentHtml: "<p>bob</p>", summary: null, sensitive: false, visibility: "public", inReplyTo: null, quote: null,
      publishedAt: new Date().toISOString(), updatedAt: null, attachments: [], tags: [], mentionIris: [],
    });
    const remix = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "remix")).id], quote: quotedIri });
    const request = await waitFor(() => got((b) => b?.type === "QuoteRequest"), 10_000, "our QuoteRequest");
    expect(request.body).toMatchObject({ actor: alice.iri, object: quotedIri });
    expect(request.body.instrument.id).toBe(remix.post.iri);
    expect(request.body.instrument.quote).toBe(quotedIri);

    const stampIri = `${remote.actorIri("bob")}/stamps/1`;
    remote.serve("/users/bob/stamps/1", { "@context": CONTEXT, id: stampIri, type: "QuoteAuthorization", attributedTo: remote.actorIri("bob"), interactingObject: remix.post.iri, interactionTarget: quotedIri });
    await send({ id: `${remote.actorIri("bob")}#accepts/q`, type: "Accept", actor: remote.actorIri("bob"), object: request.body.id, result: stampIri }, "bob");
    await waitFor(async () => (await pictor.posts.details(remix.post.id))?.post.quote_authorization_iri === stampIri, 10_000, "the stamp stored");
    const note = await (await pictor.http.request(remix.post.iri, { headers: { Accept: AP } })).json();
    expect(note.quoteAuthorization).toBe(stampIri);
    await send({ id: `${remote.actorIri("bob")}#del/q`, type: "Delete", actor: remote.actorIri("bob"), object: stampIri }, "bob");
    await waitFor(async () => (await pictor.posts.details(remix.post.id))?.post.quote_authorization_iri === null, 10_000, "the stamp revoked");
  });
});
