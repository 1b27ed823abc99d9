import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

describe("domain blocks", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    await remote.addActor("bob");
    await remote.addActor("carol");
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("neither processes activities from a blocked domain nor delivers to it", async () => {
    const follow = (name: string) => ({ "@context": "https://www.w3.org/ns/activitystreams", id: `${remote.actorIri(name)}#f`, type: "Follow", actor: remote.actorIri(name), object: alice.iri });
    await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, follow("bob"), "bob"));
    await waitFor(async () => (await pictor.follows.countFollowers(alice.id)) === 1, 10_000, "bob's follow");
    await pictor.moderation.blockDomain("127.0.0.1", "test");
    const before = remote.received.length;
    const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, follow("carol"), "carol"));
    expect(res.status).toBe(202);
    await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "x")).id] });
    await expect(pictor.resolveAccount("https://127.0.0.1/users/zed")).rejects.toThrow(/blocked/);
    // carol's Follow is ignored: watch for a while that she never gets stored.
    for (let i = 0; i < 40; i++) {
      expect(await pictor.accounts.getByIri(remote.actorIri("carol"))).toBeUndefined();
      await new Promise((r) => setTimeout(r, 50));
    }
    // Unblock and post again: only the second post arrives, proving the queue ran in between.
    await pictor.moderation.unblockDomain("127.0.0.1");
    const second = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "y")).id] });
    await waitFor(() => remote.received.some((r) => r.body?.object?.id === second.post.iri), 10_000, "the second post");
    const creates = remote.received.slice(before).filter((r) => r.body?.type === "Create");
    expect(creates.map((r) => r.body.object.id)).toEqual([second.post.iri]);
    expect(await pictor.accounts.getByIri(remote.actorIri("carol"))).toBeUndefined();
    expect(await pictor.follows.countFollowers(alice.id)).toBe(1);
  });
});
