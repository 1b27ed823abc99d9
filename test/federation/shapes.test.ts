import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

/**
 * Activities in the shapes other servers send, as their documentation and
 * source show them: Pixelfed, Misskey, GoToSocial, and a Mastodon content warning.
 */
const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;

describe("real-world activity shapes", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  const send = async (activity: Record<string, unknown>, signer: string) => {
    const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, activity, signer));
    expect(res.status).toBe(202);
  };
  const stored = (iri: string) => waitFor(() => pictor.posts.detailsByIri(iri), 10_000, iri);

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    for (const name of ["pixel", "misskey", "gts", "masto"]) {
      await remote.addActor(name);
      const account = await pictor.resolveAccount(remote.actorIri(name));
      const f = await pictor.follows.follow(alice, account);
      await pictor.follows.markAccepted({ iri: f.iri, followingId: account.id });
    }
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("Pixelfed: an Image post with blurhash, and the album's alt texts", async () => {
    const actor = remote.actorIri("pixel");
    const note = {
      id: `${actor}/p/1`,
      type: "Note",
      summary: null,
      content: "Morning light <a href=\"https://pixelfed.example/discover/tags/sunrise?src=hash\" title=\"#sunrise\" class=\"u-url hashtag\" rel=\"external nofollow noopener\">#sunrise</a>",
      inReplyTo: null,
      published: "2026-11-20T08:00:00+00:00",
      url: `${remote.origin}/p/pixel/1`,
      attributedTo: actor,
      to: [PUBLIC],
      cc: [`${actor}/followers`],
      sensitive: false,
      attachment: [
        { type: "Image", mediaType: "image/jpeg", url: `${remote.origin}/storage/m/1.jpg`, name: "Sunrise over a lake", blurhash: "U9Fixhof00Rj~qof4nRj00WB-;t7", width: 1080, height: 1350 },
        { type: "Image", mediaType: "image/jpeg", url: `${remote.origin}/storage/m/2.jpg`, name: "Reeds", blurhash: "U9Fixhof00Rj~qof4nRj00WB-;t7", width: 1080, height: 1080 },
      ],
      tag: [{ type: "Hashtag", href: "https://pixelfed.example/discover/tags/sunrise", name: "#sunrise" }],
      commentsEnabled: true,
      capabilities: { announce: PUBLIC, like: PUBLIC, reply: PUBLIC },
      location: null,
    };
    await send(
      {
        "@context": [AS, "https://w3id.org/security/v1", { sc: "http://schema.org#", Hashtag: "as:Hashtag", sensitive: "as:sensitive", commentsEnabled: "sc:Boolean", capabilities: { "@id": "pixelfed:capabilities", "@container": "@set" }, announce: { "@id": "pixelfed:canAnnounce", "@type": "@id" }, like: { "@id": "pixelfed:canLike", "@type": "@id" }, reply: { "@id": "pixelfed:canReply", "@type": "@id" }, toot: "http://joinmastodon.org/ns#", pixelfed: "http://pixelfed.org/ns#", blurhash: "toot:blurhash", location: { "@id": "schema:location", "@type": "schema:Place" } }],
        id: `${actor}/p/1/activity`,
        type: "Create",
        actor,
        to: note.to,
        cc: note.cc,
        object: note,
      },
      "pixel",
    );
    const d = await stored(note.id);
    expect(d.media.map((m) => [m.alt, m.width, m.height])).toEqual([
      ["Sunrise over a lake", 1080, 1350],
      ["Reeds", 1080, 1080],
    ]);
    expect(d.tags).toEqual(["sunrise"]);
    expect(d.post.visibility).toBe("public");
  });

  it("Misskey: a quote via _misskey_quote and quoteUrl, with a sensitive Document", async () => {
    const actor = remote.actorIri("misskey");
    const note = {
      id: `${remote.origin}/notes/9abc`,
      type: "Note",
      attributedTo: actor,
      content: "<p><span>so good</span></p>",
      _misskey_content: "so good",
      source: { content: "so good", mediaType: "text/x.misskeymarkdown" },
      _misskey_quote: "https://elsewhere.example/notes/1",
      quoteUrl: "https://elsewhere.example/notes/1",
      quoteUri: "https://elsewhere.example/notes/1",
      published: "2026-11-21T10:00:00.000Z",
      to: [PUBLIC],
      cc: [`${actor}/followers`],
      inReplyTo: null,
      attachment: [{ type: "Document", mediaType: "image/webp", url: `${remote.origin}/files/a.webp`, name: null, sensitive: true }],
      sensitive: true,
      tag: [],
    };
    await send(
      {
        "@context": [AS, "https://w3id.org/security/v1", { Key: "sec:Key", manuallyApprovesFollowers: "as:manuallyApprovesFollowers", sensitive: "as:sensitive", Hashtag: "as:Hashtag", quoteUrl: "as:quoteUrl", fedibird: "http://fedibird.com/ns#", quoteUri: "fedibird:quoteUri", misskey: "https://misskey-hub.net/ns#", _misskey_content: "misskey:_misskey_content", _misskey_quote: "misskey:_misskey_quote" }],
        id: `${remote.origin}/notes/9abc/activity`,
        type: "Create",
        actor,
        published: note.published,
        object: note,
        to: note.to,
        cc: note.cc,
      },
      "misskey",
    );
    const d = await stored(note.id);
    expect(d.post.quote_iri).toBe("https://elsewhere.example/notes/1");
    expect(d.post.sensitive).toBe(1);
    expect(d.media.map((m) => m.media_type)).toEqual(["image/webp"]);
  });

  it("GoToSocial: interaction policy and an unlisted post", async () => {
    const actor = remote.actorIri("gts");
    const note = {
      id: `${actor}/statuses/01HXYZ`,
      type: "Note",
      attributedTo: actor,
      content: "<p>unlisted picture</p>",
      published: "2026-11-22T12:00:00Z",
      to: `${actor}/followers`,
      cc: PUBLIC,
      sensitive: false,
      summary: "",
      attachment: { type: "Image", mediaType: "image/png", url: `${remote.origin}/fileserver/1.png`, name: "a diagram", blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj" },
      interactionPolicy: { canLike: { always: [PUBLIC], approvalRequired: [] }, canReply: { always: [PUBLIC], approvalRequired: [] }, canAnnounce: { always: [PUBLIC], approvalRequired: [] } },
      replies: `${actor}/statuses/01HXYZ/replies`,
      url: `${remote.origin}/@gts/statuses/01HXYZ`,
    };
    await send(
      { "@context": [AS, "https://gotosocial.org/ns", { sensitive: "as:sensitive", toot: "http://joinmastodon.org/ns#", blurhash: "toot:blurhash" }], id: `${actor}/statuses/01HXYZ/activity`, type: "Create", actor, object: note, to: note.to, cc: note.cc },
      "gts",
    );
    const d = await stored(note.id);
    expect(d.post.visibility).toBe("unlisted");
    expect(d.post.summary).toBeNull();
    expect(d.media[0]).toMatchObject({ alt: "a diagram", media_type: "image/png" });
  });

  it("Mastodon: a content warning collapses the post and marks it sensitive", async () => {
    const actor = remote.actorIri("masto");
    const note = {
      id: `${actor}/statuses/555`,
      type: "Note",
      attributedTo: actor,
      summary: "eye strain",
      sensitive: true,
      content: "<p>bright colours</p>",
      published: "2026-11-23T12:00:00Z",
      to: [`${actor}/followers`],
      cc: [],
      attachment: [],
      tag: [],
    };
    await send({ "@context": [AS, { sensitive: "as:sensitive" }], id: `${note.id}/activity`, type: "Create", actor, object: note, to: note.to }, "masto");
    const d = await stored(note.id);
    expect(d.post).toMatchObject({ summary: "eye strain", sensitive: 1, visibility: "followers" });
  });
});
