import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { ModerationService } from "../../src/domain/moderation.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

describe("blocks and reports from other servers", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  const send = async (activity: Record<string, unknown>, signer: string) => {
    const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, { "@context": "https://www.w3.org/ns/activitystreams", ...activity }, signer));
    expect(res.status).toBe(202);
  };

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    await remote.addActor("bob");
    await remote.addActor("mallory");
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse" });
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("stores a Block and ends the follows between the two", async () => {
    await send({ id: `${remote.actorIri("bob")}#f`, type: "Follow", actor: remote.actorIri("bob"), object: alice.iri }, "bob");
    await waitFor(async () => (await pictor.follows.countFollowers(alice.id)) === 1, 10_000, "the follow");
    const block = { id: `${remote.actorIri("bob")}#blocks/1`, type: "Block", actor: remote.actorIri("bob"), object: alice.iri };
    await send(block, "bob");
    const bob = (await pictor.accounts.getByIri(remote.actorIri("bob")))!;
    await waitFor(() => pictor.moderation.isBlocked(alice.id, bob.id), 10_000, "the block");
    expect(await pictor.follows.countFollowers(alice.id)).toBe(0);
    await send({ id: `${remote.actorIri("mallory")}#u`, type: "Undo", actor: remote.actorIri("mallory"), object: block.id }, "mallory");
    await send({ id: `${remote.actorIri("bob")}#u`, type: "Undo", actor: remote.actorIri("bob"), object: block.id }, "bob");
    await waitFor(async () => !(await pictor.moderation.isBlocked(alice.id, bob.id)), 10_000, "the unblock");
  });

  it("stores Flags about local accounts and posts for admins", async () => {
    const post = await pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(pictor.db, alice.id, "x")).id] });
    await send({ id: `${remote.origin}/flags/1`, type: "Flag", actor: remote.actorIri("mallory"), object: [alice.iri, post.post.iri], content: "spam" }, "mallory");
    await send({ id: `${remote.origin}/flags/1`, type: "Flag", actor: remote.actorIri("mallory"), object: [alice.iri, post.post.iri], content: "spam" }, "mallory");
    await send({ id: `${remote.origin}/flags/2`, type: "Flag", actor: remote.actorIri("mallory"), object: ["https://elsewhere.example/users/x"], content: "not ours" }, "mallory");
    const reports = await waitFor(async () => {
      const r = await pictor.moderation.openReports();
      return r.length ? r : undefined;
    }, 10_000, "the report");
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ target_id: alice.id, comment: "spam", objects: [alice.iri, post.post.iri] });
    await pictor.moderation.resolveReport(reports[0].id);
    expect(await pictor.moderation.openReports()).toEqual([]);
  });

  it("cuts a blocked domain off both ways", async () => {
    const moderation = new ModerationService(pictor.db, pictor.urls, pictor.events, 0);
    expect(() => ModerationService.normalizeDomain("not a domain!")).toThrow(/not a domain/);
    expect(ModerationService.normalizeDomain("https://Sub.Example.COM:8443/path")).toBe("sub.example.com");
    await pictor.moderation.blockDomain("127.0.0.1", "test");
    await pictor.moderation.unblockDomain("127.0.0.1");
    expect(await moderation.isDomainBlocked("127.0.0.1")).toBe(false);
    // A fresh service instance (cache 0) sees what another wrote.
    await pictor.moderation.blockDomain("127.0.0.1", "spam");
    expect(await moderation.isDomainBlocked("127.0.0.1")).toBe(true);
    expect((await moderation.listDomainBlocks()).map((b) => b.domain)).toEqual(["127.0.0.1"]);
  });
});
