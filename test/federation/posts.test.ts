import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { DomainError } from "../../src/domain/errors.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { AP, startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

describe("posting and delivering", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  const received = (type: string) => remote.received.filter((r) => r.body?.type === type);

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    await remote.addActor("bob");
    await remote.addActor("mallory");
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    // bob follows alice
    const follow = { "@context": "https://www.w3.org/ns/activitystreams", id: `${remote.actorIri("bob")}#f`, type: "Follow", actor: remote.actorIri("bob"), object: alice.iri };
    await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/users/alice/inbox`, follow, "bob"));
    await waitFor(async () => (await pictor.follows.countFollowers(alice.id)) === 1, 15_000, "bob's follow");
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("validates posts", async () => {
    const m = await insertGeneratedMedia(pictor.db, alice.id, "a cat");
    const other = await pictor.accounts.createLocal({ username: "zoe", password: "correct horse" });
    const cases: Array<[Parameters<Pictor["posts"]["create"]>[1], RegExp]> = [
      [{ mediaIds: [] }, /1 to 4 images/],
      [{ mediaIds: ["a", "b", "c", "d", "e"] }, /1 to 4 images/],
      [{ mediaIds: [m.id, m.id] }, /twice/],
      [{ mediaIds: ["nope"] }, /not one of yours/],
      [{ mediaIds: [m.id], alts: ["x".repeat(1501)] }, /Alt text must be at most 1500/],
      [{ mediaIds: [m.id], caption: "x".repeat(5001) }, /caption must be at most/],
      [{ mediaIds: [m.id], visibility: "secret" as never }, /Visibility must be/],
    ];
    for (const [input, message] of cases) {
      const error = await pictor.posts.create(alice, input).catch((e) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error.message).toMatch(message);
    }
    await expect(pictor.posts.create(other, { mediaIds: [m.id] })).rejects.toThrow(/not one of yours/);
    expect((await pictor.db.kysely.selectFrom("posts").selectAll().execute()).length).toBe(0);
  });

  it("publishes two images to followers and mentioned accounts, edits, and deletes", async () => {
    const m1 = await insertGeneratedMedia(pictor.db, alice.id, "a red lighthouse");
    const m2 = await insertGeneratedMedia(pictor.db, alice.id, "a blue lighthouse");
    const details = await pictor.posts.create(alice, {
      caption: "Two lighthouses #Sea for @bob@127.0.0.1",
      mediaIds: [m1.id, m2.id],
      alts: ["Red lighthouse", undefined],
    });
    expect(details.tags).toEqual(["sea"]);
    expect(details.mentions.map((a) => a.iri)).toEqual([remote.actorIri("bob")]);
    expect(details.media.map((m) => m.alt)).toEqual(["Red lighthouse", "a blue lighthouse"]);

    const create = await waitFor(() => received("Create")[0], 15_000, "the Create");
    // bob is both a follower and mentioned: one delivery, to the shared inbox.
    expect(received("Create")).toHaveLength(1);
    expect(create.path).toBe("/inbox");
    expect(create.signed).toBe(true);
    const note = create.body.object;
    expect(note).toMatchObject({ id: details.post.iri, type: "Note", attributedTo: alice.iri, to: "https://www.w3.org/ns/activitystreams#Public" });
    expect(note.cc).toEqual([`${TEST_ORIGIN}/users/alice/followers`, remote.actorIri("bob")]);
    expect(note.attachment.map((a: any) => a.name)).toEqual(["Red lighthouse", "a blue lighthouse"]);
    expect(note.tag).toContainEqual({ type: "Hashtag", name: "#sea", href: `${TEST_ORIGIN}/tags/sea` });
    expect(note.tag).toContainEqual({ type: "Mention", name: "@bob@127.0.0.1", href: remote.actorIri("bob") });

    // The Note at its id, and the outbox.
    const fetched = await (await pictor.http.request(details.post.iri, { headers: { Accept: AP } })).json();
    expect(fetched.id).toBe(details.post.iri);
    const outbox = await (await pictor.http.request(`${TEST_ORIGIN}/users/alice/outbox`, { headers: { Accept: AP } })).json();
    expect(outbox.totalItems).toBe(1);
    const page = await (await pictor.http.request(outbox.first, { headers: { Accept: AP } })).json();
    expect(page.orderedItems[0]).toMatchObject({ type: "Create", object: { id: details.post.iri } });
    const html = await (await pictor.http.request(details.post.url!, { headers: { Accept: "text/html" } })).text();
    expect(html).toContain("Prompt: <q>a red lighthouse</q>");
    expect(html).toContain('alt="Red lighthouse"');

    await pictor.posts.edit(alice, details.post.id, { caption: "Two lighthouses, edited #sea" });
    const update = await waitFor(() => received("Update")[0], 15_000, "the Update");
    expect(update.body.object.content).toContain("edited");
    expect(update.body.object.updated).toBeTruthy();

    await pictor.posts.delete(alice, details.post.id);
    const del = await waitFor(() => received("Delete")[0], 15_000, "the Delete");
    expect(del.body.object).toMatchObject({ id: details.post.iri, type: "Tombstone" });
    const gone = await pictor.http.request(details.post.iri, { headers: { Accept: AP } });
    expect(gone.status).toBe(410);
    expect((await pictor.http.request(details.post.url!)).status).toBe(410);
    expect((await (await pictor.http.request(`${TEST_ORIGIN}/users/alice/outbox`, { headers: { Accept: AP } })).json()).totalItems).toBe(0);
  });

  it("shows a followers-only post only to signed fetches by followers", async () => {
    const m = await insertGeneratedMedia(pictor.db, alice.id, "a secret garden");
    const details = await pictor.posts.create(alice, { caption: "for followers", mediaIds: [m.id], visibility: "followers" });
    const create = await waitFor(() => received("Create").find((r) => r.body.object.id === details.post.iri), 15_000, "followers-only Create");
    expect(create.body.object.to).toBe(`${TEST_ORIGIN}/users/alice/followers`);
    // To anyone else it answers as a post that does not exist.
    const unsigned = await pictor.http.request(details.post.iri, { headers: { Accept: AP } });
    expect(unsigned.status).toBe(404);
    const missing = details.post.iri.replace(details.post.id, "01900000-0000-7000-8000-000000000000");
    expect((await signedGetFor(remote, missing, "bob", pictor)).status).toBe(404);
    expect((await signedGetFor(remote, details.post.iri, "bob", pictor)).status).toBe(200);
    expect((await signedGetFor(remote, details.post.iri, "mallory", pictor)).status).toBe(404);
    // Its replies collection answers its followers, as the Note does (Mastodon fetches it to show replies).
    expect((await signedGetFor(remote, `${details.post.iri}/replies`, "bob", pictor)).status).toBe(200);
    expect((await signedGetFor(remote, `${details.post.iri}/replies`, "mallory", pictor)).status).toBe(401);
    expect((await pictor.http.request(details.post.url!, { headers: { Accept: "text/html" } })).status).toBe(404);
  });
});

async function signedGetFor(remote: FakeRemote, url: string, name: string, pictor: Pictor): Promise<Response> {
  const req = await remote.signedGet(url, name);
  return pictor.http.request(req);
}

describe("delivery to accounts that are gone", () => {
  it("stops on 410 Gone and forgets the account", async () => {
    const pictor = await startTestPictor();
    const remote = await startFakeRemote();
    try {
      // No shared inbox: deliveries go to the personal inbox, which answers 410 once the account is gone.
      await remote.addActor("ghost", { endpoints: {} });
      const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
      const follow = { "@context": "https://www.w3.org/ns/activitystreams", id: `${remote.actorIri("ghost")}#f`, type: "Follow", actor: remote.actorIri("ghost"), object: alice.iri };
      await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, follow, "ghost"));
      await waitFor(async () => (await pictor.follows.countFollowers(alice.id)) === 1, 10_000, "the follow");
      await waitFor(() => remote.received.some((r) => r.body?.type === "Accept"), 10_000, "the Accept");
      remote.failInbox("/users/ghost/inbox", 410);
      await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "x")).id] });
      await waitFor(async () => (await pictor.accounts.getByIri(remote.actorIri("ghost"))) === undefined, 15_000, "the gone account to be removed");
      expect(await pictor.follows.countFollowers(alice.id)).toBe(0);
    } finally {
      await pictor.stop();
      await remote.close();
    }
  });
});
