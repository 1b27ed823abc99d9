import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;
const QUOTE_CONTEXT = [AS, { QuoteRequest: "https://w3id.org/fep/044f#QuoteRequest" }];

describe("blocks and mutes by local accounts", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  let zed: AccountRow;
  const k = () => pictor.db.kysely;

  /** Posts an activity to the shared inbox; every one of them, blocked or not, is answered 202. */
  const send = async (activity: Record<string, unknown>, signer: string, context: unknown = AS) => {
    const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, { "@context": context, ...activity }, signer));
    expect(res.status).toBe(202);
    expect(await res.text()).not.toMatch(/block/i);
  };
  /** Waits until the queue has handled everything (rows leave the queue only when their handler is done). */
  const settled = () =>
    waitFor(async () => {
      const r = await k().selectFrom("queue_messages").select((e) => e.fn.countAll().as("n")).where("queue", "=", "fedify").executeTakeFirstOrThrow();
      return Number(r.n) === 0;
    }, 15_000, "an empty queue");
  const follow = (followerId: string, followingId: string) =>
    k().selectFrom("follows").selectAll().where("follower_id", "=", followerId).where("following_id", "=", followingId).executeTakeFirst();
  const notificationsOf = (accountId: string) =>
    k().selectFrom("notifications").innerJoin("accounts", "accounts.id", "notifications.actor_id").select(["notifications.type", "accounts.iri"]).where("notifications.account_id", "=", accountId).orderBy("notifications.id").execute();
  const counts = async (postId: string) => {
    const p = await k().selectFrom("posts").select(["likes_count", "boosts_count", "replies_count"]).where("id", "=", postId).executeTakeFirstOrThrow();
    return [Number(p.likes_count), Number(p.boosts_count), Number(p.replies_count)];
  };
  const storedPost = (iri: string) => k().selectFrom("posts").select("id").where("iri", "=", iri).executeTakeFirst();
  const receivedOf = (type: string) => remote.received.filter((r) => r.body?.type === type);
  const note = (author: string, n: number, extra: Record<string, unknown>) => ({
    id: `${remote.actorIri(author)}/statuses/${n}`,
    type: "Note",
    attributedTo: remote.actorIri(author),
    content: `<p>note ${n}</p>`,
    published: "2026-11-24T09:00:00Z",
    to: [PUBLIC],
    ...extra,
  });
  const create = (author: string, object: { id: string }) => ({ id: `${object.id}/activity`, type: "Create", actor: remote.actorIri(author), object, to: [PUBLIC] });

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    for (const name of ["bob", "carol", "dave"]) await remote.addActor(name);
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    zed = await pictor.accounts.createLocal({ username: "zed", password: "correct horse" });
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("blocks a remote account: follows end both ways, its server gets Undo, Reject and a Block; unblocking sends Undo{Block}", async () => {
    await send({ id: `${remote.actorIri("bob")}#follows/1`, type: "Follow", actor: remote.actorIri("bob"), object: alice.iri }, "bob");
    const bob = await waitFor(() => pictor.accounts.getByIri(remote.actorIri("bob")), 10_000, "bob stored");
    await waitFor(() => follow(bob.id, alice.id), 10_000, "bob's follow");
    const ours = await pictor.follows.follow(alice, bob);
    await pictor.follows.markAccepted({ iri: ours.iri, followingId: bob.id });
    await waitFor(async () => (await notificationsOf(alice.id)).length > 0, 10_000, "the follow notification");
    expect((await notificationsOf(alice.id)).map((n) => [n.type, n.iri])).toEqual([["follow", bob.iri]]);

    const block = await pictor.moderation.blockAccount(alice, bob);
    expect(block).toMatchObject({ account_id: alice.id, target_id: bob.id, iri: expect.stringMatching(`^${TEST_ORIGIN}/activities/block/`) });
    expect(await follow(bob.id, alice.id)).toBeUndefined();
    expect(await follow(alice.id, bob.id)).toBeUndefined();
    expect(await notificationsOf(alice.id)).toEqual([]);
    expect(await pictor.moderation.blocks(alice.id, bob.id)).toBe(true);
    expect(await pictor.moderation.blocks(bob.id, alice.id)).toBe(false);
    expect(await pictor.moderation.isBlocked(bob.id, alice.id)).toBe(true);
    expect((await pictor.moderation.blockedBy(alice.id)).map((a) => a.iri)).toEqual([bob.iri]);

    const sent = await waitFor(() => receivedOf("Block")[0], 15_000, "the Block");
    expect(sent.signed).toBe(true);
    expect(sent.body).toMatchObject({ id: block.iri, type: "Block", actor: alice.iri, object: bob.iri });
    // The follows that ended are told the way Mastodon tells them: Undo of ours, Reject of theirs.
    const undoFollow = await waitFor(() => receivedOf("Undo").find((r) => r.body.object?.type === "Follow"), 15_000, "the Undo{Follow}");
    expect(undoFollow.body.object).toMatchObject({ id: ours.iri, actor: alice.iri, object: bob.iri });
    const reject = await waitFor(() => receivedOf("Reject")[0], 15_000, "the Reject");
    expect(reject.body).toMatchObject({ actor: alice.iri, object: { id: `${remote.actorIri("bob")}#follows/1`, type: "Follow" } });

    // Repeating changes nothing and sends nothing; neither side can follow the other now.
    expect((await pictor.moderation.blockAccount(alice, bob)).id).toBe(block.id);
    await expect(pictor.follows.follow(alice, bob)).rejects.toThrow(/Unblock/);

    expect(await pictor.moderation.unblockAccount(alice, bob)).toBe(true);
    const undo = await waitFor(() => receivedOf("Undo").find((r) => r.body.object?.type === "Block"), 15_000, "the Undo{Block}");
    expect(undo.body).toMatchObject({ actor: alice.iri, object: { id: block.iri, type: "Block", actor: alice.iri, object: bob.iri } });
    expect(undo.signed).toBe(true);
    expect(await pictor.moderation.unblockAccount(alice, bob)).toBe(false);
    expect(await pictor.moderation.blockedBy(alice.id)).toEqual([]);
    await settled();
    expect(receivedOf("Block")).toHaveLength(1);
    expect(receivedOf("Undo").filter((r) => r.body.object?.type === "Block")).toHaveLength(1);
  });

  it("drops Follow, Like, Announce, replies and mentions from an account the local target blocks, still answering 202", async () => {
    const post = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "a fox")).id] });
    const carol = await pictor.resolveAccount(remote.actorIri("carol"));
    await pictor.moderation.blockAccount(alice, carol);
    await settled();
    const before = remote.received.length;

    await send({ id: `${remote.actorIri("carol")}#follows/1`, type: "Follow", actor: carol.iri, object: alice.iri }, "carol");
    await send({ id: `${remote.actorIri("carol")}#likes/1`, type: "Like", actor: carol.iri, object: post.post.iri }, "carol");
    await send({ id: `${remote.actorIri("carol")}/statuses/9/activity`, type: "Announce", actor: carol.iri, object: post.post.iri, to: [PUBLIC] }, "carol");
    const reply = note("carol", 1, { inReplyTo: post.post.iri, cc: [alice.iri], tag: [{ type: "Mention", href: alice.iri, name: "@alice@pictor.test" }] });
    await send(create("carol", reply), "carol");
    const mention = note("carol", 2, { cc: [alice.iri], tag: [{ type: "Mention", href: alice.iri, name: "@alice@pictor.test" }] });
    await send(create("carol", mention), "carol");
    // A reply to alice that also mentions zed (who does not block carol) is kept for zed, and notifies only him.
    const shared = note("carol", 3, { inReplyTo: post.post.iri, cc: [zed.iri], tag: [{ type: "Mention", href: zed.iri, name: "@zed@pictor.test" }] });
    await send(create("carol", shared), "carol");
    const quoteRequest = { id: `${remote.actorIri("carol")}/quote_requests/1`, type: "QuoteRequest", actor: carol.iri, object: post.post.iri, instrument: `${remote.actorIri("carol")}/statuses/4` };
    await send(quoteRequest, "carol", QUOTE_CONTEXT);
    // The same things from dave, whom nobody blocks, do land: proof that the inbox did its work.
    await send({ id: `${remote.actorIri("dave")}#likes/1`, type: "Like", actor: remote.actorIri("dave"), object: post.post.iri }, "dave");
    const daveReply = note("dave", 1, { inReplyTo: post.post.iri });
    await send(create("dave", daveReply), "dave");
    await settled();

    const dave = (await pictor.accounts.getByIri(remote.actorIri("dave")))!;
    expect(await follow(carol.id, alice.id)).toBeUndefined();
    expect(await storedPost(reply.id)).toBeUndefined();
    expect(await storedPost(mention.id)).toBeUndefined();
    expect(await storedPost(shared.id)).toBeDefined();
    expect(await storedPost(daveReply.id)).toBeDefined();
    const interactions = await k().selectFrom("interactions").select(["type", "account_id"]).where("post_id", "=", post.post.id).execute();
    expect(interactions).toEqual([{ type: "like", account_id: dave.id }]);
    expect((await counts(post.post.id)).slice(0, 2)).toEqual([1, 0]);
    expect((await notificationsOf(alice.id)).map((n) => `${n.type} ${n.iri}`).sort()).toEqual([`like ${dave.iri}`, `reply ${dave.iri}`]);
    expect(await notificationsOf(zed.id)).toEqual([{ type: "mention", iri: carol.iri }]);
    // Nothing answered carol: no Accept, no Reject — only the silence of a 202.
    expect(remote.received.slice(before).filter((r) => ["Accept", "Reject"].includes(r.body?.type))).toEqual([]);
    expect(await k().selectFrom("quote_stamps").selectAll().execute()).toEqual([]);
  });

  it("refuses local follows and interactions across a block, either way", async () => {
    const zedPost = await pictor.posts.create(zed, { mediaIds: [(await insertGeneratedMedia(pictor.db, zed.id, "a hare")).id] });
    const alicePost = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "a hen")).id] });
    await pictor.follows.follow(zed, alice);
    await pictor.follows.follow(alice, zed);
    await pictor.notifications.notify({ account: alice, type: "mention", actor: zed, sourceIri: `${TEST_ORIGIN}/somewhere` });
    // A local follow notifies as a remote one does.
    expect((await notificationsOf(alice.id)).filter((n) => n.iri === zed.iri).map((n) => n.type)).toEqual(["follow", "mention"]);
    const sentBefore = remote.received.length;

    await pictor.moderation.blockAccount(alice, zed);
    expect(await follow(zed.id, alice.id)).toBeUndefined();
    expect(await follow(alice.id, zed.id)).toBeUndefined();
    expect((await notificationsOf(alice.id)).filter((n) => n.iri === zed.iri)).toEqual([]);
    await expect(pictor.follows.follow(zed, alice)).rejects.toMatchObject({ status: 403, code: "forbidden" });
    await expect(pictor.follows.follow(alice, zed)).rejects.toMatchObject({ status: 422 });
    await expect(pictor.interactions.act("like", alice, (await pictor.resolvePost(zedPost.post.iri))!)).rejects.toMatchObject({ status: 404 });
    await expect(pictor.interactions.act("boost", zed, (await pictor.resolvePost(alicePost.post.iri))!)).rejects.toMatchObject({ status: 404 });
    // And the blocker hears nothing more from the blocked.
    expect(await pictor.notifications.notify({ account: alice, type: "mention", actor: zed, sourceIri: `${TEST_ORIGIN}/elsewhere` })).toBe(false);
    // Blocking is only for others.
    await expect(pictor.moderation.blockAccount(alice, alice)).rejects.toThrow(/itself/);

    await pictor.moderation.unblockAccount(alice, zed);
    expect((await pictor.follows.follow(zed, alice)).state).toBe("accepted");
    await settled();
    // Both are local: nothing left for another server.
    expect(remote.received.length).toBe(sentBefore);
  });

  it("mutes without sending anything", async () => {
    const dave = (await pictor.accounts.getByIri(remote.actorIri("dave")))!;
    await settled();
    const before = remote.received.length;
    expect(await pictor.moderation.muteAccount(alice, dave)).toBe(true);
    expect(await pictor.moderation.muteAccount(alice, dave)).toBe(false);
    expect(await pictor.moderation.mutes(alice.id, dave.id)).toBe(true);
    expect((await pictor.moderation.mutedBy(alice.id)).map((a) => a.iri)).toEqual([dave.iri]);
    expect(await pictor.moderation.relationship(alice.id, dave.id)).toEqual({ blocking: false, blockedBy: false, muting: true });
    await expect(pictor.moderation.muteAccount(alice, alice)).rejects.toThrow(/itself/);
    expect(await pictor.moderation.unmuteAccount(alice, dave)).toBe(true);
    expect(await pictor.moderation.unmuteAccount(alice, dave)).toBe(false);
    expect(await pictor.moderation.mutedBy(alice.id)).toEqual([]);
    await pictor.moderation.muteAccount(alice, dave);
    await pictor.events.drain();
    await settled();
    expect(remote.received.length).toBe(before);
    // A muted account can still follow and interact: a mute is private to the muter.
    await send({ id: `${remote.actorIri("dave")}#follows/1`, type: "Follow", actor: dave.iri, object: alice.iri }, "dave");
    await waitFor(() => follow(dave.id, alice.id), 10_000, "dave's follow");
  });
});
