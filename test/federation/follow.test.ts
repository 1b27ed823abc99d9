import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";
import { AP, startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";

const LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"';

describe("actors, WebFinger and follows", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: AccountRow;
  let locked: AccountRow;
  const get = (path: string, accept = AP) => pictor.http.request(`${TEST_ORIGIN}${path}`, { headers: { Accept: accept } });
  const followersOf = async (username: string) => {
    const account = (await pictor.accounts.getLocalByUsername(username))!;
    return (await pictor.follows.followers(account.id)).items.map((i) => i.account.iri);
  };

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    await remote.addActor("bob");
    await remote.addActor("mallory");
    alice = await pictor.accounts.createLocal({ username: "Alice", password: "correct horse", displayName: "Alice" });
    locked = await pictor.accounts.createLocal({ username: "carol", password: "correct horse", locked: true });
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("serves the actor as ActivityPub JSON for both media types, with keys", async () => {
    for (const accept of [AP, LD]) {
      const res = await get("/users/alice", accept);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/(activity\+json|ld\+json)/);
      const actor = await res.json();
      expect(actor).toMatchObject({
        id: `${TEST_ORIGIN}/users/alice`,
        type: "Person",
        preferredUsername: "alice",
        inbox: `${TEST_ORIGIN}/users/alice/inbox`,
        outbox: `${TEST_ORIGIN}/users/alice/outbox`,
        followers: `${TEST_ORIGIN}/users/alice/followers`,
        following: `${TEST_ORIGIN}/users/alice/following`,
        featured: `${TEST_ORIGIN}/users/alice/featured`,
        url: `${TEST_ORIGIN}/@alice`,
        endpoints: { sharedInbox: `${TEST_ORIGIN}/inbox` },
        manuallyApprovesFollowers: false,
        discoverable: true,
        indexable: true,
      });
      expect(new Date(actor.published).toISOString()).toBe(alice.created_at);
      expect(actor.publicKey).toMatchObject({ id: `${TEST_ORIGIN}/users/alice#main-key`, owner: `${TEST_ORIGIN}/users/alice` });
      expect(actor.publicKey.publicKeyPem).toContain("BEGIN PUBLIC KEY");
      expect(actor.assertionMethod).toHaveLength(2);
    }
    const lockedActor = await (await get("/users/carol")).json();
    expect(lockedActor.manuallyApprovesFollowers).toBe(true);
  });

  it("serves HTML to browsers at the same URL and at /@username", async () => {
    const redirect = await get("/users/alice", "text/html");
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/@alice");
    const page = await get("/@alice", "text/html");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("@alice@pictor.test");
    expect((await get("/@nobody", "text/html")).status).toBe(404);
    expect((await get("/users/nobody")).status).toBe(404);
  });

  it("answers WebFinger for the handle and the profile URL, and host-meta", async () => {
    for (const resource of ["acct:alice@pictor.test", `${TEST_ORIGIN}/@alice`, `${TEST_ORIGIN}/users/alice`]) {
      const res = await get(`/.well-known/webfinger?resource=${encodeURIComponent(resource)}`, "application/jrd+json");
      expect(res.status).toBe(200);
      const jrd = await res.json();
      expect(jrd.links).toContainEqual({ rel: "self", type: "application/activity+json", href: `${TEST_ORIGIN}/users/alice` });
    }
    expect((await get("/.well-known/webfinger?resource=acct:nobody@pictor.test", "application/jrd+json")).status).toBe(404);
    const hostMeta = await (await get("/.well-known/host-meta", "application/xrd+xml")).text();
    expect(hostMeta).toContain(`${TEST_ORIGIN}/.well-known/webfinger?resource={uri}`);
    const nodeinfo = await (await get("/nodeinfo/2.1", "application/json")).json();
    expect(nodeinfo.software.name).toBe("pictor");
    expect(nodeinfo.usage.users.total).toBe(2);
  });

  it("accepts a signed Follow once, answers with a signed Accept, and lists the follower", async () => {
    const follow = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${remote.actorIri("bob")}#follows/1`,
      type: "Follow",
      actor: remote.actorIri("bob"),
      object: `${TEST_ORIGIN}/users/alice`,
    };
    for (let i = 0; i < 2; i++) {
      const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/users/alice/inbox`, follow, "bob"));
      expect(res.status).toBe(202);
    }
    await waitFor(() => remote.received.some((r) => r.body?.type === "Accept"), 15_000, "the Accept");
    const accept = remote.received.find((r) => r.body?.type === "Accept")!;
    expect(accept.path).toBe("/inbox"); // the shared inbox, as for every delivery
    expect(accept.signed).toBe(true);
    expect(accept.body.actor).toBe(`${TEST_ORIGIN}/users/alice`);
    expect(accept.body.object.id ?? accept.body.object).toBe(follow.id);
    await waitFor(async () => (await followersOf("alice")).length === 1, 10_000, "the follower row");
    expect(await followersOf("alice")).toEqual([remote.actorIri("bob")]);

    const collection = await (await get("/users/alice/followers")).json();
    expect(collection.totalItems).toBe(1);
    const page = await (await pictor.http.request(collection.first, { headers: { Accept: AP } })).json();
    expect(page.orderedItems).toEqual([remote.actorIri("bob")]);
    const stored = await pictor.accounts.getByIri(remote.actorIri("bob"));
    expect(stored).toMatchObject({ username: "bob", domain: "127.0.0.1", inbox_url: `${remote.actorIri("bob")}/inbox` });
  });

  it("ignores an Undo of someone else's Follow, and honours the follower's own", async () => {
    const undoBy = (actor: string) => ({
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${remote.actorIri(actor)}#undo/${Math.random()}`,
      type: "Undo",
      actor: remote.actorIri(actor),
      object: {
        id: `${remote.actorIri("bob")}#follows/1`,
        type: "Follow",
        actor: remote.actorIri("bob"),
        object: `${TEST_ORIGIN}/users/alice`,
      },
    });
    const forged = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, undoBy("mallory"), "mallory"));
    expect(forged.status).toBeLessThan(500);
    expect(await followersOf("alice")).toEqual([remote.actorIri("bob")]);

    const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, undoBy("bob"), "bob", "rfc9421"));
    expect(res.status).toBe(202);
    await waitFor(async () => (await followersOf("alice")).length === 0, 10_000, "the follow to be removed");
  });

  it("holds follows of a locked account until approved", async () => {
    const follow = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${remote.actorIri("bob")}#follows/carol`,
      type: "Follow",
      actor: remote.actorIri("bob"),
      object: `${TEST_ORIGIN}/users/carol`,
    };
    const res = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/users/carol/inbox`, follow, "bob"));
    expect(res.status).toBe(202);
    const pending = await waitFor(async () => {
      const list = await pictor.follows.pendingRequests(locked.id);
      return list.length === 1 ? list : undefined;
    }, 10_000, "the pending request");
    expect(await followersOf("carol")).toEqual([]);
    expect(remote.received.filter((r) => r.body?.object?.id === follow.id)).toEqual([]);
    await pictor.follows.approve(pending[0].follow.id);
    expect(await followersOf("carol")).toEqual([remote.actorIri("bob")]);
    await waitFor(() => remote.received.some((r) => r.body?.type === "Accept" && r.body.object?.id === follow.id), 15_000, "Accept after approval");
  });

  it("follows a remote account and records the Accept", async () => {
    const target = await pictor.resolveAccount(remote.actorIri("bob"));
    expect(target.domain).toBe("127.0.0.1");
    const row = await pictor.follows.follow(alice, target);
    expect(row.state).toBe("pending");
    const sent = await waitFor(() => remote.received.find((r) => r.body?.type === "Follow"), 15_000, "the Follow");
    expect(sent.body).toMatchObject({ id: row.iri, actor: `${TEST_ORIGIN}/users/alice`, object: remote.actorIri("bob") });
    expect(sent.signed).toBe(true);
    // A foreign actor cannot accept it for bob.
    const forgedAccept = { "@context": "https://www.w3.org/ns/activitystreams", id: `${remote.actorIri("mallory")}#a`, type: "Accept", actor: remote.actorIri("mallory"), object: row.iri };
    await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/inbox`, forgedAccept, "mallory"));
    expect((await pictor.follows.getByIri(row.iri))?.state).toBe("pending");
    const accept = { "@context": "https://www.w3.org/ns/activitystreams", id: `${remote.actorIri("bob")}#accepts/1`, type: "Accept", actor: remote.actorIri("bob"), object: sent.body };
    expect((await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/users/alice/inbox`, accept, "bob"))).status).toBe(202);
    await waitFor(async () => (await pictor.follows.getByIri(row.iri))?.state === "accepted", 10_000, "accepted state");
    const following = await (await get("/users/alice/following")).json();
    expect(following.totalItems).toBe(1);

    expect(await pictor.follows.unfollow(alice, target)).toBe(true);
    const undo = await waitFor(() => remote.received.find((r) => r.body?.type === "Undo"), 15_000, "the Undo");
    expect(undo.body.object).toMatchObject({ id: row.iri, type: "Follow" });
    expect((await (await get("/users/alice/following")).json()).totalItems).toBe(0);
  });

  it("refuses unsigned, badly signed, malformed and oversized inbox posts without a 5xx", async () => {
    const follow = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${remote.actorIri("mallory")}#follows/x`,
      type: "Follow",
      actor: remote.actorIri("mallory"),
      object: `${TEST_ORIGIN}/users/alice`,
    };
    const post = (body: string, headers: Record<string, string> = {}) =>
      pictor.http.request(`${TEST_ORIGIN}/users/alice/inbox`, {
        method: "POST",
        headers: { "Content-Type": AP, ...headers },
        body,
      });
    const unsigned = await post(JSON.stringify(follow));
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(unsigned.status).toBeLessThan(500);
    // Signed by mallory's key but claiming to be bob.
    const impostor = await remote.signedPost(`${TEST_ORIGIN}/users/alice/inbox`, { ...follow, actor: remote.actorIri("bob") }, "mallory");
    const forged = await pictor.http.request(impostor);
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
    const malformed = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/users/alice/inbox`, "not json{", "mallory"));
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.status).toBeLessThan(500);
    const huge = await post(JSON.stringify({ ...follow, padding: "x".repeat(1024 * 1024 + 10) }));
    expect(huge.status).toBe(413);
    const unknown = await pictor.http.request(await remote.signedPost(`${TEST_ORIGIN}/users/nobody/inbox`, follow, "mallory"));
    expect(unknown.status).toBe(404);
    expect(await followersOf("alice")).toEqual([]);
    expect(await pictor.accounts.getByIri(remote.actorIri("mallory"))).toBeUndefined();
  });
});
