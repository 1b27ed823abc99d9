import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor } from "../helpers/pictor.ts";
import { Client } from "./browser-client.ts";

// Issue #15: bookmarks on the web, grid markers, trending counts, and the avatar picker's images.

describe("bookmarks, profile grid markers, trending counts and the avatar picker", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let alice: AccountRow;
  let bob: AccountRow;
  let aliceClient: Client;
  let bobClient: Client;

  const signIn = async (username: string) => {
    const client = new Client(pictor);
    await client.page("/login");
    expect((await client.form("/login", { username, password: "correct horse battery" })).status).toBe(303);
    return client;
  };
  const create = async (author: AccountRow, caption: string, images = 1, extra: Record<string, unknown> = {}) => {
    const ids: string[] = [];
    for (let i = 0; i < images; i++) ids.push((await insertGeneratedMedia(pictor.db, author.id, `${caption} ${i}`)).id);
    return pictor.posts.create(author, { mediaIds: ids, caption, ...extra });
  };

  beforeAll(async () => {
    pictor = await startTestPictor();
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse battery" });
    bob = await pictor.accounts.createLocal({ username: "bob", password: "correct horse battery" });
    aliceClient = await signIn("alice");
    bobClient = await signIn("bob");
  });
  afterAll(() => pictor?.stop());

  it("bookmarks a post with a plain form or the script's JSON, lists it on /bookmarks for its owner only, and takes it back", async () => {
    const post = await create(alice, "Tide pools at noon");
    const secret = await create(alice, "Only for followers", 1, { visibility: "followers" });
    // The button is on the post in feeds, off at first.
    const before = (await bobClient.page("/explore")).html;
    expect(before).toMatch(new RegExp(`action="/posts/${post.post.id}/bookmark" data-inline="true">.*?name="action" value="do".*?aria-pressed="false">Bookmark</button>`, "s"));
    expect((await bobClient.page("/bookmarks")).html).toContain("No bookmarks yet");

    // Without JavaScript: a form post, back to where it was.
    const plain = await bobClient.form(`/posts/${post.post.id}/bookmark`, { action: "do" }, { Referer: "http://pictor.test/explore" });
    expect(plain.status).toBe(303);
    expect(plain.headers.get("location")).toBe("/explore");
    const list = (await bobClient.page("/bookmarks")).html;
    expect(list).toContain("Tide pools at noon");
    expect(list).toMatch(/aria-pressed="true">Bookmarked<\/button>/);
    // Private: alice's own list does not hold bob's bookmark, and a signed-out visitor is sent to log in.
    expect((await aliceClient.page("/bookmarks")).html).not.toContain("Tide pools at noon");
    expect((await new Client(pictor).request("/bookmarks")).status).toBe(303);
    // A post bob may not see cannot be bookmarked: as if it did not exist.
    expect((await bobClient.form(`/posts/${secret.post.id}/bookmark`, { action: "do" })).status).toBe(404);

    // With the script: JSON, the state to show.
    await bobClient.page("/bookmarks");
    const undo = await bobClient.form(`/posts/${post.post.id}/bookmark`, { action: "undo" }, { "X-Requested-With": "fetch", Accept: "application/json" });
    expect(await undo.json()).toEqual({ pressed: false, label: "Bookmark", next: "do" });
    expect((await bobClient.page("/bookmarks")).html).not.toContain("Tide pools at noon");
    // The profile page (the Me tab) links to the list.
    expect((await bobClient.page("/@bob")).html).toContain('href="/bookmarks"');
  });

  it("marks grid tiles of multi-image and non-public posts, with words for screen readers", async () => {
    await create(bob, "Three moons", 3);
    await create(bob, "For my followers", 1, { visibility: "followers" });
    await create(bob, "Plain public");
    await pictor.follows.follow(alice, bob);
    const { html } = await aliceClient.page("/@bob");
    const tiles = html.split('<a href="/@bob/').slice(1);
    expect(tiles).toHaveLength(3);
    // Newest first.
    const [plain, followers, three] = tiles;
    expect(plain).not.toContain("tile-mark");
    expect(followers).toMatch(/class="tile-mark">.*>Followers<\/span><span class="sr-only">, followers only<\/span>/s);
    expect(three).toMatch(/class="tile-mark">.*<span class="sr-only">, <\/span>3<span class="sr-only"> images<\/span>/s);
  });

  it("lists trending hashtags on Explore under a heading, with posts and people", async () => {
    await create(alice, "Morning #kites");
    await create(alice, "Evening #kites");
    await create(bob, "Also #kites");
    await create(bob, "Only #boats");
    const { html } = await bobClient.page("/explore");
    expect(html).toContain('<h2 id="trending-title">Trending hashtags</h2>');
    expect(html).toMatch(/href="\/tags\/kites">#kites<\/a> <span class="muted">3 posts by 2 people<\/span>/);
    expect(html).toMatch(/href="\/tags\/boats">#boats<\/a> <span class="muted">1 post by 1 person<\/span>/);
  });

  it("offers the images one posted as avatar tiles: each picture once, none that were never posted", async () => {
    const carol = await pictor.accounts.createLocal({ username: "carol", password: "correct horse battery" });
    const client = await signIn("carol");
    expect((await client.page("/settings")).html).toContain("Images you post show up here");
    const sha = "ab".repeat(32);
    const same = { sha256: sha, file_key: `${sha}.jpg`, webp_key: `${sha}.webp`, thumb_key: `${sha}.thumb.webp` };
    const first = await insertGeneratedMedia(pictor.db, carol.id, "a red kite", same);
    const again = await insertGeneratedMedia(pictor.db, carol.id, "a red kite", same);
    const other = await insertGeneratedMedia(pictor.db, carol.id, "a blue boat");
    const unposted = await insertGeneratedMedia(pictor.db, carol.id, "never posted");
    await pictor.posts.create(carol, { mediaIds: [first.id], caption: "kite" });
    await pictor.posts.create(carol, { mediaIds: [again.id], caption: "kite again" });
    await pictor.posts.create(carol, { mediaIds: [other.id], caption: "boat" });
    const { html } = await client.page("/settings");
    const avatar = html.slice(html.indexOf("picker-avatar"), html.indexOf("picker-header"));
    const values = [...avatar.matchAll(/type="radio" name="avatar" value="([^"]*)"/g)].map((m) => m[1]);
    // "Current" (keep: none yet), then the posted pictures, newest first, the kite once.
    expect(values).toEqual(["", other.id, again.id]);
    expect(avatar).not.toContain(unposted.id);
    expect(avatar).toContain("a blue boat");
    // Picking one sets it; the tile then shows as the current one, and None appears.
    await client.form("/settings", { display_name: "Carol", bio: "", avatar: other.id, header: "" });
    const after = (await client.page("/settings")).html;
    const picked = after.slice(after.indexOf("picker-avatar"), after.indexOf("picker-header"));
    expect([...picked.matchAll(/type="radio" name="avatar" value="([^"]*)"/g)].map((m) => m[1])).toEqual(["", "none", again.id]);
    expect(picked).toContain(`src="${pictor.urls.media(other.webp_key!).href}"`);

    // Uploads are allowed here (UPLOADS): a file of one's own, through the same image pipeline.
    expect(picked).toContain('type="file" accept="image/png,image/jpeg,image/webp,image/avif"');
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#3366cc" } }).png().toBuffer();
    const form = new FormData();
    for (const [k, v] of Object.entries({ _csrf: client.csrf, display_name: "Carol", bio: "", avatar: "", header: "" })) form.set(k, v);
    form.set("avatar_file", new File([new Uint8Array(png)], "me.png", { type: "image/png" }));
    const uploaded = await client.request("/settings", { method: "POST", body: form });
    expect(await uploaded.text()).toContain("Saved.");
    const url = (await pictor.accounts.getLocalByUsername("carol"))!.avatar_url;
    expect(url).toMatch(/^http:\/\/pictor\.test\/media\/[0-9a-f]{64}\.webp$/);
    expect(url).not.toBe(pictor.urls.media(other.webp_key!).href);
    expect((await pictor.http.request(url!)).headers.get("content-type")).toBe("image/webp");
  });
});
