import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../src/app.ts";
import { remoteAccount, remotePost } from "./helpers/fixtures.ts";
import { insertGeneratedMedia } from "./helpers/media.ts";
import { startTestPictor } from "./helpers/pictor.ts";

// An account that goes takes its likes, boosts and replies with it, and the
// counts on the posts it touched come down with them.

describe("counts when an account is deleted", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  beforeAll(async () => {
    pictor = await startTestPictor();
  });
  afterAll(() => pictor?.stop());

  it("lowers likes, boosts and replies for remote and local accounts that are deleted", async () => {
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse battery" });
    const carol = await pictor.accounts.createLocal({ username: "carol", password: "correct horse battery" });
    const post = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "a kite")).id] });
    const counts = async () => {
      const p = (await pictor.posts.details(post.post.id))!.post;
      return [p.likes_count, p.boosts_count, p.replies_count];
    };
    const bob = await pictor.accounts.upsertRemote(remoteAccount("bob"));
    const dan = await pictor.accounts.upsertRemote(remoteAccount("dan", { inbox_url: "https://remote.example/users/dan/inbox" }));
    for (const [i, who] of [bob, dan].entries()) {
      await pictor.interactions.receive("like", who, post, `${who.iri}#like`);
      await pictor.interactions.receive("boost", who, post, `${who.iri}#boost`);
      await pictor.posts.receiveRemote(who, remotePost(`${who.iri}/statuses/${i}`, { inReplyTo: post.post.iri }));
    }
    await pictor.interactions.act("like", carol, post);
    await pictor.posts.create(carol, { mediaIds: [(await insertGeneratedMedia(pictor.db, carol.id, "a reply")).id], inReplyTo: post.post.iri });
    expect(await counts()).toEqual([3, 2, 3]);

    expect(await pictor.accounts.deleteRemote(bob.iri)).toBe(true);
    expect(await counts()).toEqual([2, 1, 2]);
    expect(await pictor.accounts.deleteRemoteByInbox("https://remote.example/users/dan/inbox")).toBe(1);
    expect(await counts()).toEqual([1, 0, 1]);
    await pictor.deleteAccount(carol);
    expect(await counts()).toEqual([0, 0, 0]);
  });
});
