import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { remoteAccount, remotePost } from "../helpers/fixtures.ts";
import { AP, startTestPictor } from "../helpers/pictor.ts";

describe("replies collection", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  beforeAll(async () => {
    pictor = await startTestPictor();
  });
  afterAll(() => pictor?.stop());

  it("serves a post's public replies, complete and paged, as Mastodon 4.5 fetches them", async () => {
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    const post = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "x")).id] });
    const bob = await pictor.accounts.upsertRemote(remoteAccount("bob"));
    const reply = (n: number, visibility: "public" | "direct") =>
      pictor.posts.receiveRemote(bob, remotePost(`https://remote.example/users/bob/statuses/${n}`, { contentHtml: "<p>reply</p>", visibility, inReplyTo: post.post.iri }));
    for (let i = 0; i < 23; i++) await reply(i, "public");
    await reply(99, "direct");
    const note = await (await pictor.http.request(post.post.iri, { headers: { Accept: AP } })).json();
    const collection = await (await pictor.http.request(note.replies.id, { headers: { Accept: AP } })).json();
    expect(collection.totalItems).toBe(23);
    const ids: string[] = [];
    let next: string | undefined = collection.first;
    while (next) {
      const page = await (await pictor.http.request(next, { headers: { Accept: AP } })).json();
      ids.push(...(page.items ?? page.orderedItems).map((i: any) => i.id ?? i));
      next = page.next;
    }
    expect(ids).toHaveLength(23);
    expect(ids).toContain("https://remote.example/users/bob/statuses/0");
    expect(ids).not.toContain("https://remote.example/users/bob/statuses/99");
  });
});
