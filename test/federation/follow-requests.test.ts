import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";
import { Client } from "../web/browser-client.ts";

const AS = "https://www.w3.org/ns/activitystreams";

/**
 * A locked account answers follow requests from its notifications and from
 * /follow-requests: the requester's server gets an Accept or a Reject, the
 * notification turns into a follow (or goes), and followers-only posts reach
 * the new follower only once accepted.
 */
describe("follow requests of a locked account", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let carol: AccountRow;
  let web: Client;
  const follow = (name: string) => ({ "@context": AS, id: `${remote.actorIri(name)}#follows/${name}`, type: "Follow", actor: remote.actorIri(name), object: carol.iri });
  const send = async (activity: Record<string, unknown>, signer: string) => {
    expect((await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, activity, signer))).status).toBe(202);
  };
  const notifications = async () => (await pictor.notifications.list(carol.id)).items.map((n) => `${n.type} ${n.actor.username}`).sort();
  const answers = (type: string, followId: string) => remote.received.filter((r) => r.body?.type === type && (r.body.object?.id ?? r.body.object) === followId);
  const creates = (postIri: string) => remote.received.filter((r) => r.body?.type === "Create" && r.body.object?.id === postIri);
  const secretPost = async (prompt: string) =>
    pictor.posts.create(carol, { caption: prompt, mediaIds: [(await insertGeneratedMedia(pictor.db, carol.id, prompt)).id], visibility: "followers" });

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    for (const name of ["bob", "dan", "eve"]) await remote.addActor(name);
    carol = await pictor.accounts.createLocal({ username: "carol", password: "a long password", locked: true });
    web = new Client(pictor);
    await web.page("/login");
    expect((await web.form("/login", { username: "carol", password: "a long password" })).status).toBe(303);
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("accepts from the notification: an Accept goes out, the request becomes a follow, followers-only posts follow", async () => {
    await send(follow("bob"), "bob");
    const [request] = await waitFor(async () => {
      const list = await pictor.follows.pendingRequests(carol.id);
      return list.length === 1 ? list : undefined;
    }, 10_000, "bob's request");
    expect(await notifications()).toEqual(["follow_request bob"]);
    // A followers-only post made while bob waits does not reach him.
    const before = await secretPost("before approval");

    const { html } = await web.page("/notifications");
    expect(html).toContain(`action="/follow-requests/${request.follow.id}/accept"`);
    expect(html).toContain(`action="/follow-requests/${request.follow.id}/reject"`);
    expect(html).toContain('href="/follow-requests"');
    const accepted = await web.form(`/follow-requests/${request.follow.id}/accept`, { back: "/notifications" });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get("location")).toBe("/notifications");

    const accept = await waitFor(() => answers("Accept", follow("bob").id)[0], 15_000, "the Accept");
    expect(accept.body.actor).toBe(carol.iri);
    expect(accept.body.object).toMatchObject({ type: "Follow", actor: remote.actorIri("bob"), object: carol.iri });
    expect(await notifications()).toEqual(["follow bob"]);
    expect((await web.page("/notifications")).html).not.toContain("/follow-requests/");
    // Answering again is refused as a request that is not there.
    expect((await web.form(`/follow-requests/${request.follow.id}/accept`, {})).status).toBe(404);

    const after = await secretPost("after approval");
    await waitFor(() => creates(after.post.iri).length > 0, 15_000, "the followers-only post to bob");
    expect(creates(before.post.iri)).toEqual([]);
  });

  it("rejects from /follow-requests: a Reject goes out, the request and its notification go, nothing reaches them", async () => {
    await send(follow("dan"), "dan");
    await waitFor(async () => (await pictor.follows.pendingRequests(carol.id)).length === 1, 10_000, "dan's request");
    const page = await web.page("/follow-requests");
    expect(page.html).toContain("@dan@127.0.0.1");
    const id = /action="\/follow-requests\/([^/"]+)\/reject"/.exec(page.html)![1];
    const rejected = await web.form(`/follow-requests/${id}/reject`, { back: "https://evil.example/" });
    expect(rejected.headers.get("location")).toBe("/follow-requests");
    const reject = await waitFor(() => answers("Reject", follow("dan").id)[0], 15_000, "the Reject");
    expect(reject.body.actor).toBe(carol.iri);
    expect(await pictor.follows.pendingRequests(carol.id)).toEqual([]);
    expect(await notifications()).toEqual(["follow bob"]);
    const post = await secretPost("dan never sees this");
    await waitFor(() => creates(post.post.iri).length > 0, 15_000, "the post to bob");
    expect(creates(post.post.iri).map((r) => r.body.to)).toEqual([`${TEST_ORIGIN}/users/carol/followers`]);
    expect(remote.received.filter((r) => r.body?.type === "Create" && r.body.object?.id === post.post.iri)).toHaveLength(1);
  });

  it("drops the request's notification when the requester withdraws it (Undo of the Follow)", async () => {
    await send(follow("eve"), "eve");
    await waitFor(async () => (await notifications()).includes("follow_request eve"), 10_000, "eve's request");
    await send({ "@context": AS, id: `${remote.actorIri("eve")}#undo/1`, type: "Undo", actor: remote.actorIri("eve"), object: follow("eve") }, "eve");
    await waitFor(async () => !(await notifications()).includes("follow_request eve"), 10_000, "the withdrawn request's notification to go");
    expect((await web.page("/follow-requests")).html).toContain("No one is waiting");
  });

  it("lets only the requested account answer", async () => {
    // Asking again (a new Follow: the same activity id is handled once).
    await send({ ...follow("dan"), id: `${remote.actorIri("dan")}#follows/again` }, "dan");
    const [request] = await waitFor(async () => {
      const list = await pictor.follows.pendingRequests(carol.id);
      return list.length === 1 ? list : undefined;
    }, 10_000, "dan's second request");
    await pictor.accounts.createLocal({ username: "zed", password: "a long password" });
    const zed = new Client(pictor);
    await zed.page("/login");
    await zed.form("/login", { username: "zed", password: "a long password" });
    await zed.page("/follow-requests");
    expect((await zed.form(`/follow-requests/${request.follow.id}/accept`, {})).status).toBe(404);
    expect((await pictor.follows.getByPair(request.account.id, carol.id))?.state).toBe("pending");
  });
});
