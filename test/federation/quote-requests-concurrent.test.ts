import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { remoteAccount } from "../helpers/fixtures.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { AP, startTestPictor } from "../helpers/pictor.ts";

// A QuoteRequest delivered twice (a sender's retry) and handled by two queue slots at once.
describe("a QuoteRequest handled twice at the same moment", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  beforeAll(async () => {
    pictor = await startTestPictor();
  });
  afterAll(() => pictor?.stop());

  it("stores one stamp, and both answers name it", async () => {
    const alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
    const post = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "x")).id] });
    const bob = await pictor.accounts.upsertRemote(remoteAccount("bob"));
    for (let round = 0; round < 5; round++) {
      const input = { requestIri: `https://remote.example/users/bob/quote_requests/${round}`, quoter: bob, quotedIri: post.post.iri, quotingIri: `https://remote.example/users/bob/statuses/q${round}` };
      const answers = await Promise.all([pictor.quotes.receiveRequest(input), pictor.quotes.receiveRequest(input), pictor.quotes.receiveRequest(input)]);
      const ids = answers.map((a) => (a.accepted ? a.stamp.id : null));
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).not.toBeNull();
      const res = await pictor.http.request(pictor.urls.quoteStamp(ids[0]!).href, { headers: { Accept: AP } });
      expect(res.status).toBe(200);
    }
    expect(await pictor.quotes.stampsFor(post.post.id)).toHaveLength(5);
  });
});
