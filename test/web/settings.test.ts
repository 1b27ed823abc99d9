import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { AP, startTestPictor } from "../helpers/pictor.ts";
import { Client } from "./browser-client.ts";

async function signIn(pictor: Pictor, username: string, admin = false) {
  await pictor.accounts.createLocal({ username, password: "a long password", admin });
  const client = new Client(pictor);
  await client.page("/login");
  expect((await client.form("/login", { username, password: "a long password" })).status).toBe(303);
  return client;
}

describe("settings and admin", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  beforeAll(async () => {
    pictor = await startTestPictor();
  });
  afterAll(() => pictor?.stop());

  it("edits the profile (escaped bio, avatar from one's own images, locked) and preferences", async () => {
    const ann = await signIn(pictor, "ann");
    const account = (await pictor.accounts.getLocalByUsername("ann"))!;
    const mine = await insertGeneratedMedia(pictor.db, account.id, "a portrait");
    const other = await pictor.accounts.createLocal({ username: "ben", password: "a long password" });
    const theirs = await insertGeneratedMedia(pictor.db, other.id, "not mine");
    await ann.page("/settings");
    const refused = await ann.form("/settings", { display_name: "Ann", bio: "x", avatar: theirs.id, header: "" });
    expect(refused.status).toBe(422);
    const saved = await ann.form("/settings", { display_name: "Ann A.", bio: "Paints <b>light</b>\n\nand storms", avatar: mine.id, header: "", locked: "1", default_visibility: "unlisted", show_prompt_default: "1" });
    expect(await saved.text()).toContain("Saved.");
    const actor = await (await pictor.http.request("http://pictor.test/users/ann", { headers: { Accept: AP } })).json();
    expect(actor.name).toBe("Ann A.");
    expect(actor.summary).toBe("<p>Paints &lt;b&gt;light&lt;/b&gt;</p><p>and storms</p>");
    expect(actor.manuallyApprovesFollowers).toBe(true);
    expect(actor.icon.url).toBe(pictor.urls.media(mine.webp_key!).href);
    expect(await pictor.accounts.preferences(account.id)).toEqual({ defaultVisibility: "unlisted", showPromptDefault: true });
    const wrong = await ann.form("/settings/password", { current: "nope nope nope", next: "another long one" });
    expect(await wrong.text()).toContain("current password is wrong");
    await ann.form("/settings/password", { current: "a long password", next: "another long one" });
    expect(await pictor.accounts.checkPassword("ann", "another long one")).toBeDefined();
  });

  it("lets only admins administer: suspend, domain blocks, reports", async () => {
    const boss = await signIn(pictor, "boss", true);
    const carl = await signIn(pictor, "carl");
    expect((await carl.request("/admin")).status).toBe(403);
    const { html } = await boss.page("/admin");
    expect(html).toContain("@carl");
    expect((await boss.form("/admin/domain-blocks", { domain: "spam.example", reason: "spam" })).status).toBe(303);
    expect(await pictor.moderation.isDomainBlocked("a.spam.example")).toBe(true);
    expect((await boss.form("/admin/domain-blocks", { domain: "not a domain" })).status).toBe(422);
    await boss.page("/admin");
    expect((await boss.form("/admin/accounts/carl/suspend", {})).status).toBe(303);
    // Carl's session ends, and he cannot sign in again.
    expect((await carl.request("/settings")).status).toBe(303);
    const again = new Client(pictor);
    await again.page("/login");
    expect(await (await again.form("/login", { username: "carl", password: "a long password" })).text()).toContain("suspended");
    const actor = await (await pictor.http.request("http://pictor.test/users/carl", { headers: { Accept: AP } })).json();
    expect(actor.suspended).toBe(true);
    await boss.page("/admin");
    await boss.form("/admin/accounts/carl/unsuspend", {});
    expect((await pictor.accounts.getLocalByUsername("carl"))?.suspended_at).toBeNull();
  });

  it("searches by handle from the header", async () => {
    const dee = await signIn(pictor, "dee");
    const { html } = await dee.page("/");
    expect(html).toContain('role="search"');
    const found = await dee.request("/search?q=%40ann%40pictor.test");
    expect(found.status).toBe(303);
    expect(found.headers.get("location")).toBe("/@ann");
    expect((await dee.request("/search?q=nonsense")).status).toBe(404);
  });

  it("switches registrations at run time, with single-use invitations, and sets generation limits", async () => {
    const boss = await signIn(pictor, "chief", true);
    await boss.page("/admin");
    expect((await boss.form("/admin/registrations", { registrations: "sometimes" })).status).toBe(422);
    await boss.form("/admin/registrations", { registrations: "open" });
    expect((await new Client(pictor).request("/signup")).status).toBe(200);
    await boss.page("/admin");
    await boss.form("/admin/registrations", { registrations: "invite" });
    expect((await new Client(pictor).request("/signup")).status).toBe(404);
    await boss.page("/admin");
    const made = await boss.form("/admin/invites", {});
    const code = new URL(made.headers.get("location")!, "http://pictor.test").searchParams.get("invite")!;
    expect((await boss.page(`/admin?invite=${code}`)).html).toContain(`/signup?invite=${code}`);
    const guest = new Client(pictor);
    expect((await guest.page(`/signup?invite=${code}`)).res.status).toBe(200);
    expect((await guest.form("/signup", { invite: code, username: "guest", password: "a long password" })).status).toBe(303);
    expect(await pictor.accounts.getLocalByUsername("guest")).toBeDefined();
    const second = new Client(pictor);
    expect((await second.request(`/signup?invite=${code}`)).status).toBe(404);
    await boss.page("/admin");
    expect((await boss.form("/admin/limits", { max_concurrent: "0", daily_images: "5" })).status).toBe(422);
    await boss.form("/admin/limits", { max_concurrent: "3", daily_images: "1" });
    expect(await pictor.instance.generationLimits()).toEqual({ maxConcurrent: 3, dailyImages: 1 });
    const guestAccount = (await pictor.accounts.getLocalByUsername("guest"))!;
    await expect(pictor.generations.request(guestAccount, { prompt: "two", n: 2, size: "256x256" })).rejects.toThrow(/^You asked for 2 images but only 1 of 1 is left today: ask for 1 image/);
  });
});
