import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { api, apiToken, apiUser } from "../helpers/api.ts";
import { remoteAccount } from "../helpers/fixtures.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor } from "../helpers/pictor.ts";

describe("notifications API", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let alice: { account: AccountRow; token: string };
  let dave: { account: AccountRow; token: string };
  let carol: { account: AccountRow; token: string };
  let bob: AccountRow;
  let n = 0;
  const local = async (author: AccountRow, extra: Record<string, unknown> = {}) =>
    pictor.posts.create(author, { mediaIds: [(await insertGeneratedMedia(pictor.db, author.id, `p${++n}`)).id], ...extra });
  const list = async (query = "", token = alice.token) => {
    const res = await api(pictor, "GET", `/api/v1/notifications${query}`, { token });
    expect(res.status).toBe(200);
    return res;
  };
  const types = (body: Array<{ type: string }>) => body.map((x) => x.type);
  let alicesPost: string;

  beforeAll(async () => {
    pictor = await startTestPictor();
    alice = await apiUser(pictor, "alice");
    dave = await apiUser(pictor, "dave");
    carol = await apiUser(pictor, "carol");
    bob = await pictor.accounts.upsertRemote(remoteAccount("bob"));
    const post = await local(alice.account, { caption: "mine" });
    alicesPost = post.post.id;
    // In order: a follow, a like, a boost from elsewhere, a mention, a reply.
    await pictor.follows.follow(dave.account, alice.account);
    await pictor.interactions.act("like", dave.account, post);
    await pictor.interactions.receive("boost", bob, post, `${bob.iri}/boosts/1`);
    await local(dave.account, { caption: "hello @alice" });
    await local(carol.account, { caption: "nice", inReplyTo: post.post.iri });
    // dave gets one too (alice follows him).
    await pictor.follows.follow(alice.account, dave.account);
  });
  afterAll(() => pictor?.stop());

  it("serves Mastodon 4.3's grouped notifications, one notification per group, with their accounts and statuses", async () => {
    const v1 = (await list()).body as Array<{ id: string; type: string; account: { id: string }; status?: { id: string } }>;
    const res = await api(pictor, "GET", "/api/v2/notifications?limit=3", { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body.notification_groups).toEqual(
      v1.slice(0, 3).map((n) => expect.objectContaining({ group_key: `ungrouped-${n.id}`, type: n.type, notifications_count: 1, most_recent_notification_id: n.id, sample_account_ids: [n.account.id], ...(n.status ? { status_id: n.status.id } : {}) })),
    );
    const accountIds = new Set(res.body.accounts.map((a: { id: string }) => a.id));
    for (const g of res.body.notification_groups) expect(accountIds.has(g.sample_account_ids[0])).toBe(true);
    expect(res.body.statuses.map((st: { id: string }) => st.id)).toContain(alicesPost);
    expect(res.headers.get("Link")).toContain(`max_id=${v1[2].id}`);
    const key = res.body.notification_groups[0].group_key;
    expect((await api(pictor, "GET", `/api/v2/notifications/${key}`, { token: alice.token })).body.notification_groups).toHaveLength(1);
    expect((await api(pictor, "GET", `/api/v2/notifications/${key}/accounts`, { token: alice.token })).body).toHaveLength(1);
    // Someone else's group, or a made-up key, is not found.
    expect((await api(pictor, "GET", `/api/v2/notifications/${key}`, { token: dave.token })).status).toBe(404);
    expect((await api(pictor, "GET", "/api/v2/notifications/grouped-nonsense", { token: alice.token })).status).toBe(404);
    expect(await api(pictor, "GET", "/api/v2/notifications/policy", { token: alice.token })).toMatchObject({ status: 200, body: { for_not_following: "accept", summary: { pending_requests_count: 0 } } });
    expect((await api(pictor, "PATCH", "/api/v2/notifications/policy", { token: alice.token, json: { for_not_following: "filter" } })).status).toBe(422);
    expect((await api(pictor, "GET", "/api/v2/notifications")).status).toBe(401);
  });

  it("lists notifications newest first with Mastodon types, accounts and statuses", async () => {
    const res = await list();
    expect(types(res.body)).toEqual(["mention", "mention", "reblog", "favourite", "follow"]);
    const [reply, mention, reblog, favourite, follow] = res.body;
    expect(reply.account.username).toBe("carol");
    expect(reply.status.in_reply_to_id).toBe(alicesPost);
    expect(mention.status.content).toContain("alice");
    expect(reblog.account.acct).toBe("bob@remote.example");
    expect(reblog.status.id).toBe(alicesPost);
    expect(favourite.account.username).toBe("dave");
    expect(favourite.status.id).toBe(alicesPost);
    expect(follow.status).toBeUndefined();
    expect(follow.group_key).toBe(`ungrouped-${follow.id}`);
    expect(typeof follow.created_at).toBe("string");
  });

  it("filters by types[], exclude_types[] and account_id", async () => {
    expect(types((await list("?types[]=favourite&types[]=reblog")).body)).toEqual(["reblog", "favourite"]);
    expect(types((await list("?types[]=mention")).body)).toEqual(["mention", "mention"]);
    expect(types((await list("?exclude_types[]=mention&exclude_types[]=follow")).body)).toEqual(["reblog", "favourite"]);
    expect(types((await list(`?account_id=${dave.account.id}`)).body)).toEqual(["mention", "favourite", "follow"]);
    // Types Pictor never sends match nothing.
    expect((await list("?types[]=poll")).body).toEqual([]);
  });

  it("pages with max_id, since_id, min_id and limit, and Link headers", async () => {
    const all = (await list()).body.map((x: { id: string }) => x.id);
    const first = await list("?limit=2");
    expect(first.body.map((x: { id: string }) => x.id)).toEqual(all.slice(0, 2));
    const link = first.headers.get("Link") ?? "";
    expect(link).toContain(`max_id=${all[1]}>; rel="next"`);
    expect(link).toContain(`min_id=${all[0]}>; rel="prev"`);
    expect((await list(`?max_id=${all[1]}&limit=2`)).body.map((x: { id: string }) => x.id)).toEqual(all.slice(2, 4));
    expect((await list(`?since_id=${all[4]}&limit=2`)).body.map((x: { id: string }) => x.id)).toEqual(all.slice(0, 2));
    expect((await list(`?min_id=${all[4]}&limit=2`)).body.map((x: { id: string }) => x.id)).toEqual(all.slice(2, 4));
  });

  it("gets one notification, only your own (someone else's is 404)", async () => {
    const [newest] = (await list()).body;
    const one = await api(pictor, "GET", `/api/v1/notifications/${newest.id}`, { token: alice.token });
    expect(one.status).toBe(200);
    expect(one.body.id).toBe(newest.id);
    const [davesOwn] = (await list("", dave.token)).body;
    expect(davesOwn.type).toBe("follow");
    expect((await api(pictor, "GET", `/api/v1/notifications/${davesOwn.id}`, { token: alice.token })).status).toBe(404);
    expect((await api(pictor, "POST", `/api/v1/notifications/${davesOwn.id}/dismiss`, { token: alice.token })).status).toBe(404);
    expect((await api(pictor, "GET", "/api/v1/notifications/not-an-id", { token: alice.token })).status).toBe(404);
    // dave's notification is still there.
    expect((await api(pictor, "GET", `/api/v1/notifications/${davesOwn.id}`, { token: dave.token })).status).toBe(200);
  });

  it("leaves out notifications whose post the reader may no longer see", async () => {
    const post = await local(carol.account, { caption: "psst @alice", visibility: "direct" });
    const [newest] = (await list()).body;
    expect(newest.status.id).toBe(post.post.id);
    expect(newest.status.visibility).toBe("direct");
    await pictor.posts.delete(carol.account, post.post.id);
    expect((await list()).body.map((x: { id: string }) => x.id)).not.toContain(newest.id);
    expect((await api(pictor, "GET", `/api/v1/notifications/${newest.id}`, { token: alice.token })).status).toBe(404);
  });

  it("counts unread notifications, by type too", async () => {
    const res = await api(pictor, "GET", "/api/v1/notifications/unread_count", { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body.count).toBeGreaterThanOrEqual(5);
    expect((await api(pictor, "GET", "/api/v1/notifications/unread_count?types[]=favourite", { token: alice.token })).body).toEqual({ count: 1 });
    expect((await api(pictor, "GET", "/api/v1/notifications/unread_count?limit=2", { token: alice.token })).body).toEqual({ count: 2 });
    expect((await api(pictor, "GET", "/api/v1/notifications/unread_count?limit=0", { token: alice.token })).status).toBe(422);
    // Read on the web: no longer unread.
    await pictor.notifications.markRead(alice.account.id);
    expect((await api(pictor, "GET", "/api/v1/notifications/unread_count", { token: alice.token })).body).toEqual({ count: 0 });
  });

  it("checks tokens and scopes", async () => {
    expect((await api(pictor, "GET", "/api/v1/notifications")).status).toBe(401);
    const readStatuses = await apiToken(pictor, alice.account, "read:statuses write:statuses");
    expect((await api(pictor, "GET", "/api/v1/notifications", { token: readStatuses })).status).toBe(403);
    const readOnly = await apiToken(pictor, alice.account, "read:notifications");
    expect((await api(pictor, "GET", "/api/v1/notifications", { token: readOnly })).status).toBe(200);
    expect((await api(pictor, "POST", "/api/v1/notifications/clear", { token: readOnly })).status).toBe(403);
  });

  it("dismisses one notification, then clears them all", async () => {
    const before = (await list()).body;
    const dismissed = await api(pictor, "POST", `/api/v1/notifications/${before[0].id}/dismiss`, { token: alice.token });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toEqual({});
    const after = (await list()).body;
    expect(after.map((x: { id: string }) => x.id)).toEqual(before.slice(1).map((x: { id: string }) => x.id));
    expect((await api(pictor, "POST", `/api/v1/notifications/${before[0].id}/dismiss`, { token: alice.token })).status).toBe(404);
    expect((await api(pictor, "POST", "/api/v1/notifications/clear", { token: alice.token })).status).toBe(200);
    expect((await list()).body).toEqual([]);
    // Only alice's: dave keeps his.
    expect((await list("", dave.token)).body.length).toBe(1);
  });
});
