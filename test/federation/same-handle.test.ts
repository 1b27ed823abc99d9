import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { remoteAccount } from "../helpers/fixtures.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

/**
 * A remote account's identity is its IRI. Two actors on one host may share a
 * preferredUsername (a server that renamed one, two software stacks on one
 * host): both must be stored, followed and delivered to.
 */
describe("remote actors sharing a username on one host", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let lena: AccountRow;

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    // No shared inbox: each actor's own inbox must receive its copy.
    await remote.addActor("sam", { endpoints: undefined });
    await remote.addActor("sam2", { preferredUsername: "sam", endpoints: undefined });
    lena = await pictor.accounts.createLocal({ username: "lena", password: "a long password" });
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("stores both by IRI, and looks the handle up deterministically (the most recently fetched)", async () => {
    const first = await pictor.accounts.upsertRemote(remoteAccount("twin", { iri: "https://remote.example/users/twin-old", fetched_at: null }));
    const second = await pictor.accounts.upsertRemote(remoteAccount("twin", { iri: "https://remote.example/users/twin-new", fetched_at: null }));
    expect(first.id).not.toBe(second.id);
    expect(second).toMatchObject({ username: "twin", domain: "remote.example" });
    expect((await pictor.accounts.getRemoteByHandle("twin", "remote.example"))?.iri).toBe(second.iri);
    // Fetching the older one again makes it the newest.
    await new Promise((r) => setTimeout(r, 5));
    await pictor.accounts.upsertRemote(remoteAccount("twin", { iri: "https://remote.example/users/twin-old", display_name: "again" }));
    expect((await pictor.accounts.getRemoteByHandle("@Twin", "Remote.Example"))?.iri).toBe(first.iri);
    // Local usernames stay unique.
    await expect(pictor.accounts.createLocal({ username: "lena", password: "a long password" })).rejects.toThrow(/taken/);
  });

  it("accepts follows from both and delivers a post to each", async () => {
    for (const name of ["sam", "sam2"]) {
      const follow = { "@context": "https://www.w3.org/ns/activitystreams", id: `${remote.actorIri(name)}#follow`, type: "Follow", actor: remote.actorIri(name), object: lena.iri };
      const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/users/lena/inbox`, follow, name));
      expect(res.status).toBe(202);
    }
    await waitFor(async () => (await pictor.follows.countFollowers(lena.id)) === 2, 15_000, "both follows");
    const followers = (await pictor.follows.followers(lena.id)).items.map((i) => i.account);
    expect(followers.map((a) => a.iri).sort()).toEqual([remote.actorIri("sam"), remote.actorIri("sam2")].sort());
    expect(new Set(followers.map((a) => `${a.username}@${a.domain}`)).size).toBe(1);

    const m = await insertGeneratedMedia(pictor.db, lena.id, "two of a kind");
    const details = await pictor.posts.create(lena, { mediaIds: [m.id], caption: "hello twins" });
    for (const name of ["sam", "sam2"]) {
      await waitFor(
        () => remote.received.some((r) => r.path === `/users/${name}/inbox` && r.body?.type === "Create" && r.body.object?.id === details.post.iri),
        20_000,
        `the Create in ${name}'s inbox`,
      );
    }
  });
});
