import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { AP, startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;
/** The @context Hollo (Fedify) puts on its activities. */
const HOLLO_CONTEXT = [AS, "https://w3id.org/security/data-integrity/v1", { sensitive: "as:sensitive", Hashtag: "as:Hashtag" }];

/**
 * Counts other servers read: every Note carries `replies`, `likes` and
 * `shares` with their totals (Hollo shows likes and boosts from them;
 * Mastodon 4.3+ keeps them as untrusted counts), the collections answer at
 * their ids to whoever may see the post, and an Update carries the same
 * totals, so an edit never resets them on the other side.
 */
describe("counts in Notes and their collections", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  let bea: AccountRow;
  let post: PostDetails;
  const send = async (activity: Record<string, unknown>, signer: string, context: unknown = HOLLO_CONTEXT) => {
    const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, { "@context": context, ...activity }, signer));
    expect(res.status).toBe(202);
  };
  const getJson = async (url: string) => {
    const res = await pictor.http.request(url, { headers: { Accept: AP } });
    expect(res.status).toBe(200);
    return res.json();
  };
  const row = async (id: string) => (await pictor.posts.details(id))!.post;
  const totals = (note: any) => ({ replies: note.replies?.totalItems, likes: note.likes?.totalItems, shares: note.shares?.totalItems });

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    for (const name of ["hollo", "mast", "stranger"]) await remote.addActor(name);
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    bea = await pictor.accounts.createLocal({ username: "bea", password: "correct horse" });
    post = await pictor.posts.create(alice, { caption: "Kites", mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "kites")).id] });
    // hollo follows alice, so it receives her Updates.
    await send({ id: `${remote.actorIri("hollo")}#follows/1`, type: "Follow", actor: remote.actorIri("hollo"), object: alice.iri }, "hollo");
    await waitFor(async () => (await pictor.follows.countFollowers(alice.id)) === 1, 10_000, "hollo's follow");
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("starts every Note with its three collections at zero", async () => {
    const note = await getJson(post.post.iri);
    expect(note.likes).toEqual({ id: `${post.post.iri}/likes`, type: "Collection", totalItems: 0 });
    expect(note.shares).toEqual({ id: `${post.post.iri}/shares`, type: "Collection", totalItems: 0 });
    expect(note.replies).toMatchObject({ id: `${post.post.iri}/replies`, totalItems: 0 });
  });

  it("counts a Hollo Like, a Mastodon Announce and replies from both sides, once each, in the Note and at the collections", async () => {
    const like = { id: `${remote.actorIri("hollo")}/likes/01J0`, type: "Like", actor: remote.actorIri("hollo"), object: post.post.iri };
    await send(like, "hollo");
    await send(like, "hollo"); // delivered twice
    const announce = {
      id: `${remote.actorIri("mast")}/statuses/7/activity`,
      type: "Announce",
      actor: remote.actorIri("mast"),
      published: "2026-11-24T10:00:00Z",
      to: [PUBLIC],
      cc: [alice.iri, `${remote.actorIri("mast")}/followers`],
      object: post.post.iri,
    };
    await send(announce, "mast", AS);
    // A Mastodon reply: mentions alice, addressed to her in cc.
    const reply = {
      id: `${remote.actorIri("mast")}/statuses/8`,
      type: "Note",
      attributedTo: remote.actorIri("mast"),
      inReplyTo: post.post.iri,
      published: "2026-11-24T10:01:00Z",
      to: [PUBLIC],
      cc: [`${remote.actorIri("mast")}/followers`, alice.iri],
      content: `<p><span class="h-card"><a href="${TEST_ORIGIN}/@alice" class="u-url mention">@<span>alice</span></a></span> lovely</p>`,
      tag: [{ type: "Mention", href: alice.iri, name: "@alice@pictor.test" }],
    };
    await send({ id: `${reply.id}/activity`, type: "Create", actor: reply.attributedTo, to: reply.to, cc: reply.cc, object: reply }, "mast", AS);
    // A local reply counts too.
    const local = await pictor.posts.create(bea, { mediaIds: [(await insertGeneratedMedia(pictor.db, bea.id, "a reply")).id], inReplyTo: post.post.iri });
    await waitFor(async () => {
      const p = await row(post.post.id);
      return p.likes_count === 1 && p.boosts_count === 1 && p.replies_count === 2;
    }, 10_000, "the counts");

    expect(totals(await getJson(post.post.iri))).toEqual({ replies: 2, likes: 1, shares: 1 });
    expect(await getJson(`${post.post.iri}/likes`)).toMatchObject({ id: `${post.post.iri}/likes`, totalItems: 1 });
    expect(await getJson(`${post.post.iri}/shares`)).toMatchObject({ id: `${post.post.iri}/shares`, totalItems: 1 });
    expect(await getJson(`${post.post.iri}/replies`)).toMatchObject({ totalItems: 2 });

    // The Mastodon reply is deleted (twice), the local one too: the count comes down once each.
    const del = { id: `${reply.id}#delete`, type: "Delete", actor: reply.attributedTo, to: [PUBLIC], object: { id: reply.id, type: "Tombstone", atomUri: reply.id } };
    await send(del, "mast", AS);
    await send(del, "mast", AS);
    await pictor.posts.delete(bea, local.post.id);
    await waitFor(async () => (await row(post.post.id)).replies_count === 0, 10_000, "the replies counted down");
    expect(totals(await getJson(post.post.iri))).toEqual({ replies: 0, likes: 1, shares: 1 });
  });

  it("sends the same totals in the Update of an edit, so the other side keeps its counts", async () => {
    await pictor.posts.edit(alice, post.post.id, { caption: "Kites, edited" });
    const update = await waitFor(() => remote.received.find((r) => r.body?.type === "Update" && r.body.object?.id === post.post.iri), 15_000, "the Update");
    expect(update.body.object.content).toContain("Kites, edited");
    expect(totals(update.body.object)).toEqual({ replies: 0, likes: 1, shares: 1 });
    expect(update.body.object.likes.id).toBe(`${post.post.iri}/likes`);
  });

  it("takes an Undo of the Like back, and refuses an Undo by someone else", async () => {
    const like = { id: `${remote.actorIri("hollo")}/likes/01J0`, type: "Like", actor: remote.actorIri("hollo"), object: post.post.iri };
    await send({ id: `${remote.actorIri("stranger")}/undo/1`, type: "Undo", actor: remote.actorIri("stranger"), object: like }, "stranger");
    await send({ id: `${remote.actorIri("hollo")}/undo/1`, type: "Undo", actor: remote.actorIri("hollo"), object: like }, "hollo");
    await waitFor(async () => (await row(post.post.id)).likes_count === 0, 10_000, "the unlike");
    expect(totals(await getJson(post.post.iri))).toEqual({ replies: 0, likes: 0, shares: 1 });
  });

  it("answers a followers-only post's collections to its followers only, as its Note", async () => {
    const secret = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "secret")).id], visibility: "followers" });
    await pictor.interactions.act("like", bea, (await pictor.posts.details(secret.post.id))!);
    for (const name of ["likes", "shares", "replies"]) {
      const url = `${secret.post.iri}/${name}`;
      expect((await pictor.http.request(await remote.signedGet(url, "hollo"))).status).toBe(200);
      expect((await pictor.http.request(await remote.signedGet(url, "stranger"))).status).toBe(401);
      expect((await pictor.http.request(url, { headers: { Accept: AP } })).status).toBe(401);
    }
    const likes = await (await pictor.http.request(await remote.signedGet(`${secret.post.iri}/likes`, "hollo"))).json();
    expect(likes.totalItems).toBe(1);
    const note = await (await pictor.http.request(await remote.signedGet(secret.post.iri, "hollo"))).json();
    expect(totals(note)).toEqual({ replies: 0, likes: 1, shares: 0 });
    // A post that does not exist answers alike.
    expect((await pictor.http.request(await remote.signedGet(`${TEST_ORIGIN}/users/alice/posts/nope/likes`, "hollo"))).status).toBe(401);
  });
});
