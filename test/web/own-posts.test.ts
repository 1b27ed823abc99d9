import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor } from "../helpers/pictor.ts";
import { Client } from "./browser-client.ts";

// Issue #15: editing and deleting one's own posts on the web, the landing page,
// avatars beside names, and the context of replies and remixes.

describe("own posts, the landing page, avatars and reply context", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let alice: AccountRow;
  let eve: AccountRow;
  let aliceClient: Client;
  let eveClient: Client;
  let post: PostDetails;
  let hidden: PostDetails;
  const missingId = "01900000-0000-7000-8000-000000000000";
  const clean = (html: string) => html.replace(/nonce="[^"]+"|name="_csrf" value="[^"]+"|nonce-[A-Za-z0-9+/=]+/g, "");

  const signIn = async (username: string) => {
    const client = new Client(pictor);
    await client.page("/login");
    expect((await client.form("/login", { username, password: "correct horse battery" })).status).toBe(303);
    return client;
  };
  const create = async (author: AccountRow, caption: string, extra: Record<string, unknown> = {}) =>
    pictor.posts.create(author, { mediaIds: [(await insertGeneratedMedia(pictor.db, author.id, `prompt of ${caption}`)).id], caption, ...extra });

  beforeAll(async () => {
    pictor = await startTestPictor();
    alice = await pictor.accounts.createLocal({ username: "alice", password: "correct horse battery", admin: true });
    eve = await pictor.accounts.createLocal({ username: "eve", password: "correct horse battery" });
    post = await create(alice, "A harbour at dawn");
    hidden = await create(alice, "followers only", { visibility: "followers" });
    aliceClient = await signIn("alice");
    eveClient = await signIn("eve");
  });
  afterAll(() => pictor?.stop());

  it("shows Edit and Delete on the post's page to its author only", async () => {
    const own = (await aliceClient.page(`/@alice/${post.post.id}`)).html;
    expect(own).toContain(`href="/posts/${post.post.id}/edit"`);
    expect(own).toContain(`action="/posts/${post.post.id}/delete"`);
    // Delete leads to the page that asks (without JavaScript), or opens the same question in a <dialog>: two presses either way.
    expect(own).toContain(`<a class="button" href="/posts/${post.post.id}/delete" data-dialog="delete-${post.post.id}">Delete</a>`);
    expect(own).toMatch(/<dialog class="confirm" id="delete-[^"]+"[^>]*>.*<form method="post" action="\/posts\/[^"]+\/delete">.*name="confirm" value="1".*Delete for good.*<\/dialog>/s);
    // Feeds do not carry them.
    expect((await aliceClient.page("/")).html).not.toContain("/delete");
    for (const client of [eveClient, new Client(pictor)]) {
      const html = (await client.page(`/@alice/${post.post.id}`)).html;
      expect(html).not.toContain("/edit");
      expect(html).not.toContain("/delete");
    }
  });

  it("edits caption, content warning, sensitivity and alt text through the post service", async () => {
    const { html } = await aliceClient.page(`/posts/${post.post.id}/edit`);
    const mediaId = post.media[0].id;
    expect(html).toContain("A harbour at dawn");
    expect(html).toContain(`name="alt_${mediaId}"`);
    // A content warning over 500 characters is refused, and what was typed stays.
    const bad = await aliceClient.form(`/posts/${post.post.id}/edit`, { caption: "kept text", summary: "x".repeat(501), [`alt_${mediaId}`]: "boats" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("kept text");
    const ok = await aliceClient.form(`/posts/${post.post.id}/edit`, { caption: "A harbour at dusk", summary: "bright light", sensitive: "1", show_prompt: "1", [`alt_${mediaId}`]: "Boats in a harbour at dusk" });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe(`/@alice/${post.post.id}`);
    const edited = (await pictor.posts.details(post.post.id))!;
    expect(edited.post.caption).toBe("A harbour at dusk");
    expect(edited.post.summary).toBe("bright light");
    expect(edited.post.sensitive).toBe(1);
    expect(edited.post.updated_at).not.toBeNull();
    expect(edited.media[0].alt).toBe("Boats in a harbour at dusk");
    const page = (await aliceClient.page(`/@alice/${post.post.id}`)).html;
    expect(page).toContain("bright light");
    expect(page).toContain("Boats in a harbour at dusk");
  });

  it("refuses others (403) and answers for a hidden post exactly as for a missing one (404)", async () => {
    for (const path of ["edit", "delete"]) {
      expect((await eveClient.request(`/posts/${post.post.id}/${path}`)).status).toBe(403);
      expect((await eveClient.form(`/posts/${post.post.id}/${path}`, { caption: "pwned", confirm: "1" })).status).toBe(403);
      const missing = await eveClient.form(`/posts/${missingId}/${path}`, { caption: "pwned", confirm: "1" });
      const secret = await eveClient.form(`/posts/${hidden.post.id}/${path}`, { caption: "pwned", confirm: "1" });
      expect(missing.status).toBe(404);
      expect(secret.status).toBe(404);
      expect(clean(await secret.text())).toBe(clean(await missing.text()).replaceAll(missingId, hidden.post.id));
      // Signed out: to the login page.
      expect((await new Client(pictor).request(`/posts/${post.post.id}/${path}`)).status).toBe(303);
    }
    // A forged or missing token is refused, as on every form.
    expect((await aliceClient.form(`/posts/${post.post.id}/delete`, { confirm: "1", _csrf: "forged-token-forged-token" })).status).toBe(403);
    const after = (await pictor.posts.details(post.post.id))!;
    expect(after.post.caption).toBe("A harbour at dusk");
    expect(after.post.deleted_at).toBeNull();
    expect((await pictor.posts.details(hidden.post.id))!.post.caption).toBe("followers only");
  });

  it("deletes only after the confirming press, then goes to the profile", async () => {
    const victim = await create(alice, "To be deleted");
    // Without the confirming field: the page that asks.
    const ask = await aliceClient.form(`/posts/${victim.post.id}/delete`, {});
    expect(ask.status).toBe(303);
    expect(ask.headers.get("location")).toBe(`/posts/${victim.post.id}/delete`);
    const { html } = await aliceClient.page(`/posts/${victim.post.id}/delete`);
    expect(html).toContain("Delete this post?");
    expect((await pictor.posts.details(victim.post.id))!.post.deleted_at).toBeNull();
    const done = await aliceClient.form(`/posts/${victim.post.id}/delete`, { confirm: "1" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/@alice");
    expect((await pictor.posts.details(victim.post.id))!.post.deleted_at).not.toBeNull();
    expect((await aliceClient.request(`/@alice/${victim.post.id}`)).status).toBe(410);
  });

  it("greets logged-out visitors at / with the server's name, a sample of images and the ways in", async () => {
    const sample = await create(alice, "A public tide pool");
    const anonymous = new Client(pictor);
    const res = await anonymous.request("/");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>Pictor</h1>");
    expect(html).toContain("is a Pictor server");
    expect(html).toContain('href="/login"');
    // Registrations are closed by default: no Sign up.
    expect(html).not.toContain('href="/signup"');
    // Public images only: a followers-only one is not in the sample.
    expect(html).toContain(`href="/@alice/${sample.post.id}"`);
    // Posts behind a content warning or marked sensitive stay out of the sample.
    expect(html).not.toContain(post.post.id);
    expect(html).not.toContain(hidden.post.id);
    expect(html).not.toContain("followers only");
    await pictor.instance.setRegistrations("open");
    expect(await (await anonymous.request("/")).text()).toContain('href="/signup"');
    expect(await (await anonymous.request("/login")).text()).toContain('href="/signup"');
    await pictor.instance.setRegistrations("invite");
    expect(await (await anonymous.request("/")).text()).not.toContain('href="/signup"');
    await pictor.instance.setRegistrations("closed");
    // Signed in, / is still the home feed.
    const home = (await aliceClient.page("/")).html;
    expect(home).toContain("<h1>Home</h1>");
  });

  it("shows avatars beside names (a placeholder without one) and on the profile with its header", async () => {
    const feed = (await eveClient.page("/explore")).html;
    expect(feed).toMatch(/<span class="avatar avatar-sm avatar-none" aria-hidden="true">A<\/span>/);
    await pictor.db.kysely.updateTable("accounts").set({ avatar_url: "http://pictor.test/media/alice-avatar.webp", header_url: "http://pictor.test/media/alice-header.webp" }).where("id", "=", alice.id).execute();
    const withAvatar = (await eveClient.page("/explore")).html;
    expect(withAvatar).toContain('<img class="avatar avatar-sm" src="http://pictor.test/media/alice-avatar.webp"');
    const profile = (await eveClient.page("/@alice")).html;
    expect(profile).toContain('<img class="profile-header" src="http://pictor.test/media/alice-header.webp"');
    expect(profile).toContain('<img class="avatar avatar-lg" src="http://pictor.test/media/alice-avatar.webp"');
    // Notifications: the actor's avatar.
    await pictor.interactions.act("like", alice, (await pictor.posts.details((await create(eve, "eve's boat")).post.id))!);
    const notes = (await eveClient.page("/notifications")).html;
    expect(notes).toMatch(/<li class="notification"><img class="avatar avatar-sm" src="http:\/\/pictor.test\/media\/alice-avatar.webp"/);
  });

  it("shows the post answered or remixed on the create form, and 'Replying to' on a posted reply", async () => {
    const parent = await create(alice, "The lighthouse");
    const reply = (await eveClient.page(`/create?reply=${parent.post.id}`)).html;
    expect(reply).toContain("Replying to");
    expect(reply).toMatch(/<a class="quote-card" href="\/@alice\/[^"]+" aria-label="The post you answer by @alice@pictor.test">/);
    expect(reply).toContain("The lighthouse");
    const remix = (await eveClient.page(`/create?remix=${parent.post.id}`)).html;
    expect(remix).toContain("Remixing");
    expect(remix).toContain(`href="/@alice/${parent.post.id}"`);
    const answer = await create(eve, "A reply with a boat", { inReplyTo: parent.post.iri });
    const page = (await eveClient.page(`/@eve/${answer.post.id}`)).html;
    expect(page).toMatch(new RegExp(`<p class="reply-to muted">Replying to <a href="/@alice/${parent.post.id}">@alice@pictor.test</a></p>`));
    // A reply to a post the viewer may not see names nothing of it.
    const toHidden = await create(alice, "answering the hidden one", { inReplyTo: hidden.post.iri });
    const seen = (await eveClient.page(`/@alice/${toHidden.post.id}`)).html;
    expect(seen).not.toContain("Replying to");
    expect(seen).not.toContain(hidden.post.id);
    expect((await aliceClient.page(`/@alice/${toHidden.post.id}`)).html).toContain(`Replying to <a href="/@alice/${hidden.post.id}">`);
  });
});
