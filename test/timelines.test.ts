import { ANONYMOUS, viewerOf } from "../src/domain/visibility.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../src/app.ts";
import type { RemotePost } from "../src/domain/posts.ts";
import type { AccountRow } from "../src/storage/schema.ts";
import { remoteAccount, remotePost } from "./helpers/fixtures.ts";
import { insertGeneratedMedia } from "./helpers/media.ts";
import { startTestPictor } from "./helpers/pictor.ts";

describe("timelines", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let alice: AccountRow;
  let dave: AccountRow;
  let bob: AccountRow;
  let stranger: AccountRow;
  let n = 0;
  const remoteAccountRow = (name: string) => pictor.accounts.upsertRemote(remoteAccount(name));
  const postBy = (author: AccountRow, extra: Partial<RemotePost> = {}) =>
    pictor.posts.receiveRemote(author, remotePost(`${author.iri}/statuses/${++n}`, { contentHtml: `<p>${author.username} ${n}</p>`, ...extra }));
  const localPost = async (author: AccountRow, extra: Record<string, unknown> = {}) =>
    pictor.posts.create(author, { mediaIds: [(await insertGeneratedMedia(pictor.db, author.id, `p${++n}`)).id], ...extra });
  const iris = (page: { items: Array<{ details: { post: { iri: string } }; boostedBy: AccountRow | null }> }) =>
    page.items.map((e) => (e.boostedBy ? `boost:${e.boostedBy.username}:${e.details.post.iri}` : e.details.post.iri));

  beforeAll(async () => {
    pictor = await startTestPictor();
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    dave = await pictor.accounts.createLocal({ username: "dave", password: "correct horse" });
    bob = await remoteAccountRow("bob");
    stranger = await remoteAccountRow("stranger");
    const f = await pictor.follows.follow(alice, bob);
    await pictor.follows.markAccepted({ iri: f.iri, followingId: bob.id });
  });
  afterAll(() => pictor?.stop());

  it("builds home from your posts, followed accounts' posts and boosts, newest first, in pages", async () => {
    const own = await localPost(alice, { caption: "#cats mine" });
    const bobs = await postBy(bob, { tags: ["cats"] });
    const bobsPrivate = await postBy(bob, { visibility: "followers" });
    const strangers = await postBy(stranger);
    const dm = await postBy(stranger, { visibility: "direct", mentionIris: [alice.iri] });
    const daves = await localPost(dave, { caption: "dave public #cats" });
    await pictor.interactions.receive("boost", bob, daves, "https://remote.example/users/bob/statuses/boost-2");
    const home = await pictor.timelines.home(viewerOf(alice), { limit: 100 });
    // dave is not followed: only bob's boost of his post shows; the stranger's public post does not.
    expect(iris(home)).toEqual([`boost:bob:${daves.post.iri}`, dm!.post.iri, bobsPrivate!.post.iri, bobs!.post.iri, own.post.iri]);
    expect(iris(home)).not.toContain(strangers!.post.iri);
    // paging: two at a time covers the same entries exactly once
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await pictor.timelines.home(viewerOf(alice), { limit: 2, cursor });
      seen.push(...iris(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(iris(home));
  });

  it("serves local, federated, hashtag and profile timelines with visibility", async () => {
    const local = iris(await pictor.timelines.local(ANONYMOUS));
    expect(local.every((iri) => iri.startsWith("http://pictor.test/"))).toBe(true);
    expect(local.length).toBe(2);
    const federated = iris(await pictor.timelines.federated(ANONYMOUS));
    expect(federated.length).toBe(4); // 2 local + bob public + stranger public
    expect(iris(await pictor.timelines.hashtag(ANONYMOUS, "#Cats")).length).toBe(3);
    const bobAsSeenByAlice = iris(await pictor.timelines.profile(viewerOf(alice), bob));
    const bobAnonymous = iris(await pictor.timelines.profile(ANONYMOUS, bob));
    expect(bobAsSeenByAlice.length).toBe(2);
    expect(bobAnonymous.length).toBe(1);
  });

  it("assembles threads from stored ancestors and replies", async () => {
    const root = await localPost(alice, { caption: "root" });
    const r1 = await postBy(bob, { inReplyTo: root.post.iri });
    const r2 = await postBy(stranger, { inReplyTo: r1!.post.iri });
    const hidden = await postBy(stranger, { inReplyTo: root.post.iri, visibility: "direct" });
    // Counted on the root: its public reply, not the direct one (as Mastodon counts replies).
    expect((await pictor.posts.details(root.post.id))!.post.replies_count).toBe(1);
    const thread = await pictor.reader.thread(ANONYMOUS, r1!);
    expect(thread.ancestors.map((d) => d.post.iri)).toEqual([root.post.iri]);
    expect(thread.replies.map((d) => d.post.iri)).toEqual([r2!.post.iri]);
    const fromRoot = await pictor.reader.thread(ANONYMOUS, root);
    expect(fromRoot.replies.map((d) => d.post.iri)).toEqual([r1!.post.iri, r2!.post.iri]);
    expect(fromRoot.replies.map((d) => d.post.iri)).not.toContain(hidden!.post.iri);
  });
});
