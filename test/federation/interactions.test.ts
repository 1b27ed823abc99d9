import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;

describe("likes and boosts", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  let pub: PostDetails;
  let priv: PostDetails;
  const send = async (activity: Record<string, unknown>, signer: string) => {
    const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, { "@context": AS, ...activity }, signer));
    expect(res.status).toBe(202);
  };
  const counts = async (id: string) => {
    const d = (await pictor.posts.details(id))!;
    return { likes: d.post.likes_count, boosts: d.post.boosts_count };
  };
  const notificationTypes = async () => (await pictor.notifications.list(alice.id)).items.map((n) => n.type).sort();

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    for (const name of ["bob", "mallory", "carol"]) await remote.addActor(name);
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    pub = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "a fox")).id] });
    priv = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "a hidden fox")).id], visibility: "followers" });
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("counts a remote Like once, notifies, and lets only its actor undo it", async () => {
    const like = { id: `${remote.actorIri("bob")}#likes/1`, type: "Like", actor: remote.actorIri("bob"), object: pub.post.iri };
    await send(like, "bob");
    await send(like, "bob");
    await waitFor(async () => (await counts(pub.post.id)).likes === 1, 10_000, "the like");
    await waitFor(async () => (await notificationTypes()).includes("like"), 10_000, "the like notification");
    await send({ id: `${remote.actorIri("mallory")}#u1`, type: "Undo", actor: remote.actorIri("mallory"), object: like }, "mallory");
    await send({ id: `${remote.actorIri("bob")}#likes/2`, type: "Like", actor: remote.actorIri("bob"), object: priv.post.iri }, "bob");
    await send({ id: `${remote.actorIri("bob")}#u2`, type: "Undo", actor: remote.actorIri("bob"), object: like }, "bob");
    await waitFor(async () => (await counts(pub.post.id)).likes === 0, 10_000, "the undo");
    expect(await notificationTypes()).not.toContain("like");
    // bob does not follow alice, so he cannot see (or like) her followers-only post
    expect((await counts(priv.post.id)).likes).toBe(0);
  });

  it("counts a boost of a public post, never of a followers-only one", async () => {
    await send({ id: `${remote.actorIri("bob")}/statuses/9/activity`, type: "Announce", actor: remote.actorIri("bob"), object: priv.post.iri, to: [PUBLIC] }, "bob");
    await send({ id: `${remote.actorIri("bob")}/statuses/10/activity`, type: "Announce", actor: remote.actorIri("bob"), object: pub.post.iri, to: [PUBLIC] }, "bob");
    await waitFor(async () => (await counts(pub.post.id)).boosts === 1, 10_000, "the boost");
    expect((await counts(priv.post.id)).boosts).toBe(0);
    expect(await notificationTypes()).toContain("boost");
    // An Announce whose id is on another origin than its actor is refused.
    await send({ id: `${TEST_ORIGIN}/forged`, type: "Announce", actor: remote.actorIri("mallory"), object: pub.post.iri }, "mallory");
    await send({ id: `${remote.actorIri("bob")}/statuses/10/undo`, type: "Undo", actor: remote.actorIri("bob"), object: `${remote.actorIri("bob")}/statuses/10/activity` }, "bob");
    await waitFor(async () => (await counts(pub.post.id)).boosts === 0, 10_000, "the unboost");
  });

  it("likes and boosts remote posts, and shows boosts by followed accounts", async () => {
    const bob = await pictor.resolveAccount(remote.actorIri("bob"));
    const f = await pictor.follows.follow(alice, bob);
    await pictor.follows.markAccepted({ iri: f.iri, followingId: bob.id });
    // carol's post, boosted by bob: fetched from carol's server.
    const note = {
      "@context": AS,
      id: `${remote.actorIri("carol")}/statuses/1`,
      type: "Note",
      attributedTo: remote.actorIri("carol"),
      content: "<p>carol's picture</p>",
      published: "2026-11-24T09:00:00Z",
      to: [PUBLIC],
      attachment: [{ type: "Image", mediaType: "image/png", url: `${remote.origin}/c.png`, name: "alt" }],
    };
    remote.serve("/users/carol/statuses/1", note);
    await send({ id: `${remote.actorIri("bob")}/statuses/11/activity`, type: "Announce", actor: remote.actorIri("bob"), object: note.id, to: [PUBLIC] }, "bob");
    const carolPost = await waitFor(() => pictor.posts.detailsByIri(note.id), 10_000, "carol's post fetched");
    expect(carolPost.media[0].remote_url).toBe(`${remote.origin}/c.png`);
    await waitFor(async () => (await counts(carolPost.post.id)).boosts === 1, 10_000, "bob's boost recorded");

    await pictor.interactions.act("like", alice, carolPost);
    await pictor.interactions.act("boost", alice, carolPost);
    const like = await waitFor(() => remote.received.find((r) => r.body?.type === "Like"), 10_000, "our Like");
    expect(like.body).toMatchObject({ actor: alice.iri, object: note.id });
    const announce = await waitFor(() => remote.received.find((r) => r.body?.type === "Announce"), 10_000, "our Announce");
    expect(announce.body).toMatchObject({ actor: alice.iri, object: note.id, to: PUBLIC });
    expect(await counts(carolPost.post.id)).toEqual({ likes: 1, boosts: 2 });
    await pictor.interactions.undo("boost", alice, carolPost);
    const undo = await waitFor(() => remote.received.find((r) => r.body?.type === "Undo" && r.body.object?.type === "Announce"), 10_000, "our Undo");
    expect(undo.body.object.id).toBe(announce.body.id);
    expect(await counts(carolPost.post.id)).toEqual({ likes: 1, boosts: 1 });
  });
});
