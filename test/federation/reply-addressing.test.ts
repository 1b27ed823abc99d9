import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import type { AccountRow, Visibility } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;

/**
 * A reply mentions and addresses whom it answers, as Mastodon's do: Mastodon
 * notifies only on a Mention, and takes a followers-only reply only when it is
 * addressed to the author. The parent's author and the accounts the parent
 * mentions are tagged, stored as mentions (so they may see the reply), in
 * `cc` of a public reply and in `to` of a followers-only one, and the Create
 * is delivered to each of them.
 */
describe("replies addressed as Mastodon addresses them", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  let bob: AccountRow;
  let carl: AccountRow;
  let bobsPost: PostDetails;
  const send = async (activity: Record<string, unknown>, signer: string) => {
    expect((await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, { "@context": AS, ...activity }, signer))).status).toBe(202);
  };
  const reply = async (visibility: Visibility, caption = "Nice") =>
    pictor.posts.create(alice, { caption, mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, caption)).id], inReplyTo: bobsPost.post.iri, visibility });
  /** Deliveries of the Create of `iri`, by inbox path (bob and carl have no shared inbox: each delivery shows whom it was for). */
  const deliveries = (iri: string) => remote.received.filter((r) => r.body?.type === "Create" && r.body.object?.id === iri);

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    for (const name of ["bob", "carl"]) await remote.addActor(name, { endpoints: {} });
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    bob = await pictor.resolveAccount(remote.actorIri("bob"));
    carl = await pictor.resolveAccount(remote.actorIri("carl"));
    const f = await pictor.follows.follow(alice, bob);
    await pictor.follows.markAccepted({ iri: f.iri, followingId: bob.id });
    // bob's followers-only post, mentioning carl, in Mastodon's shape.
    const note = {
      id: `${bob.iri}/statuses/1`,
      type: "Note",
      attributedTo: bob.iri,
      published: "2026-11-24T10:00:00Z",
      to: [`${bob.iri}/followers`],
      cc: [carl.iri],
      content: `<p>for my followers, and <span class="h-card"><a href="${remote.origin}/@carl" class="u-url mention">@<span>carl</span></a></span></p>`,
      tag: [{ type: "Mention", href: carl.iri, name: `@carl@${carl.domain}` }],
    };
    await send({ id: `${note.id}/activity`, type: "Create", actor: bob.iri, to: note.to, cc: note.cc, object: note }, "bob");
    bobsPost = await waitFor(() => pictor.posts.detailsByIri(note.id), 10_000, "bob's post");
    expect(bobsPost.post.visibility).toBe("followers");
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("tags, stores and addresses the parent's author and its mentions; a followers-only reply reaches both", async () => {
    const mine = await reply("followers");
    expect(mine.mentions.map((m) => m.iri).sort()).toEqual([bob.iri, carl.iri].sort());
    await waitFor(() => deliveries(mine.post.iri).length === 2, 15_000, "the Create to bob and carl");
    expect(deliveries(mine.post.iri).map((r) => r.path).sort()).toEqual(["/users/bob/inbox", "/users/carl/inbox"]);
    const note = deliveries(mine.post.iri)[0].body.object;
    expect(note.inReplyTo).toBe(bobsPost.post.iri);
    expect([note.to].flat().sort()).toEqual([`${TEST_ORIGIN}/users/alice/followers`, bob.iri, carl.iri].sort());
    expect(note.cc ?? []).toEqual([]);
    expect([note.tag].flat()).toEqual(
      expect.arrayContaining([
        { type: "Mention", href: bob.iri, name: `@bob@${bob.domain}` },
        { type: "Mention", href: carl.iri, name: `@carl@${carl.domain}` },
      ]),
    );
    // Being mentioned, bob may fetch the reply, though he does not follow alice.
    expect((await pictor.http.request(await remote.signedGet(mine.post.iri, "bob"))).status).toBe(200);
  });

  it("puts them in cc of a public reply, beside the followers", async () => {
    const mine = await reply("public", "Public answer");
    await waitFor(() => deliveries(mine.post.iri).length === 2, 15_000, "the public reply to bob and carl");
    const note = deliveries(mine.post.iri)[0].body.object;
    expect(note.to).toBe(PUBLIC);
    expect([note.cc].flat().sort()).toEqual([`${TEST_ORIGIN}/users/alice/followers`, bob.iri, carl.iri].sort());
  });

  it("keeps addressing them after an edit of the caption", async () => {
    const mine = await reply("direct", "Just us");
    const edited = await pictor.posts.edit(alice, mine.post.id, { caption: "Just us, edited" });
    expect(edited.mentions.map((m) => m.iri).sort()).toEqual([bob.iri, carl.iri].sort());
    const update = await waitFor(() => remote.received.find((r) => r.body?.type === "Update" && r.body.object?.id === mine.post.iri), 15_000, "the Update");
    expect([update.body.object.to].flat().sort()).toEqual([bob.iri, carl.iri].sort());
  });

  it("never mentions the replier itself", async () => {
    const own = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "own")).id] });
    const answer = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "answer")).id], inReplyTo: own.post.iri });
    expect(answer.mentions).toEqual([]);
  });
});

