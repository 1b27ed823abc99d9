import { join } from "node:path";
import { Note } from "@fedify/vocab";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noteToRemotePost } from "../../federation/mappers/note.ts";
import type { Pictor } from "../../src/app.ts";
import { type ListeningPictor, startListeningPictor } from "../helpers/api-server.ts";
import { ARTIFACTS, HAS_BROWSER, launchChromium } from "../helpers/browser.ts";


// CI installs Debian's chromium (.ci/run); elsewhere these tests need it too, but may be skipped without it.
describe.skipIf(!HAS_BROWSER)("in a real browser", { timeout: 120_000 }, () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let server: ListeningPictor;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const dialogs: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    server = await startListeningPictor();
    ({ pictor, origin } = server);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on("dialog", async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("sets up the instance, generates, posts, sees the post, likes and remixes it, and logs out", async () => {
    await page.goto(`${origin}/`);
    expect(new URL(page.url()).pathname).toBe("/setup");
    await shot("setup");
    await page.fill("#username", "painter");
    await page.fill("#password", "a long password");
    await page.click("button[type=submit]");
    await page.waitForURL(`${origin}/`);
    expect(await page.textContent("header.site")).toContain("@painter");

    await page.goto(`${origin}/create`);
    await page.fill("#prompt", "a lighthouse in a storm, teal and amber");
    await page.selectOption("#size", "512x512");
    await page.click("button.primary");
    // The job page refreshes itself until the images are ready.
    await page.waitForSelector("text=Post your images", { timeout: 30_000 });
    await shot("create-done");
    await page.fill("#caption", "Storm light #lighthouse");
    await page.click("button.primary");
    await page.waitForSelector("article.post");
    expect(await page.textContent("article.post")).toContain("Storm light");
    expect(await page.locator("article.post img").first().getAttribute("alt")).toBe("a lighthouse in a storm, teal and amber");
    await shot("post");

    await page.goto(`${origin}/@painter`);
    expect(await page.locator(".grid img").count()).toBe(1);
    await shot("profile");
    await page.goto(`${origin}/`);
    expect(await page.textContent("main")).toContain("Storm light");
    await shot("home");

    // Like without a reload: the script sends the form and updates the button.
    const like = page.locator('form[action$="/like"] button').first();
    await page.evaluate(() => Object.assign(window, { __samePage: true }));
    await like.click();
    await expect.poll(() => like.textContent()).toBe("Liked");
    // The page was not reloaded (a reload would lose the reader's place).
    expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true);
    const id = (await page.locator('form[action$="/like"]').first().getAttribute("action"))!.split("/")[2];
    expect((await pictor.posts.details(id))!.post.likes_count).toBe(1);

    await page.locator("a.button", { hasText: "Remix" }).first().click();
    expect(await page.inputValue("#prompt")).toBe("a lighthouse in a storm, teal and amber");
    await shot("remix");

    await page.click("text=Log out");
    // Logged out, / is the landing page (it used to jump to /explore).
    await page.waitForURL(`${origin}/`);
    expect(await page.textContent("header.site")).toContain("Log in");
    expect(await page.locator("main .landing h1").textContent()).toBe("Pictor");
  });

  // Issue #15's measure of done: a newcomer, on a phone, from the landing page to a liked post,
  // without the page moving sideways or reloading when they like.
  it("takes a newcomer on a phone from the landing page through sign-up, create and post to the full-size image and a like", async () => {
    await pictor.instance.setRegistrations("open");
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const p = await phone.newPage();
    const steady = async (where: string) => {
      const { scroll, inner } = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
      expect(scroll, `${where}: ${scroll} px wide in a ${inner} px window`).toBeLessThanOrEqual(inner);
    };
    await p.goto(`${origin}/`);
    await steady("landing");
    await p.getByRole("link", { name: "Sign up" }).first().tap();
    await p.waitForURL(`${origin}/signup`);
    await steady("sign-up");
    await p.fill("#username", "newcomer");
    await p.fill("#password", "a long password");
    await p.getByRole("button", { name: "Sign up" }).tap();
    await p.waitForURL(`${origin}/`);
    await steady("home");
    await p.locator("nav.tabbar").getByRole("link", { name: "Create" }).tap();
    await p.waitForURL(`${origin}/create`);
    await steady("create");
    await p.fill("#prompt", "a paper boat on a puddle, morning light");
    await p.selectOption("#size", "512x512");
    await p.locator("form[action='/create'] button.primary").tap();
    await p.waitForSelector("text=Post your images", { timeout: 60_000 });
    await steady("choose");
    await p.fill("#caption", "My first boat");
    await p.locator("form[action='/posts'] button.primary").tap();
    await p.waitForSelector("article.post");
    await steady("post");
    expect(await p.textContent("article.post")).toContain("My first boat");
    await p.screenshot({ path: join(ARTIFACTS, "newcomer-post-phone.png") });

    // The image full size, in the viewer, then closed.
    await p.locator("article.post a.media-open").first().tap();
    const viewer = p.locator("dialog.viewer[open]");
    await viewer.waitFor();
    expect(await viewer.locator("img").getAttribute("src")).toMatch(/\.webp$/);
    await p.screenshot({ path: join(ARTIFACTS, "newcomer-viewer-phone.png") });
    await viewer.getByRole("button", { name: "Close" }).tap();
    await viewer.waitFor({ state: "detached" });

    // A like, in place: the page is the same page afterwards, scrolled where it was.
    await p.evaluate(() => window.scrollTo(0, 200));
    const before = await p.evaluate(() => Object.assign(window, { __samePage: true }).scrollY);
    const like = p.locator('article.post form[action$="/like"] button').first();
    await like.tap();
    await expect.poll(() => like.textContent()).toBe("Liked");
    expect(await p.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true);
    expect(await p.evaluate(() => window.scrollY)).toBe(before);
    await steady("liked");
    await p.screenshot({ path: join(ARTIFACTS, "newcomer-liked-phone.png") });
    await phone.close();
    await pictor.instance.setRegistrations("closed");
  });

  it("renders a remote post carrying script payloads inert", async () => {
    const bob = await pictor.accounts.upsertRemote({
      iri: "https://remote.example/users/bob", username: "bob", domain: "remote.example", display_name: "<script>alert('name')</script>Bob",
      bio_html: "", avatar_url: null, header_url: null, url: null, inbox_url: "https://remote.example/users/bob/inbox", shared_inbox_url: null, followers_url: null, fetched_at: null,
    });
    const note = new Note({
      id: new URL("https://remote.example/users/bob/statuses/1"),
      attribution: new URL(bob.iri),
      content: `<p>hello<script>window.__pwned = 1; alert("script")</script><img src="x" onerror="window.__pwned = 2; alert('img')"><a href="javascript:alert('link')">link</a><svg onload="alert('svg')"></svg><iframe src="javascript:alert('frame')"></iframe></p>`,
      tos: [new URL("https://www.w3.org/ns/activitystreams#Public")],
    });
    const stored = await pictor.posts.receiveRemote(bob, (await noteToRemotePost(note, null))!);
    await page.goto(`${origin}/posts/${stored!.post.id}`);
    await page.locator("text=link").first().click().catch(() => {});
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await page.textContent("article.post")).toContain("hello");
    await shot("remote-post-inert");
  });
});
