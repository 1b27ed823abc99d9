import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

/** The @context Mastodon 4.x puts on activities. */
const MASTODON_CONTEXT = [
  "https://www.w3.org/ns/activitystreams",
  {
    ostatus: "http://ostatus.org#",
    atomUri: "ostatus:atomUri",
    inReplyToAtomUri: "ostatus:inReplyToAtomUri",
    conversation: "ostatus:conversation",
    sensitive: "as:sensitive",
    toot: "http://joinmastodon.org/ns#",
    votersCount: "toot:votersCount",
    blurhash: "toot:blurhash",
    focalPoint: { "@container": "@list", "@id": "toot:focalPoint" },
    Hashtag: "as:Hashtag",
    Emoji: "toot:Emoji",
  },
];
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

/** A Note in the shape Mastodon 4.x sends, with blurhash, focalPoint, emoji and a script payload. */
function mastodonNote(remote: FakeRemote, author: string, n: number, extra: Record<string, unknown> = {}) {
  const actor = remote.actorIri(author);
  return {
    id: `${actor}/statuses/${n}`,
    type: "Note",
    attributedTo: actor,
    url: `${remote.origin}/@${author}/${n}`,
    published: "2026-11-24T10:00:00Z",
    to: [PUBLIC],
    cc: [`${actor}/followers`, `${TEST_ORIGIN}/users/alice`],
    sensitive: false,
    summary: null,
    content: `<p>Look <span class="h-card"><a href="${TEST_ORIGIN}/@alice" class="u-url mention">@<span>alice</span></a></span> <a href="${remote.origin}/tags/art" class="mention hashtag" rel="tag">#<span>Art</span></a> :blobcat:<script>alert(1)</script><img src=x onerror="alert(2)"></p>`,
    attachment: [
      { type: "Document", mediaType: "image/jpeg", url: `${remote.origin}/media/1.jpg`, name: "First alt", blurhash: "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH", focalPoint: [0, 0], width: 800, height: 600 },
      { type: "Document", mediaType: "image/png", url: `${remote.origin}/media/2.png`, name: null, width: 400, height: 400 },
      { type: "Document", mediaType: "video/mp4", url: `${remote.origin}/media/3.mp4` },
      { type: "Document", mediaType: "image/jpeg", url: "javascript:alert(1)" },
    ],
    tag: [
      { type: "Mention", href: `${TEST_ORIGIN}/users/alice`, name: "@alice@pictor.test" },
      { type: "Hashtag", href: `${remote.origin}/tags/art`, name: "#Art" },
      { id: `${remote.origin}/emojis/1`, type: "Emoji", name: ":blobcat:", icon: { type: "Image", mediaType: "image/png", url: `${remote.origin}/e.png` } },
    ],
    ...extra,
  };
}

