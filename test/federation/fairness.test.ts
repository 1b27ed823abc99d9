import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { startHangingServer } from "../helpers/net.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

/**
 * Five followers' servers accept deliveries and never answer; a sixth is
 * healthy. Inbound work goes on, and the healthy follower gets the post in
 * seconds, while the five hang (Node's own timeout would be five minutes).
 */
describe("federation while five inboxes never answer", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let healthy: FakeRemote;
  let actors: FakeRemote;
  let hanging: Array<Awaited<ReturnType<typeof startHangingServer>>> = [];
  let alice: AccountRow;

  beforeAll(async () => {
    pictor = await startTestPictor();
    healthy = await startFakeRemote();
    actors = await startFakeRemote();
    hanging = await Promise.all(Array.from({ length: 5 }, () => startHangingServer()));
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    await healthy.addActor("bob");
    for (const [i, h] of hanging.entries()) {
      // Served by a healthy server; their inboxes are on the hanging ones.
      await actors.addActor(`h${i}`, { inbox: `${h.origin}/users/h${i}/inbox`, endpoints: { sharedInbox: `${h.origin}/inbox` } });
    }
  });
  afterAll(async () => {
    for (const h of hanging) await h.close(); // the hung deliveries fail now, so the queue can stop
    await pictor?.stop();
    await healthy?.close();
    await actors?.close();
  });

  const follow = async (remote: FakeRemote, name: string) => {
    const activity = { "@context": "https://www.w3.org/ns/activitystreams", id: `${remote.actorIri(name)}#follow`, type: "Follow", actor: remote.actorIri(name), object: alice.iri };
    const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/users/alice/inbox`, activity, name));
    expect(res.status).toBe(202);
  };

  it("processes inbound follows while the Accepts to five servers hang", async () => {
    for (let i = 0; i < hanging.length; i++) await follow(actors, `h${i}`);
    await waitFor(() => hanging.every((h) => h.requests() >= 1), 10_000, "an Accept hanging on every server");
    await follow(healthy, "bob");
    await waitFor(async () => (await pictor.follows.countFollowers(alice.id)) === 6, 5_000, "all six follows processed");
    await waitFor(() => healthy.received.some((r) => r.body?.type === "Accept"), 5_000, "bob's Accept");
  });

  it("delivers a new post to the healthy follower within seconds", async () => {
    for (let n = 0; n < 3; n++) {
      const media = await insertGeneratedMedia(pictor.db, alice.id, `a lighthouse ${n}`);
      const t0 = Date.now();
      const details = await pictor.posts.create(alice, { mediaIds: [media.id], caption: `post ${n}` });
      await waitFor(() => healthy.received.some((r) => r.body?.type === "Create" && r.body.object?.id === details.post.iri), 5_000, `post ${n} at the healthy follower`);
      expect(Date.now() - t0).toBeLessThan(5_000);
    }
  });
});
