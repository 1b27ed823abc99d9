import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { remoteAccount, remotePost } from "../helpers/fixtures.ts";
import { startTestPictor } from "../helpers/pictor.ts";

// Replies stored at the same moment, as a worker with several slots (or several workers on
// PostgreSQL) stores them: none may miss another, whichever arrives first.
describe("reply counts under concurrent deliveries", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  beforeAll(async () => {
    pictor = await startTestPictor();
  });
  afterAll(() => pictor?.stop());

  const count = async (iri: string) => Number((await pictor.db.kysely.selectFrom("posts").select("replies_count").where("iri", "=", iri).executeTakeFirstOrThrow()).replies_count);

  it("counts every one of many replies to one post stored at once", async () => {
    const bob = await pictor.accounts.upsertRemote(remoteAccount("bob"));
    const carol = await pictor.accounts.upsertRemote(remoteAccount("carol"));
    const parent = "https://remote.example/users/bob/statuses/popular";
    await pictor.posts.receiveRemote(bob, remotePost(parent, { contentHtml: "<p>popular</p>" }));
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        pictor.posts.receiveRemote(carol, remotePost(`https://remote.example/users/carol/statuses/r${i}`, { contentHtml: "<p>reply</p>", inReplyTo: parent })),
      ),
    );
    expect(await count(parent)).toBe(24);
  });

  it("counts replies that arrive while their parent is being stored, whichever commits first", async () => {
    const bob = await pictor.accounts.upsertRemote(remoteAccount("bob"));
    const carol = await pictor.accounts.upsertRemote(remoteAccount("carol"));
    for (let round = 0; round < 5; round++) {
      const parent = `https://remote.example/users/bob/statuses/late-${round}`;
      const replies = Array.from({ length: 6 }, (_, i) =>
        pictor.posts.receiveRemote(carol, remotePost(`https://remote.example/users/carol/statuses/late-${round}-${i}`, { contentHtml: "<p>reply</p>", inReplyTo: parent })),
      );
      // The parent goes in among its replies, not before or after them all.
      replies.splice(round, 0, pictor.posts.receiveRemote(bob, remotePost(parent, { contentHtml: "<p>parent</p>" })));
      await Promise.all(replies);
      expect(await count(parent)).toBe(6);
    }
  });
});
