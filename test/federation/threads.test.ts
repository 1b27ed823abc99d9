import { ANONYMOUS } from "../../src/domain/visibility.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { startTestPictor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

const AS = "https://www.w3.org/ns/activitystreams";
const PUBLIC = `${AS}#Public`;

describe("threads fetched on demand", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    await remote.addActor("bob");
    await remote.addActor("carol");
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("fetches missing ancestors and the replies a remote server lists, within bounds", async () => {
    const note = (n: number, author: string, inReplyTo: string | null, extra: Record<string, unknown> = {}) => ({
      "@context": AS,
      id: `${remote.origin}/users/${author}/statuses/${n}`,
      type: "Note",
      attributedTo: remote.actorIri(author),
      content: `<p>${n}</p>`,
      published: `2026-11-24T10:0${n}:00Z`,
      to: [PUBLIC],
      inReplyTo,
      ...extra,
    });
    const n1 = note(1, "carol", null);
    const n2 = note(2, "bob", n1.id);
    const n3 = note(3, "bob", n2.id, { replies: { id: `${remote.origin}/users/bob/statuses/3/replies`, type: "Collection", first: { type: "CollectionPage", partOf: `${remote.origin}/users/bob/statuses/3/replies`, items: [`${remote.origin}/users/carol/statuses/4`, `${remote.origin}/users/carol/statuses/5`] } } });
    const n4 = note(4, "carol", n3.id);
    const n5 = note(5, "carol", n3.id, { to: [`${remote.actorIri("carol")}/followers`] });
    for (const n of [n1, n2, n3, n4, n5]) remote.serve(new URL(n.id).pathname, n);

    const bob = await pictor.resolveAccount(remote.actorIri("bob"));
    const start = await pictor.posts.receiveRemote(bob, {
      iri: n3.id, url: null, contentHtml: "<p>3</p>", summary: null, sensitive: false, visibility: "public", inReplyTo: n2.id, quote: null,
      publishedAt: n3.published, updatedAt: null, attachments: [], tags: [], mentionIris: [],
    });
    expect(await pictor.fetchThread(start!)).toBe(3);
    const thread = await pictor.reader.thread(ANONYMOUS, start!);
    expect(thread.ancestors.map((d) => d.post.iri)).toEqual([n1.id, n2.id]);
    expect(thread.replies.map((d) => d.post.iri)).toEqual([n4.id]);
    expect(await pictor.posts.detailsByIri(n5.id)).toBeUndefined();
    expect(await pictor.fetchThread(start!)).toBe(0);
  });
});