/**
 * Between two accounts of the same server, likes, boosts, follows, replies
 * and mentions notify as they do from other servers: once per source, never
 * oneself, and what is taken back is withdrawn.
 */
describe("notifications between local accounts", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let alice: AccountRow;
  let dee: AccountRow;
  let erin: AccountRow;
  let post: PostDetails;
  const media = async (who: AccountRow, prompt: string) => [(await insertGeneratedMedia(pictor.db, who.id, prompt)).id];
  const of = async (account: AccountRow) => (await pictor.notifications.list(account.id)).items.map((n) => `${n.type} ${n.actor.username}`).sort();

  beforeAll(async () => {
    pictor = await startTestPictor();
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    dee = await pictor.accounts.createLocal({ username: "dee", password: "correct horse" });
    erin = await pictor.accounts.createLocal({ username: "erin", password: "correct horse", locked: true });
    post = await pictor.posts.create(alice, { mediaIds: await media(alice, "alice's") });
  });
  afterAll(() => pictor?.stop());

  it("notifies likes and boosts once, withdraws them on undo, and never notifies oneself", async () => {
    const like = await pictor.interactions.act("like", dee, post);
    await pictor.interactions.act("boost", dee, post);
    await pictor.interactions.act("like", alice, post);
    expect(await of(alice)).toEqual(["boost dee", "like dee"]);
    // Handled again (the outbox delivers at least once): still one notification.
    await pictor.events.emit("interaction.created", { interaction: like, actor: dee, details: post });
    expect(await of(alice)).toEqual(["boost dee", "like dee"]);
    await pictor.interactions.undo("like", dee, post);
    expect(await of(alice)).toEqual(["boost dee"]);
  });

  it("notifies a reply to the parent's author and a mention to the mentioned, not the replier", async () => {
    const answer = await pictor.posts.create(dee, { caption: "cc @erin", mediaIds: await media(dee, "reply"), inReplyTo: post.post.iri });
    expect(answer.mentions.map((m) => m.username).sort()).toEqual(["alice", "erin"]);
    expect(await of(alice)).toEqual(["boost dee", "reply dee"]);
    expect(await of(erin)).toEqual(["mention dee"]);
    expect(await of(dee)).toEqual([]);
    expect((await pictor.posts.details(post.post.id))!.post.replies_count).toBe(1);
    // alice answers in her own thread: dee (the parent's author) is notified, erin (mentioned in the parent) too, alice is not.
    await pictor.posts.create(alice, { mediaIds: await media(alice, "again"), inReplyTo: answer.post.iri });
    expect(await of(dee)).toEqual(["reply alice"]);
    expect(await of(erin)).toEqual(["mention alice", "mention dee"]);
    expect(await of(alice)).toEqual(["boost dee", "reply dee"]);
  });

  it("notifies follows, and follow requests that become follows when accepted", async () => {
    await pictor.follows.follow(dee, alice);
    expect(await of(alice)).toContain("follow dee");
    const request = await pictor.follows.follow(dee, erin);
    expect(request.state).toBe("pending");
    expect(await of(erin)).toEqual(["follow_request dee", "mention alice", "mention dee"]);
    await pictor.follows.answerRequest(erin, request.id, true);
    expect(await of(erin)).toEqual(["follow dee", "mention alice", "mention dee"]);
    expect((await pictor.follows.getByPair(dee.id, erin.id))?.state).toBe("accepted");
    // A request withdrawn before it is answered leaves nothing to answer.
    const again = await pictor.follows.follow(alice, erin);
    expect(await of(erin)).toContain("follow_request alice");
    await pictor.follows.unfollow(alice, erin);
    expect(await of(erin)).not.toContain("follow_request alice");
    expect(again.state).toBe("pending");
  });

  it("does not notify an account about someone it blocks", async () => {
    await pictor.moderation.blockAccount(erin, dee);
    const erinsPost = await pictor.posts.create(erin, { mediaIds: await media(erin, "erin's") });
    await pictor.posts.create(dee, { caption: "@erin hello", mediaIds: await media(dee, "hello") });
    expect(erinsPost.post.id).toBeTruthy();
    expect((await of(erin)).filter((n) => n.endsWith(" dee"))).toEqual([]);
  });
});
