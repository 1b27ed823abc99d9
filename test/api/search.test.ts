import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { LocalAccount } from "../../src/domain/accounts.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import { api, apiToken, apiUser } from "../helpers/api.ts";
import { remoteAccount } from "../helpers/fixtures.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";

const AS = "https://www.w3.org/ns/activitystreams";

/**
 * GET /api/v2/search: accounts, statuses and hashtags, everything through
 * the visibility rule; remote handles and URLs are looked up through
 * federation only with resolve=true and a token.
 */
describe("search API", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let remote: FakeRemote;
  let alice: { account: LocalAccount; token: string };
  let bob: { account: LocalAccount; token: string };
  let bobPublic: PostDetails;
  let bobSecret: PostDetails;
  let alicePost: PostDetails;

  const post = async (author: LocalAccount, caption: string, extra: Record<string, unknown> = {}) =>
    pictor.posts.create(author, { caption, mediaIds: [(await insertGeneratedMedia(pictor.db, author.id, caption)).id], ...extra });
  const search = (q: string, opts: { token?: string; extra?: string } = {}) =>
    api(pictor, "GET", `/api/v2/search?q=${encodeURIComponent(q)}${opts.extra ?? ""}`, { token: opts.token });

  beforeAll(async () => {
    pictor = await startTestPictor();
    remote = await startFakeRemote();
    await remote.addActor("zed");
    alice = await apiUser(pictor, "alice");
    bob = await apiUser(pictor, "bob_painter");
    await pictor.accounts.updateProfile(bob.account, { displayName: "Bob Painter", bio: "", locked: false }, pictor.events);
    bobPublic = await post(bob.account, "Watercolour #sunset over the bay");
    bobSecret = await post(bob.account, "Secret #sunsetsecret sketch", { visibility: "followers" });
    alicePost = await post(alice.account, "My watercolour lighthouse #sunrise");
    await pictor.accounts.upsertRemote(remoteAccount("rita"));
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
  });

  it("finds accounts by handle prefix and display name, anonymously too", async () => {
    const res = await search("bob");
    expect(res.status).toBe(200);
    expect(res.body.accounts.map((a: { username: string }) => a.username)).toEqual(["bob_painter"]);
    expect(res.body).toHaveProperty("statuses");
    expect(res.body).toHaveProperty("hashtags");
    expect((await search("painter", { extra: "&type=accounts" })).body.accounts.map((a: { id: string }) => a.id)).toEqual([bob.account.id]);
    expect((await search("rita@remote.example")).body.accounts.map((a: { acct: string }) => a.acct)).toEqual(["rita@remote.example"]);
    // `_` is a literal, not a wildcard.
    expect((await search("bob_p")).body.accounts).toHaveLength(1);
    expect((await search("bobxp")).body.accounts).toHaveLength(0);
    // Only the type asked for.
    const onlyTags = await search("sun", { extra: "&type=hashtags" });
    expect(onlyTags.body.accounts).toEqual([]);
    expect(onlyTags.body.statuses).toEqual([]);
  });

  it("finds hashtags of public posts by prefix, as Tag entities; a followers-only post's tag stays hidden", async () => {
    const res = await search("#sun");
    expect(res.body.hashtags.map((t: { name: string }) => t.name).sort()).toEqual(["sunrise", "sunset"]);
    expect(res.body.hashtags[0]).toMatchObject({ url: expect.stringMatching(/^http:\/\/pictor\.test\/tags\/sun/), history: [] });
    expect(JSON.stringify(res.body)).not.toContain("sunsetsecret");
  });

  it("finds statuses by URL and, signed in, by text among one's own; hidden ones never", async () => {
    const byUrl = await search(bobPublic.post.url!);
    expect(byUrl.body.statuses.map((s: { id: string }) => s.id)).toEqual([bobPublic.post.id]);
    expect((await search(bobSecret.post.url!)).body.statuses).toEqual([]);
    expect((await search(bobSecret.post.url!, { token: alice.token })).body.statuses).toEqual([]);
    expect((await search(bobSecret.post.url!, { token: bob.token })).body.statuses.map((s: { id: string }) => s.id)).toEqual([bobSecret.post.id]);

    const own = await search("watercolour", { token: alice.token });
    expect(own.body.statuses.map((s: { id: string }) => s.id)).toEqual([alicePost.post.id]);
    // Alice liked bob's public post: found too; his followers-only one is not, even once liked while following.
    await pictor.interactions.act("like", alice.account, bobPublic);
    await pictor.follows.follow(alice.account, bob.account);
    await pictor.interactions.act("like", alice.account, bobSecret);
    expect((await search("secret", { token: alice.token })).body.statuses.map((s: { id: string }) => s.id)).toEqual([bobSecret.post.id]);
    await pictor.follows.unfollow(alice.account, bob.account);
    expect((await search("secret", { token: alice.token })).body.statuses).toEqual([]);
    const liked = await search("watercolour", { token: alice.token, extra: "&type=statuses" });
    expect(liked.body.statuses.map((s: { id: string }) => s.id)).toEqual([alicePost.post.id, bobPublic.post.id]);
    const byAccount = await search("watercolour", { token: alice.token, extra: `&type=statuses&account_id=${bob.account.id}` });
    expect(byAccount.body.statuses.map((s: { id: string }) => s.id)).toEqual([bobPublic.post.id]);
    // Anonymous text search finds no statuses.
    expect((await search("watercolour")).body.statuses).toEqual([]);
  });

  it("resolves remote accounts and posts only with resolve=true and a token", async () => {
    const actor = remote.actorIri("zed");
    const before = remote.fetched.length;
    // Without a token, resolve is ignored: nothing is fetched.
    expect((await search(actor, { extra: "&resolve=true" })).body.accounts).toEqual([]);
    expect((await search(actor, { token: alice.token })).body.accounts).toEqual([]);
    expect(remote.fetched.length).toBe(before);

    const found = await search(actor, { token: alice.token, extra: "&resolve=true" });
    expect(found.status).toBe(200);
    expect(found.body.accounts).toHaveLength(1);
    expect(found.body.accounts[0]).toMatchObject({ username: "zed", uri: actor });
    expect(remote.fetched.length).toBeGreaterThan(before);
    expect(remote.fetched.slice(before).every((f) => f.signed)).toBe(true);

    const noteId = `${actor}/statuses/7`;
    remote.serve("/users/zed/statuses/7", { "@context": AS, id: noteId, type: "Note", attributedTo: actor, content: "<p>zed's tide</p>", published: "2026-11-24T10:00:00Z", to: [`${AS}#Public`] });
    const note = await search(noteId, { token: alice.token, extra: "&resolve=true&type=statuses" });
    expect(note.body.statuses).toHaveLength(1);
    expect(note.body.statuses[0]).toMatchObject({ uri: noteId, content: "<p>zed's tide</p>", account: { username: "zed" } });
    // Followers-only elsewhere: fetched or not, never shown to someone who may not see it.
    remote.serve("/users/zed/statuses/8", { "@context": AS, id: `${actor}/statuses/8`, type: "Note", attributedTo: actor, content: "<p>private</p>", to: [`${actor}/followers`] });
    const hidden = await search(`${actor}/statuses/8`, { token: alice.token, extra: "&resolve=true" });
    expect(hidden.status).toBe(200);
    expect(hidden.body.statuses).toEqual([]);
    // Something that cannot be found is an empty answer, not an error.
    const missing = await search(`${remote.origin}/users/nobody`, { token: alice.token, extra: "&resolve=true" });
    expect(missing.status).toBe(200);
    expect(missing.body).toEqual({ accounts: [], statuses: [], hashtags: [] });
  });

  it("refuses malformed parameters, paging without a token, and tokens without the scope", async () => {
    expect((await api(pictor, "GET", "/api/v2/search")).status).toBe(422);
    expect((await search("bob", { extra: "&type=people" })).status).toBe(422);
    expect((await search("bob", { extra: "&limit=abc" })).status).toBe(422);
    expect((await search("bob", { extra: "&resolve=perhaps" })).status).toBe(422);
    expect((await search("bob", { extra: "&offset=5" })).status).toBe(401);
    expect((await search("bob", { token: alice.token, extra: "&offset=5" })).status).toBe(200);
    const noSearch = await apiToken(pictor, alice.account, "read:statuses");
    expect((await search("bob", { token: noSearch })).status).toBe(403);
    expect((await search("bob", { token: "bogus" })).status).toBe(401);
  });
});
