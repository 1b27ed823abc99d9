import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { RemotePost } from "../../src/domain/posts.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { api, apiToken, apiUser } from "../helpers/api.ts";
import { remoteAccount, remotePost } from "../helpers/fixtures.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor } from "../helpers/pictor.ts";

/** The URLs of a Link header by rel. */
function links(header: string | null): Record<string, URL> {
  const out: Record<string, URL> = {};
  for (const m of (header ?? "").matchAll(/<([^>]+)>;\s*rel="(\w+)"/g)) out[m[2]] = new URL(m[1]);
  return out;
}

describe("timelines API", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let alice: { account: AccountRow; token: string };
  let dave: { account: AccountRow; token: string };
  let bob: AccountRow;
  let n = 0;
  const local = async (author: AccountRow, extra: Record<string, unknown> = {}) =>
    pictor.posts.create(author, { mediaIds: [(await insertGeneratedMedia(pictor.db, author.id, `p${++n}`)).id], ...extra });
  const remote = async (author: AccountRow, extra: Partial<RemotePost> = {}) =>
    (await pictor.posts.receiveRemote(author, remotePost(`${author.iri}/statuses/${++n}`, { contentHtml: `<p>remote ${n}</p>`, ...extra })))!;
  const ids = (body: Array<{ id: string }>) => body.map((s) => s.id);

  // Posts made in order (oldest first) for the paging checks.
  const publicIds: string[] = [];
  let followersOnly: string;
  let remoteId: string;
  let boostId: string;
  let boostedAt: string;
  let boostedPost: string;

  beforeAll(async () => {
    pictor = await startTestPictor();
    alice = await apiUser(pictor, "alice");
    dave = await apiUser(pictor, "dave");
    bob = await pictor.accounts.upsertRemote(remoteAccount("bob"));
    const f = await pictor.follows.follow(alice.account, bob);
    await pictor.follows.markAccepted({ iri: f.iri, followingId: bob.id });
    for (let i = 0; i < 5; i++) publicIds.push((await local(alice.account, { caption: `post ${i} #cats` })).post.id);
    followersOnly = (await local(alice.account, { caption: "friends only #cats", visibility: "followers" })).post.id;
    const r = await remote(bob, { tags: ["cats"] });
    remoteId = r.post.id;
    // dave's post, boosted by bob (whom alice follows): on alice's home as a reblog.
    const daves = await local(dave.account, { caption: "dave's" });
    boostedPost = daves.post.id;
    await pictor.interactions.receive("boost", bob, daves, `${bob.iri}/boosts/1`);
    const boost = await pictor.db.kysely.selectFrom("interactions").select(["id", "created_at"]).where("iri", "=", `${bob.iri}/boosts/1`).executeTakeFirstOrThrow();
    boostId = boost.id;
    boostedAt = boost.created_at;
  });
  afterAll(() => pictor?.stop());

  it("serves home with your posts, followed accounts' posts and their boosts as reblogs, newest first", async () => {
    const res = await api(pictor, "GET", "/api/v1/timelines/home", { token: alice.token });
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([boostId, remoteId, followersOnly, ...[...publicIds].reverse()]);
    const reblog = res.body[0];
    expect(reblog.reblog.id).toBe(boostedPost);
    expect(reblog.created_at).toBe(boostedAt);
    expect(reblog.account.acct).toBe("bob@remote.example");
    expect(reblog.reblog.account.username).toBe("dave");
    expect(res.body[2].visibility).toBe("private");
  });

  it("pages home with max_id, since_id, min_id and limit, and Link headers", async () => {
    const all = ids((await api(pictor, "GET", "/api/v1/timelines/home?limit=40", { token: alice.token })).body);
    const first = await api(pictor, "GET", "/api/v1/timelines/home?limit=3", { token: alice.token });
    expect(ids(first.body)).toEqual(all.slice(0, 3));
    const l = links(first.headers.get("Link"));
    expect(l.next.searchParams.get("max_id")).toBe(all[2]);
    expect(l.next.searchParams.get("limit")).toBe("3");
    expect(l.prev.searchParams.get("min_id")).toBe(all[0]);
    const second = await api(pictor, "GET", `${l.next.pathname}${l.next.search}`, { token: alice.token });
    expect(ids(second.body)).toEqual(all.slice(3, 6));
    // since_id: the newest ones after it; min_id: the ones right after it (both newest first).
    const since = await api(pictor, "GET", `/api/v1/timelines/home?since_id=${all[6]}&limit=2`, { token: alice.token });
    expect(ids(since.body)).toEqual(all.slice(0, 2));
    const min = await api(pictor, "GET", `/api/v1/timelines/home?min_id=${all[6]}&limit=2`, { token: alice.token });
    expect(ids(min.body)).toEqual(all.slice(4, 6));
    const between = await api(pictor, "GET", `/api/v1/timelines/home?max_id=${all[1]}&since_id=${all[5]}`, { token: alice.token });
    expect(ids(between.body)).toEqual(all.slice(2, 5));
    // limit is clamped to 40, and an empty page has no Link header.
    expect((await api(pictor, "GET", "/api/v1/timelines/home?limit=500", { token: alice.token })).status).toBe(200);
    const empty = await api(pictor, "GET", `/api/v1/timelines/home?min_id=${all[0]}`, { token: alice.token });
    expect(empty.body).toEqual([]);
    expect(empty.headers.get("Link")).toBeNull();
  });

  it("requires a user token with read:statuses for home", async () => {
    expect((await api(pictor, "GET", "/api/v1/timelines/home")).status).toBe(401);
    expect((await api(pictor, "GET", "/api/v1/timelines/home", { token: "nope" })).status).toBe(401);
    const writeOnly = await apiToken(pictor, alice.account, "write");
    expect((await api(pictor, "GET", "/api/v1/timelines/home", { token: writeOnly })).status).toBe(403);
  });

  it("serves the public timeline to anyone, filtered by local, remote and only_media, without followers-only posts", async () => {
    const all = await api(pictor, "GET", "/api/v1/timelines/public");
    expect(all.status).toBe(200);
    expect(ids(all.body)).toEqual([boostedPost, remoteId, ...[...publicIds].reverse()]);
    expect(ids(all.body)).not.toContain(followersOnly);
    // Even for a follower: public timelines hold public posts only.
    expect(ids((await api(pictor, "GET", "/api/v1/timelines/public", { token: alice.token })).body)).not.toContain(followersOnly);
    expect(ids((await api(pictor, "GET", "/api/v1/timelines/public?local=true")).body)).toEqual([boostedPost, ...[...publicIds].reverse()]);
    expect(ids((await api(pictor, "GET", "/api/v1/timelines/public?remote=true")).body)).toEqual([remoteId]);
    // bob's remote post has no attachments.
    expect(ids((await api(pictor, "GET", "/api/v1/timelines/public?only_media=true")).body)).not.toContain(remoteId);
    expect((await api(pictor, "GET", "/api/v1/timelines/public?local=maybe")).status).toBe(422);
  });

  it("pages the public timeline", async () => {
    const page = await api(pictor, "GET", "/api/v1/timelines/public?local=true&limit=2");
    expect(ids(page.body)).toEqual([boostedPost, publicIds[4]]);
    const l = links(page.headers.get("Link"));
    expect(l.next.searchParams.get("local")).toBe("true");
    const next = await api(pictor, "GET", `${l.next.pathname}${l.next.search}`);
    expect(ids(next.body)).toEqual([publicIds[3], publicIds[2]]);
    const prev = await api(pictor, "GET", `/api/v1/timelines/public?local=true&min_id=${publicIds[1]}&limit=2`);
    expect(ids(prev.body)).toEqual([publicIds[3], publicIds[2]]);
  });

  it("serves hashtag timelines with any, all and none, paged", async () => {
    const cats = await api(pictor, "GET", "/api/v1/timelines/tag/Cats");
    expect(cats.status).toBe(200);
    expect(ids(cats.body)).toEqual([remoteId, ...[...publicIds].reverse()]);
    expect(ids(cats.body)).not.toContain(followersOnly);
    expect(ids((await api(pictor, "GET", "/api/v1/timelines/tag/cats?local=true&limit=2")).body)).toEqual([publicIds[4], publicIds[3]]);
    expect(ids((await api(pictor, "GET", "/api/v1/timelines/tag/cats?remote=true")).body)).toEqual([remoteId]);
    const page = await api(pictor, "GET", `/api/v1/timelines/tag/cats?max_id=${publicIds[3]}&since_id=${publicIds[0]}`);
    expect(ids(page.body)).toEqual([publicIds[2], publicIds[1]]);
    expect(links(page.headers.get("Link")).next.searchParams.get("max_id")).toBe(publicIds[1]);
    // A post tagged both; then any/all/none.
    const both = (await local(dave.account, { caption: "#cats and #dogs" })).post.id;
    const dogs = (await local(dave.account, { caption: "only #dogs" })).post.id;
    expect(ids((await api(pictor, "GET", "/api/v1/timelines/tag/cats?all[]=dogs")).body)).toEqual([both]);
    expect(ids((await api(pictor, "GET", "/api/v1/timelines/tag/cats?any[]=dogs&limit=3")).body)).toEqual([dogs, both, remoteId]);
    expect(ids((await api(pictor, "GET", "/api/v1/timelines/tag/cats?none[]=dogs")).body)).not.toContain(both);
    expect((await api(pictor, "GET", "/api/v1/timelines/tag/no%20such")).status).toBe(422);
  });
});
