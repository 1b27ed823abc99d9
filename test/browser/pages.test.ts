import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { type ListeningPictor, startListeningPictor } from "../helpers/api-server.ts";
import { ARTIFACTS, HAS_BROWSER, launchChromium } from "../helpers/browser.ts";

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const SIZES = [["desktop", DESKTOP], ["phone", PHONE]] as const;

async function noSidewaysScroll(page: Page) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  expect(scroll, `${page.url()} is ${scroll} px wide in a ${inner} px window`).toBeLessThanOrEqual(inner);
}

// Issue #15: own posts edited and deleted on the web, a landing page, avatars, reply and remix context.
describe.skipIf(!HAS_BROWSER)("post controls, the landing page, avatars and reply context in a browser", { timeout: 180_000 }, () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let server: ListeningPictor;
  let browser: Browser;
  let origin: string;
  let postPath: string;
  const shot = (p: Page, name: string) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  /** A page as `username` (or signed out), at `viewport`, with or without JavaScript. */
  const as = async (username: string | null, viewport = DESKTOP, js = true) => {
    const ctx = await browser.newContext({ viewport, javaScriptEnabled: js });
    const page = await ctx.newPage();
    if (username) {
      await page.goto(`${origin}/login`);
      await page.fill("#username", username);
      await page.fill("#password", "a long password");
      await page.click("form button[type=submit]");
      await page.waitForURL(`${origin}/`);
    }
    return { ctx, page };
  };
  /** Generates one image and posts it (through the web forms); answers the post's path. */
  const makePost = async (page: Page, caption: string, startAt = "/create") => {
    await page.goto(`${origin}${startAt}`);
    await page.fill("#prompt", `${caption}, an oil painting`);
    await page.selectOption("#size", "512x512");
    await page.click("form[action='/create'] button.primary");
    await page.waitForSelector("text=Post your images", { timeout: 60_000 });
    await page.fill("#caption", caption);
    await page.click("form[action='/posts'] button.primary");
    await page.waitForSelector("article.post");
    return new URL(page.url()).pathname;
  };

  beforeAll(async () => {
    server = await startListeningPictor();
    ({ pictor, origin } = server);
    browser = await launchChromium();
    const { ctx, page } = await as(null);
    await page.goto(`${origin}/setup`);
    await page.fill("#username", "painter");
    await page.fill("#password", "a long password");
    await page.click("button[type=submit]");
    await page.waitForURL(`${origin}/`);
    await makePost(page, "Quiet field");
    postPath = await makePost(page, "Harbour at dawn");
    await ctx.close();
    await pictor.accounts.createLocal({ username: "critic", password: "a long password" });
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("lets the author edit a post, and delete it after a second press that needs no JavaScript; others see neither", async () => {
    for (const [name, viewport] of SIZES) {
      const { ctx, page } = await as("painter", viewport);
      await page.goto(`${origin}${postPath}`);
      await noSidewaysScroll(page);
      const own = page.locator("article.post .own-post");
      expect(await own.getByRole("link", { name: "Edit" }).isVisible()).toBe(true);
      // The deleting button shows only once Delete is pressed: in a dialog over the page, which stays.
      const confirm = page.getByRole("button", { name: "Delete for good" });
      expect(await confirm.isVisible()).toBe(false);
      await own.getByRole("link", { name: "Delete" }).click();
      expect(await confirm.isVisible()).toBe(true);
      expect(new URL(page.url()).pathname).toBe(postPath);
      await noSidewaysScroll(page);
      await shot(page, `post-own-delete-open-${name}`);
      await page.goto(`${origin}${postPath.replace(/^\/@painter\//, "/posts/")}/edit`);
      await noSidewaysScroll(page);
      await shot(page, `post-edit-${name}`);
      await ctx.close();
    }

    // Editing: caption, content warning and alt text.
    const { ctx, page } = await as("painter");
    await page.goto(`${origin}${postPath}`);
    await page.getByRole("link", { name: "Edit" }).click();
    await page.fill("#caption", "Harbour at dusk");
    await page.fill("#summary", "bright light");
    await page.locator("input[name^=alt_]").first().fill("Boats in a harbour at dusk");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(`${origin}${postPath}`);
    const article = page.locator("article.post").first();
    expect(await article.locator("details > summary").first().textContent()).toBe("bright light");
    await article.locator("details > summary").first().click();
    expect(await article.locator(".content").textContent()).toContain("Harbour at dusk");
    expect(await article.locator(".post-media img").first().getAttribute("alt")).toBe("Boats in a harbour at dusk");
    await ctx.close();

    // Someone else: no controls.
    const other = await as("critic");
    await other.page.goto(`${origin}${postPath}`);
    expect(await other.page.locator(".own-post").count()).toBe(0);
    expect(await other.page.locator("article.post").count()).toBe(1);
    await other.ctx.close();

    // Deleting without JavaScript: Delete leads to a page that asks; its button deletes and lands on the profile.
    const nojs = await as("painter", PHONE, false);
    const doomed = await makePost(nojs.page, "To be deleted");
    await nojs.page.locator(".own-post").getByRole("link", { name: "Delete" }).click();
    await nojs.page.waitForURL(/\/posts\/[^/]+\/delete$/);
    expect(await nojs.page.locator("main h1").textContent()).toBe("Delete this post?");
    await nojs.page.getByRole("button", { name: "Delete for good" }).click();
    await nojs.page.waitForURL(`${origin}/@painter`);
    expect(await nojs.page.locator(".profile h1").textContent()).toBe("painter");
    expect((await nojs.page.goto(`${origin}${doomed}`))!.status()).toBe(410);
    await nojs.ctx.close();
  });

  it("greets logged-out visitors at / with the server, a sample of images, Log in and (when open) Sign up", async () => {
    await pictor.instance.setRegistrations("open");
    for (const [name, viewport] of SIZES) {
      const { ctx, page } = await as(null, viewport);
      await page.goto(`${origin}/`);
      expect(new URL(page.url()).pathname).toBe("/");
      await noSidewaysScroll(page);
      expect(await page.locator("main h1").first().textContent()).toBe("Pictor");
      expect(await page.locator(".landing .lead").textContent()).toContain("AI-generated images");
      expect(await page.locator(".landing a.button.primary").textContent()).toBe("Sign up");
      expect(await page.locator(".landing a[href='/login']").isVisible()).toBe(true);
      expect(await page.locator("main .grid img").count()).toBeGreaterThan(0);
      await shot(page, `landing-${name}`);
      if (name === "phone") {
        await page.locator(".landing a.button.primary").click();
        await page.waitForURL(`${origin}/signup`);
        expect(await page.locator("main h1").textContent()).toBe("Sign up");
      }
      await ctx.close();
    }
    await pictor.instance.setRegistrations("closed");
    const { ctx, page } = await as(null);
    await page.goto(`${origin}/`);
    expect(await page.locator("a[href='/signup']").count()).toBe(0);
    await ctx.close();
  });

  it("shows avatars beside names in feeds and notifications, and the profile with its header and avatar", async () => {
    // The critic answers with an avatar; the painter has none (a placeholder).
    const critic = await as("critic");
    const painterAvatar = await critic.page.locator("article.post .post-author .avatar").first();
    await critic.page.goto(`${origin}/explore`);
    expect(await painterAvatar.evaluate((el) => el.classList.contains("avatar-none"))).toBe(true);
    // Use one of the painter's images as the critic's avatar and header (as settings would).
    const image = await critic.page.locator("article.post .post-media img").first().getAttribute("src");
    const me = (await pictor.accounts.getLocalByUsername("critic"))!;
    await pictor.db.kysely.updateTable("accounts").set({ avatar_url: image, header_url: image }).where("id", "=", me.id).execute();
    const reply = await makePost(critic.page, "A kind word", `/create?reply=${postPath.split("/").pop()}`);
    await critic.ctx.close();

    for (const [name, viewport] of SIZES) {
      const { ctx, page } = await as("painter", viewport);
      await page.goto(`${origin}/notifications`);
      const avatar = page.locator("li.notification img.avatar").first();
      expect(await avatar.getAttribute("src")).toBe(image);
      const box = (await avatar.boundingBox())!;
      expect(box.width).toBeLessThanOrEqual(40);
      expect(Math.round(box.width)).toBe(Math.round(box.height));
      await shot(page, `notifications-${name}`);
      await page.goto(`${origin}${reply}`);
      const author = page.locator("article.post .post-author").last();
      expect(await author.locator("img.avatar").getAttribute("src")).toBe(image);
      expect(await page.evaluate(() => getComputedStyle([...document.querySelectorAll("article.post .post-author img.avatar")].at(-1)!).borderRadius)).toBe("50%");
      await page.goto(`${origin}/@critic`);
      await noSidewaysScroll(page);
      const header = (await page.locator(".profile img.profile-header").boundingBox())!;
      const big = (await page.locator(".profile img.avatar-lg").boundingBox())!;
      expect(header.width).toBeGreaterThan(300);
      // The avatar overlaps the header's lower edge.
      expect(big.y).toBeLessThan(header.y + header.height);
      expect(big.y + big.height).toBeGreaterThan(header.y + header.height);
      await shot(page, `profile-header-${name}`);
      await page.goto(`${origin}/@painter`);
      expect(await page.locator(".profile .avatar-lg.avatar-none").textContent()).toBe("P");
      await ctx.close();
    }
  });

  it("shows the post answered or remixed on the create form, and 'Replying to' on a posted reply", async () => {
    const id = postPath.split("/").pop();
    for (const [name, viewport] of SIZES) {
      const { ctx, page } = await as("critic", viewport);
      await page.goto(`${origin}/create?reply=${id}`);
      await noSidewaysScroll(page);
      const card = page.locator(".context-card");
      expect(await card.textContent()).toContain("Replying to @painter@");
      expect(await card.locator("a.quote-card").getAttribute("href")).toBe(postPath);
      expect(await card.locator("a.quote-card img").count()).toBe(1);
      await shot(page, `create-reply-${name}`);
      await page.goto(`${origin}/create?remix=${id}`);
      expect(await page.locator(".context-card").textContent()).toContain("Remixing @painter@");
      await shot(page, `create-remix-${name}`);
      await ctx.close();
    }
    const { ctx, page } = await as("critic", PHONE);
    await page.goto(`${origin}/@critic`);
    await page.locator(".grid a").first().click();
    const line = page.locator("article.post .reply-to").first();
    expect(await line.textContent()).toMatch(/^Replying to @painter@/);
    await shot(page, "reply-posted-phone");
    await line.locator("a").click();
    expect(new URL(page.url()).pathname).toBe(postPath);
    await ctx.close();
  });
});
