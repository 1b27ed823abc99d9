import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { LocalAccount } from "../../src/domain/accounts.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { newId, nowIso } from "../../src/storage/time.ts";
import { api, apiToken, apiUser } from "../helpers/api.ts";
import { remoteAccount, remotePost } from "../helpers/fixtures.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor, waitFor } from "../helpers/pictor.ts";

/** The `rel` links of a Link header, by rel. */
function links(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (header ?? "").matchAll(/<([^>]+)>;\s*rel="(\w+)"/g)) out[m[2]] = m[1];
  return out;
}
const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

/**
 * The client API's accounts: the signed-in account (credentials, profile
 * edits with uploaded images), other accounts and their statuses through the
 * visibility rule, relationships and what changes them, follow requests, and
 * the viewer's lists (blocks, mutes, favourites, bookmarks), paged with Link headers.
 */
describe("accounts API", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let alice: { account: LocalAccount; token: string };
  let bob: { account: LocalAccount; token: string };
  let carol: { account: LocalAccount; token: string };
  let readOnly: string;
  let bobPublic: PostDetails;
  let bobSecret: PostDetails;
  let bobSelfReply: PostDetails;
  let bobReplyToAlice: PostDetails;
  let bobTagged: PostDetails;
  let bobCaptionOnly: PostDetails;
  let alicePost: PostDetails;
  let remote: AccountRow;

  const post = async (author: AccountRow, caption: string, extra: Record<string, unknown> = {}) =>
    pictor.posts.create(author, { caption, mediaIds: [(await insertGeneratedMedia(pictor.db, author.id, caption)).id], ...extra });

  beforeAll(async () => {
    pictor = await startTestPictor();
    alice = await apiUser(pictor, "alice", "read write follow", { admin: true });
    bob = await apiUser(pictor, "bob");
    carol = await apiUser(pictor, "carol", "read write follow", { locked: true });
    readOnly = await apiToken(pictor, alice.account, "read:statuses");
    alicePost = await post(alice.account, "Alice's lighthouse");
    bobPublic = await post(bob.account, "Bob's kite");
    bobSecret = await post(bob.account, "Bob's secret garden", { visibility: "followers" });
    bobSelfReply = await post(bob.account, "More kites", { inReplyTo: bobPublic.post.iri });
    bobReplyToAlice = await post(bob.account, "Nice lighthouse", { inReplyTo: alicePost.post.iri });
    bobTagged = await post(bob.account, "Evening #sunset");
    remote = await pictor.accounts.upsertRemote(remoteAccount("rita", { display_name: "Rita Remote" }));
    // A post without images (stored from another server) for only_media.
    bobCaptionOnly = (await pictor.posts.receiveRemote(remote, remotePost("https://remote.example/users/rita/statuses/1", { contentHtml: "<p>words only</p>" })))!;
  });
  afterAll(async () => {
    await pictor?.stop();
  });

  describe("credentials", () => {
    it("answers the signed-in account with its source; 401 without or with a bad token, 403 without the scope", async () => {
      expect((await api(pictor, "GET", "/api/v1/accounts/verify_credentials")).status).toBe(401);
      const bad = await api(pictor, "GET", "/api/v1/accounts/verify_credentials", { token: "nonsense" });
      expect(bad.status).toBe(401);
      expect(bad.body.error).toBeTypeOf("string");
      const forbidden = await api(pictor, "GET", "/api/v1/accounts/verify_credentials", { token: readOnly });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body).toEqual({ error: expect.any(String) });

      const profileOnly = await apiToken(pictor, alice.account, "profile");
      const res = await api(pictor, "GET", "/api/v1/accounts/verify_credentials", { token: profileOnly });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: alice.account.id, username: "alice", acct: "alice", locked: false, source: { privacy: "public", sensitive: false, note: "", fields: [], follow_requests_count: 0 } });
      expect(res.body.url).toBe("http://pictor.test/@alice");
    });

    it("edits the profile and default visibility, federating an Update; bad input is 422", async () => {
      const updates: string[] = [];
      pictor.events.on("account.updated", ({ account }) => {
        updates.push(account.display_name);
      });
      const form = new FormData();
      form.set("display_name", "Alice A.");
      form.set("note", "I draw <lighthouses>.\n\nAnd kites.");
      form.set("source[privacy]", "unlisted");
      const res = await api(pictor, "PATCH", "/api/v1/accounts/update_credentials", { token: alice.token, form });
      expect(res.status).toBe(200);
      expect(res.body.display_name).toBe("Alice A.");
      expect(res.body.note).toBe("<p>I draw &lt;lighthouses&gt;.</p><p>And kites.</p>");
      expect(res.body.source).toMatchObject({ privacy: "unlisted", note: "I draw <lighthouses>.\n\nAnd kites." });
      await waitFor(() => updates.includes("Alice A."), 5000, "account.updated");
      expect((await pictor.accounts.preferences(alice.account.id)).defaultVisibility).toBe("unlisted");

      // JSON works too, and a field left out keeps its value.
      const locked = await api(pictor, "PATCH", "/api/v1/accounts/update_credentials", { token: alice.token, json: { locked: true, source: { privacy: "public" } } });
      expect(locked.body).toMatchObject({ locked: true, display_name: "Alice A.", source: { privacy: "public", note: "I draw <lighthouses>.\n\nAnd kites." } });
      await api(pictor, "PATCH", "/api/v1/accounts/update_credentials", { token: alice.token, json: { locked: false } });

      for (const json of [{ source: { privacy: "secret" } }, { display_name: "x".repeat(101) }, { locked: "maybe" }, { avatar: "https://example.com/a.png" }]) {
        const bad = await api(pictor, "PATCH", "/api/v1/accounts/update_credentials", { token: alice.token, json });
        expect(bad.status, JSON.stringify(json)).toBe(422);
        expect(bad.body.error).toMatch(/Validation failed/);
      }
      expect((await api(pictor, "PATCH", "/api/v1/accounts/update_credentials", { token: readOnly, json: { note: "x" } })).status).toBe(403);
    });

    it("takes an avatar and a header through the media pipeline, and refuses what is not an image", async () => {
      const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#c33" } })
        .png()
        .withMetadata({ exif: { IFD0: { Copyright: "secret camera owner" } } })
        .toBuffer();
      const form = new FormData();
      form.set("avatar", new Blob([new Uint8Array(png)], { type: "image/png" }), "me.png");
      form.set("header", new Blob([new Uint8Array(png)], { type: "image/png" }), "header.png");
      const res = await api(pictor, "PATCH", "/api/v1/accounts/update_credentials", { token: alice.token, form });
      expect(res.status).toBe(200);
      expect(res.body.avatar).toMatch(/^http:\/\/pictor\.test\/media\/.+\.webp$/);
      expect(res.body.header).toMatch(/^http:\/\/pictor\.test\/media\/.+\.webp$/);
      const image = await pictor.http.request(res.body.avatar);
      expect(image.status).toBe(200);
      const bytes = Buffer.from(await image.arrayBuffer());
      expect((await sharp(bytes).metadata()).format).toBe("webp");
      expect(bytes.includes(Buffer.from("secret camera owner"))).toBe(false);

      const junk = new FormData();
      junk.set("avatar", new Blob([new TextEncoder().encode("not an image at all")], { type: "image/png" }), "x.png");
      const refused = await api(pictor, "PATCH", "/api/v1/accounts/update_credentials", { token: alice.token, form: junk });
      expect(refused.status).toBe(422);

      const removed = await api(pictor, "DELETE", "/api/v1/profile/header", { token: alice.token });
      expect(removed.status).toBe(200);
      expect(removed.body.header).toBe("http://pictor.test/assets/missing-header.png");
      expect(removed.body.avatar).toBe(res.body.avatar);
    });
  });

  describe("other accounts", () => {
    it("shows an account by id or handle; unknown, suspended and blocked-domain ones are 404", async () => {
      const res = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: bob.account.id, username: "bob", acct: "bob", statuses_count: 5, followers_count: 0 });
      expect((await api(pictor, "GET", `/api/v1/accounts/${remote.id}`, { token: alice.token })).body.acct).toBe("rita@remote.example");
      expect((await api(pictor, "GET", "/api/v1/accounts/01900000-0000-7000-8000-000000000000")).status).toBe(404);
      expect((await api(pictor, "GET", "/api/v1/accounts/nonsense")).body).toEqual({ error: "Record not found" });

      for (const acct of ["bob", "@bob", "bob@pictor.test"]) {
        const found = await api(pictor, "GET", `/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`);
        expect(found.status, acct).toBe(200);
        expect(found.body.id).toBe(bob.account.id);
      }
      expect((await api(pictor, "GET", "/api/v1/accounts/lookup?acct=rita@remote.example")).body.id).toBe(remote.id);
      expect((await api(pictor, "GET", "/api/v1/accounts/lookup?acct=nobody")).status).toBe(404);
      expect((await api(pictor, "GET", "/api/v1/accounts/lookup")).status).toBe(422);

      const sam = await apiUser(pictor, "sam");
      await pictor.accounts.setSuspended(sam.account, true);
      expect((await api(pictor, "GET", `/api/v1/accounts/${sam.account.id}`)).status).toBe(404);
      expect((await api(pictor, "GET", "/api/v1/accounts/lookup?acct=sam")).status).toBe(404);

      const evil = await pictor.accounts.upsertRemote(remoteAccount("eve", { iri: "https://evil.example/users/eve", domain: "evil.example" }));
      expect((await api(pictor, "GET", `/api/v1/accounts/${evil.id}`)).status).toBe(200);
      await pictor.moderation.blockDomain("evil.example");
      expect((await api(pictor, "GET", `/api/v1/accounts/${evil.id}`)).status).toBe(404);
      expect((await api(pictor, "POST", `/api/v1/accounts/${evil.id}/follow`, { token: alice.token })).status).toBe(404);
    });

    it("lists an account's statuses the viewer may see, with filters", async () => {
      const ids = (body: Array<{ id: string }>) => body.map((s) => s.id);
      const anonymous = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses`);
      expect(anonymous.status).toBe(200);
      expect(ids(anonymous.body)).toEqual([bobTagged, bobReplyToAlice, bobSelfReply, bobPublic].map((d) => d.post.id));
      // A non-follower never sees the followers-only post; a follower does.
      const asAlice = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses`, { token: alice.token });
      expect(ids(asAlice.body)).not.toContain(bobSecret.post.id);
      expect(ids((await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses`, { token: bob.token })).body)).toContain(bobSecret.post.id);

      const noReplies = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses?exclude_replies=true`);
      expect(ids(noReplies.body)).toEqual([bobTagged, bobSelfReply, bobPublic].map((d) => d.post.id));
      const tagged = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses?tagged=sunset`);
      expect(ids(tagged.body)).toEqual([bobTagged.post.id]);
      expect(tagged.body[0].tags).toEqual([{ name: "sunset", url: "http://pictor.test/tags/sunset" }]);

      const ritaAll = await api(pictor, "GET", `/api/v1/accounts/${remote.id}/statuses`);
      expect(ids(ritaAll.body)).toEqual([bobCaptionOnly.post.id]);
      expect((await api(pictor, "GET", `/api/v1/accounts/${remote.id}/statuses?only_media=1`)).body).toEqual([]);

      await pictor.db.kysely.insertInto("pins").values({ account_id: bob.account.id, post_id: bobPublic.post.id, created_at: nowIso() }).execute();
      await pictor.db.kysely.insertInto("pins").values({ account_id: bob.account.id, post_id: bobSecret.post.id, created_at: nowIso() }).execute();
      const pinned = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses?pinned=true`, { token: alice.token });
      expect(ids(pinned.body)).toEqual([bobPublic.post.id]);
      // `pinned` is the viewer's own mark: bob sees both his pins as pinned.
      const own = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses?pinned=true`, { token: bob.token });
      expect(new Set(ids(own.body))).toEqual(new Set([bobPublic.post.id, bobSecret.post.id]));
      expect(own.body.every((s: { pinned: boolean }) => s.pinned)).toBe(true);
      expect(own.headers.get("link")).toBeNull();

      expect((await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses?only_media=perhaps`)).status).toBe(422);
      expect((await api(pictor, "GET", "/api/v1/accounts/01900000-0000-7000-8000-000000000000/statuses")).status).toBe(404);
    });

    it("includes the account's boosts unless exclude_reblogs", async () => {
      await pictor.interactions.act("boost", bob.account, alicePost);
      const all = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses?limit=2`);
      expect(all.body[0].reblog.id).toBe(alicePost.post.id);
      expect(all.body[0].account.id).toBe(bob.account.id);
      const without = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses?exclude_reblogs=true&limit=2`);
      expect(without.body.every((s: { reblog: unknown }) => s.reblog === null)).toBe(true);
      await pictor.interactions.undo("boost", bob.account, alicePost);
    });

    it("pages statuses with Link headers (max_id, min_id, since_id)", async () => {
      const first = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses?limit=2`);
      expect(first.body.map((s: { id: string }) => s.id)).toEqual([bobTagged.post.id, bobReplyToAlice.post.id]);
      const l = links(first.headers.get("link"));
      expect(l.next).toContain(`max_id=${bobReplyToAlice.post.id}`);
      expect(l.prev).toContain(`min_id=${bobTagged.post.id}`);
      expect(l.next).toContain("limit=2");
      const second = await api(pictor, "GET", pathOf(l.next));
      expect(second.body.map((s: { id: string }) => s.id)).toEqual([bobSelfReply.post.id, bobPublic.post.id]);
      const third = await api(pictor, "GET", pathOf(links(second.headers.get("link")).next));
      expect(third.body).toEqual([]);
      expect(third.headers.get("link")).toBeNull();
      // min_id: the oldest newer ones, still newest first.
      const newer = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses?min_id=${bobPublic.post.id}&limit=2`);
      expect(newer.body.map((s: { id: string }) => s.id)).toEqual([bobReplyToAlice.post.id, bobSelfReply.post.id]);
      const since = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses?since_id=${bobPublic.post.id}&limit=2`);
      expect(since.body.map((s: { id: string }) => s.id)).toEqual([bobTagged.post.id, bobReplyToAlice.post.id]);
    });
  });

  describe("relationships", () => {
    it("follows, unfollows, blocks, mutes, answering with the relationship; 404 for unknown ids, 403 without the scope", async () => {
      const bobId = bob.account.id;
      const followed = await api(pictor, "POST", `/api/v1/accounts/${bobId}/follow`, { token: alice.token });
      expect(followed.status).toBe(200);
      expect(followed.body).toMatchObject({ id: bobId, following: true, requested: false, followed_by: false, blocking: false, muting: false });
      const rel = await api(pictor, "GET", `/api/v1/accounts/relationships?id[]=${bobId}&id[]=${carol.account.id}&id[]=01900000-0000-7000-8000-000000000000`, { token: alice.token });
      expect(rel.body.map((r: { id: string }) => r.id)).toEqual([bobId, carol.account.id]);
      expect(rel.body[0].following).toBe(true);
      expect(rel.body[1].following).toBe(false);
      const fromBob = await api(pictor, "GET", `/api/v1/accounts/relationships?id=${alice.account.id}`, { token: bob.token });
      expect(fromBob.body[0]).toMatchObject({ followed_by: true, following: false });

      expect((await api(pictor, "POST", `/api/v1/accounts/${bobId}/unfollow`, { token: alice.token })).body.following).toBe(false);
      const muted = await api(pictor, "POST", `/api/v1/accounts/${bobId}/mute`, { token: alice.token });
      expect(muted.body).toMatchObject({ muting: true, muting_notifications: true });
      expect((await api(pictor, "POST", `/api/v1/accounts/${bobId}/unmute`, { token: alice.token })).body.muting).toBe(false);
      const blocked = await api(pictor, "POST", `/api/v1/accounts/${bobId}/block`, { token: alice.token });
      expect(blocked.body).toMatchObject({ blocking: true, following: false });
      // Blocked either way: the profile is hidden from both, but the blocker can still unblock.
      expect((await api(pictor, "GET", `/api/v1/accounts/${alice.account.id}`, { token: bob.token })).status).toBe(404);
      expect((await api(pictor, "GET", `/api/v1/accounts/relationships?id=${alice.account.id}`, { token: bob.token })).body[0].blocked_by).toBe(true);
      expect((await api(pictor, "POST", `/api/v1/accounts/${alice.account.id}/follow`, { token: bob.token })).status).toBe(403);
      expect((await api(pictor, "POST", `/api/v1/accounts/${bobId}/unblock`, { token: alice.token })).body.blocking).toBe(false);

      expect((await api(pictor, "POST", "/api/v1/accounts/01900000-0000-7000-8000-000000000000/follow", { token: alice.token })).status).toBe(404);
      expect((await api(pictor, "POST", `/api/v1/accounts/${alice.account.id}/follow`, { token: alice.token })).status).toBe(422);
      expect((await api(pictor, "POST", `/api/v1/accounts/${bobId}/follow`, { token: readOnly })).status).toBe(403);
      expect((await api(pictor, "POST", `/api/v1/accounts/${bobId}/follow`)).status).toBe(401);
      expect((await api(pictor, "GET", `/api/v1/accounts/relationships?id=${bobId}`, { token: readOnly })).status).toBe(403);
    });

    it("asks a locked account, which lists and answers the request by the requester's account id", async () => {
      const asked = await api(pictor, "POST", `/api/v1/accounts/${carol.account.id}/follow`, { token: alice.token });
      expect(asked.body).toMatchObject({ following: false, requested: true });
      await api(pictor, "POST", `/api/v1/accounts/${carol.account.id}/follow`, { token: bob.token });
      const requests = await api(pictor, "GET", "/api/v1/follow_requests?limit=1", { token: carol.token });
      expect(requests.body.map((a: { id: string }) => a.id)).toEqual([bob.account.id]);
      const next = await api(pictor, "GET", pathOf(links(requests.headers.get("link")).next), { token: carol.token });
      expect(next.body.map((a: { id: string }) => a.id)).toEqual([alice.account.id]);
      expect((await api(pictor, "GET", "/api/v1/accounts/verify_credentials", { token: carol.token })).body.source.follow_requests_count).toBe(2);

      const ok = await api(pictor, "POST", `/api/v1/follow_requests/${alice.account.id}/authorize`, { token: carol.token });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ id: alice.account.id, followed_by: true, requested_by: false });
      const no = await api(pictor, "POST", `/api/v1/follow_requests/${bob.account.id}/reject`, { token: carol.token });
      expect(no.body).toMatchObject({ followed_by: false, requested_by: false });
      // Nothing pending any more; someone else's request is not yours to answer.
      expect((await api(pictor, "POST", `/api/v1/follow_requests/${bob.account.id}/authorize`, { token: carol.token })).status).toBe(404);
      expect((await api(pictor, "POST", `/api/v1/follow_requests/${carol.account.id}/authorize`, { token: alice.token })).status).toBe(404);
      expect((await api(pictor, "GET", `/api/v1/accounts/relationships?id=${carol.account.id}`, { token: alice.token })).body[0].following).toBe(true);
      expect((await api(pictor, "GET", "/api/v1/follow_requests", { token: readOnly })).status).toBe(403);
    });

    it("pages followers and following with Link headers", async () => {
      const dan = await apiUser(pictor, "dan");
      const eve = await apiUser(pictor, "eveline");
      for (const who of [dan, eve, bob]) await api(pictor, "POST", `/api/v1/accounts/${carol.account.id}/follow`, { token: who.token });
      for (const who of [dan, eve, bob]) await api(pictor, "POST", `/api/v1/follow_requests/${who.account.id}/authorize`, { token: carol.token });
      const page = await api(pictor, "GET", `/api/v1/accounts/${carol.account.id}/followers?limit=2`);
      expect(page.status).toBe(200);
      expect(page.body.map((a: { username: string }) => a.username)).toEqual(["bob", "eveline"]);
      const rest = await api(pictor, "GET", pathOf(links(page.headers.get("link")).next));
      expect(rest.body.map((a: { username: string }) => a.username)).toEqual(["dan", "alice"]);
      const back = await api(pictor, "GET", pathOf(links(rest.headers.get("link")).prev));
      expect(back.body.map((a: { username: string }) => a.username)).toEqual(["bob", "eveline"]);
      const following = await api(pictor, "GET", `/api/v1/accounts/${dan.account.id}/following`);
      expect(following.body.map((a: { username: string }) => a.username)).toEqual(["carol"]);
      expect((await api(pictor, "GET", "/api/v1/accounts/01900000-0000-7000-8000-000000000000/followers")).status).toBe(404);
    });

    it("searches accounts by handle and name", async () => {
      const found = await api(pictor, "GET", "/api/v1/accounts/search?q=rit", { token: alice.token });
      expect(found.body.map((a: { acct: string }) => a.acct)).toEqual(["rita@remote.example"]);
      const byName = await api(pictor, "GET", "/api/v1/accounts/search?q=remote", { token: alice.token });
      expect(byName.body.map((a: { id: string }) => a.id)).toContain(remote.id);
      const byHandle = await api(pictor, "GET", "/api/v1/accounts/search?q=%40rita%40remote", { token: alice.token });
      expect(byHandle.body.map((a: { id: string }) => a.id)).toEqual([remote.id]);
      expect((await api(pictor, "GET", "/api/v1/accounts/search?q=%25", { token: alice.token })).body).toEqual([]);
      const followed = await api(pictor, "GET", "/api/v1/accounts/search?q=c&following=true", { token: alice.token });
      expect(followed.body.map((a: { username: string }) => a.username)).toEqual(["carol"]);
      expect((await api(pictor, "GET", "/api/v1/accounts/search", { token: alice.token })).status).toBe(422);
      expect((await api(pictor, "GET", "/api/v1/accounts/search?q=bob&limit=500", { token: alice.token })).status).toBe(422);
      expect((await api(pictor, "GET", "/api/v1/accounts/search?q=bob")).status).toBe(401);
    });
  });

  describe("the viewer's lists", () => {
    it("lists blocks and mutes, paged", async () => {
      const fay = await apiUser(pictor, "fay");
      for (const id of [bob.account.id, carol.account.id, remote.id]) await api(pictor, "POST", `/api/v1/accounts/${id}/block`, { token: fay.token });
      await api(pictor, "POST", `/api/v1/accounts/${bob.account.id}/mute`, { token: fay.token });
      const blocks = await api(pictor, "GET", "/api/v1/blocks?limit=2", { token: fay.token });
      expect(blocks.body.map((a: { id: string }) => a.id)).toEqual([remote.id, carol.account.id]);
      const rest = await api(pictor, "GET", pathOf(links(blocks.headers.get("link")).next), { token: fay.token });
      expect(rest.body.map((a: { id: string }) => a.id)).toEqual([bob.account.id]);
      expect((await api(pictor, "GET", "/api/v1/mutes", { token: fay.token })).body.map((a: { id: string }) => a.id)).toEqual([bob.account.id]);
      expect((await api(pictor, "GET", "/api/v1/blocks", { token: readOnly })).status).toBe(403);
      expect((await api(pictor, "GET", "/api/v1/mutes")).status).toBe(401);
    });

    it("lists favourites and bookmarks the viewer may still see, paged; a followers-only post goes when the follow ends", async () => {
      const gus = await apiUser(pictor, "gus");
      await api(pictor, "POST", `/api/v1/accounts/${bob.account.id}/follow`, { token: gus.token });
      for (const d of [bobPublic, bobSecret, bobTagged]) {
        await pictor.interactions.act("like", gus.account, d);
        await pictor.db.kysely.insertInto("bookmarks").values({ id: newId(), account_id: gus.account.id, post_id: d.post.id, created_at: nowIso() }).execute();
      }
      for (const path of ["/api/v1/favourites", "/api/v1/bookmarks"]) {
        const all = await api(pictor, "GET", path, { token: gus.token });
        expect(all.status, path).toBe(200);
        expect(all.body.map((s: { id: string }) => s.id)).toEqual([bobTagged, bobSecret, bobPublic].map((d) => d.post.id));
        expect(all.body[0][path.endsWith("favourites") ? "favourited" : "bookmarked"]).toBe(true);
        const page = await api(pictor, "GET", `${path}?limit=1`, { token: gus.token });
        expect(page.body.map((s: { id: string }) => s.id)).toEqual([bobTagged.post.id]);
        const next = await api(pictor, "GET", pathOf(links(page.headers.get("link")).next), { token: gus.token });
        expect(next.body.map((s: { id: string }) => s.id)).toEqual([bobSecret.post.id]);
      }
      await api(pictor, "POST", `/api/v1/accounts/${bob.account.id}/unfollow`, { token: gus.token });
      for (const path of ["/api/v1/favourites", "/api/v1/bookmarks"]) {
        const after = await api(pictor, "GET", path, { token: gus.token });
        expect(after.body.map((s: { id: string }) => s.id), path).toEqual([bobTagged, bobPublic].map((d) => d.post.id));
        expect(JSON.stringify(after.body)).not.toContain("secret garden");
      }
      // Nor in bob's statuses for the non-follower.
      const statuses = await api(pictor, "GET", `/api/v1/accounts/${bob.account.id}/statuses?limit=40`, { token: gus.token });
      expect(statuses.body.map((s: { id: string }) => s.id)).not.toContain(bobSecret.post.id);
      expect((await api(pictor, "GET", "/api/v1/favourites", { token: readOnly })).status).toBe(403);
      expect((await api(pictor, "GET", "/api/v1/bookmarks")).status).toBe(401);
    });
  });
});