describe("posts arriving from other servers", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  const post = async (activity: Record<string, unknown>, signer: string, path = "/inbox") => {
    const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}${path}`, { "@context": MASTODON_CONTEXT, ...activity }, signer));
    expect(res.status).toBe(202);
  };
  const stored = (iri: string) => pictor.posts.detailsByIri(iri);

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    for (const name of ["bob", "mallory", "stranger"]) await remote.addActor(name);
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    const bob = await pictor.resolveAccount(remote.actorIri("bob"));
    const f = await pictor.follows.follow(alice, bob);
    await pictor.follows.markAccepted({ iri: f.iri, followingId: bob.id });
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("stores a followed account's post once, sanitized, with its images, and notifies the mention", async () => {
    const note = mastodonNote(remote, "bob", 1);
    const create = { id: `${note.id}/activity`, type: "Create", actor: remote.actorIri("bob"), object: note, to: note.to, cc: note.cc };
    await post(create, "bob");
    await post(create, "bob");
    const details = await waitFor(() => stored(note.id), 10_000, "the stored post");
    expect(details.post).toMatchObject({ visibility: "public", url: note.url });
    expect(details.post.content_html).not.toMatch(/script|onerror|<img/);
    expect(details.post.content_html).toContain("#<span>Art</span>");
    expect(details.media.map((m) => [m.remote_url, m.media_type, m.alt, m.width])).toEqual([
      [`${remote.origin}/media/1.jpg`, "image/jpeg", "First alt", 800],
      [`${remote.origin}/media/2.png`, "image/png", "", 400],
    ]);
    expect(details.tags).toEqual(["art"]);
    expect(details.mentions.map((m) => m.iri)).toEqual([alice.iri]);
    const notes = await waitFor(async () => {
      const l = await pictor.notifications.list(alice.id);
      return l.items.length ? l.items : undefined;
    }, 10_000, "the mention notification");
    expect(notes.map((n) => [n.type, n.actor.iri])).toEqual([["mention", remote.actorIri("bob")]]);
    const count = await pictor.db.kysely.selectFrom("posts").select((e) => e.fn.countAll().as("n")).where("iri", "=", note.id).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it("ignores forged and unsolicited posts", async () => {
    // mallory claims bob wrote it
    const forged = mastodonNote(remote, "bob", 2);
    await post({ id: `${remote.actorIri("mallory")}#c1`, type: "Create", actor: remote.actorIri("mallory"), object: forged }, "mallory");
    // a stranger nobody follows, mentioning nobody here
    const unsolicited = mastodonNote(remote, "stranger", 3, { cc: [], tag: [], content: "<p>hi</p>" });
    await post({ id: `${unsolicited.id}/activity`, type: "Create", actor: remote.actorIri("stranger"), object: unsolicited }, "stranger");
    // give the queue time to have processed both, proven by a later post arriving
    const marker = mastodonNote(remote, "bob", 4);
    await post({ id: `${marker.id}/activity`, type: "Create", actor: remote.actorIri("bob"), object: marker }, "bob");
    await waitFor(() => stored(marker.id), 10_000, "the marker post");
    expect(await stored(forged.id)).toBeUndefined();
    expect(await stored(unsolicited.id)).toBeUndefined();
  });

  it("applies Updates that carry `updated`, from the author only", async () => {
    const iri = mastodonNote(remote, "bob", 1).id;
    const edited = mastodonNote(remote, "bob", 1, { content: "<p>Edited</p>", updated: "2026-11-24T11:00:00Z" });
    await post({ id: `${iri}#updates/1`, type: "Update", actor: remote.actorIri("mallory"), object: edited }, "mallory");
    const noUpdated = mastodonNote(remote, "bob", 1, { content: "<p>No updated field</p>" });
    await post({ id: `${iri}#updates/0`, type: "Update", actor: remote.actorIri("bob"), object: noUpdated }, "bob");
    await post({ id: `${iri}#updates/2`, type: "Update", actor: remote.actorIri("bob"), object: edited }, "bob");
    await waitFor(async () => (await stored(iri))?.post.content_html === "<p>Edited</p>", 10_000, "the edit");
  });

  it("deletes a post only for its author, and an account with all its content", async () => {
    const iri = mastodonNote(remote, "bob", 1).id;
    await post({ id: `${remote.actorIri("mallory")}#d1`, type: "Delete", actor: remote.actorIri("mallory"), object: iri }, "mallory");
    await post({ id: `${iri}#delete`, type: "Delete", actor: remote.actorIri("bob"), object: { id: iri, type: "Tombstone" } }, "bob");
    await waitFor(async () => (await stored(iri)) === undefined, 10_000, "the deletion");
    expect(await stored(mastodonNote(remote, "bob", 4).id)).toBeDefined();
    await post({ id: `${remote.actorIri("bob")}#delete`, type: "Delete", actor: remote.actorIri("bob"), object: remote.actorIri("bob") }, "bob");
    await waitFor(async () => (await pictor.accounts.getByIri(remote.actorIri("bob"))) === undefined, 10_000, "the account deletion");
    expect(await stored(mastodonNote(remote, "bob", 4).id)).toBeUndefined();
    expect(await pictor.follows.countFollowing(alice.id)).toBe(0);
  });
});
