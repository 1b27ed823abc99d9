import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { BookmarkService } from "../../src/domain/bookmarks.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { type ListeningPictor, startListeningPictor } from "../helpers/api-server.ts";
import { ARTIFACTS, HAS_BROWSER, launchChromium } from "../helpers/browser.ts";
import { waitFor } from "../helpers/pictor.ts";

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

async function noSidewaysScroll(page: Page) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  expect(scroll, `${page.url()} is ${scroll} px wide in a ${inner} px window`).toBeLessThanOrEqual(inner);
}

/** axe-core's serious and critical violations on the page as it is drawn now (rule, impact, where). */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

// Issue #15: every main page, with data, at desktop and phone sizes in light and dark, checked by
// axe-core and kept as screenshots; the image viewer's set, the post set in feeds, bookmarks,
// the delete dialog and the tab bar's labels.
describe.skipIf(!HAS_BROWSER)("a tour of every main page, with data", { timeout: 300_000 }, () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let server: ListeningPictor;
  let browser: Browser;
  let origin: string;
  let painter: AccountRow;
  let critic: AccountRow;
  let setPath = "";
  let singlePath = "";
  const sessions = new Map<string, Awaited<ReturnType<BrowserContext["storageState"]>>>();

  /** A page as `who` (or signed out): axe is injected, so the CSP is bypassed in these contexts only. */
  const open = async (who: string | null, viewport = DESKTOP, dark = false) => {
    const ctx = await browser.newContext({ viewport, colorScheme: dark ? "dark" : "light", bypassCSP: true, storageState: who ? sessions.get(who) : undefined });
    return { ctx, page: await ctx.newPage() };
  };
  const signIn = async (username: string) => {
    const ctx = await browser.newContext({ viewport: DESKTOP });
    const page = await ctx.newPage();
    await page.goto(`${origin}/login`);
    await page.fill("#username", username);
    await page.fill("#password", "a long password");
    await page.click("form button[type=submit]");
    await page.waitForURL(`${origin}/`);
    sessions.set(username, await ctx.storageState());
    await ctx.close();
  };
  /** Generates `n` images with the offline provider and waits for them. */
  const generate = async (who: AccountRow, prompt: string, n: number) => {
    const job = await pictor.generations.request({ ...who, is_admin: 1 }, { prompt, size: "512x512", n });
    const done = await waitFor(async () => {
      const s = await pictor.generations.status(job.id, who.id);
      return s.job.state === "done" ? s : undefined;
    }, 60_000, `generation of ${prompt}`);
    return done.media.map((m) => m.id);
  };

  beforeAll(async () => {
    server = await startListeningPictor();
    ({ pictor, origin } = server);
    browser = await launchChromium();
    painter = await pictor.accounts.createLocal({ username: "painter", password: "a long password", admin: true });
    critic = await pictor.accounts.createLocal({ username: "critic", password: "a long password", admin: true });
    // Twelve posts and more: a set of three, one for followers only, hashtags, likes, a reply.
    const three = await generate(painter, "three moons over a quiet bay", 3);
    const set = await pictor.posts.create(painter, { mediaIds: three, caption: "Three moons, three nights #moons", alts: ["The first moon, thin", "The second moon, half", "The third moon, full"] });
    const singles: string[] = [];
    for (const prompt of ["a lighthouse in a storm, teal and amber", "a harbour at dawn, boats asleep", "a field of kites over dunes"]) singles.push(...(await generate(painter, prompt, 4)));
    const captions = ["Storm light #lighthouse", "Harbour at dawn #boats", "Kites over dunes #kites", "Second storm #lighthouse", "Boats at rest #boats", "More kites #kites", "Green lamp", "Low tide", "Gulls", "The long pier", "Evening swell", "A quiet one for friends"];
    for (const [i, caption] of captions.entries()) {
      const single = await pictor.posts.create(painter, { mediaIds: [singles[i]], caption, visibility: i === captions.length - 1 ? "followers" : "public" });
      if (i === 0) singlePath = `/@painter/${single.post.id}`;
    }
    setPath = `/@painter/${set.post.id}`;
    await pictor.follows.follow(critic, painter);
    const replyImage = await generate(critic, "a small reply sketch", 1);
    await pictor.posts.create(critic, { mediaIds: replyImage, caption: "Lovely light", inReplyTo: set.post.iri });
    await pictor.interactions.act("like", critic, set);
    await pictor.interactions.act("boost", critic, set);
    await new BookmarkService(pictor.db).bookmark(painter, set);
    await pictor.instance.setRegistrations("open");
    await signIn("painter");
    await signIn("critic");
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  // Each main page: axe-core in light and dark (at phone size, where the page is most crowded, and
  // on the desktop in light), and a screenshot of each of those.
  const MAIN_PAGES: Array<[name: string, who: string | null, path: () => string]> = [
    ["landing", null, () => "/"],
    ["login", null, () => "/login"],
    ["signup", null, () => "/signup"],
    ["explore-anonymous", null, () => "/explore"],
    ["home", "painter", () => "/"],
    ["explore", "painter", () => "/explore"],
    ["tag", "painter", () => "/tags/lighthouse"],
    ["post", "painter", () => setPath],
    ["profile", "painter", () => "/@painter"],
    ["profile-other", "critic", () => "/@painter"],
    ["notifications", "painter", () => "/notifications"],
    ["settings", "painter", () => "/settings"],
    ["bookmarks", "painter", () => "/bookmarks"],
    ["search", "painter", () => "/search?q=nobody-here"],
    ["error-404", "painter", () => "/no/such/page"],
  ];
  for (const [name, who, path] of MAIN_PAGES) {
    it(`${name}: no serious or critical axe-core violations in light and dark; screenshots at desktop and phone sizes`, async () => {
      const found: string[] = [];
      for (const [size, viewport, dark] of [["desktop", DESKTOP, false], ["phone", PHONE, false], ["phone", PHONE, true]] as const) {
        const { ctx, page } = await open(who, viewport, dark);
        await page.goto(`${origin}${path()}`);
        await noSidewaysScroll(page);
        for (const v of await axeViolations(page)) found.push(`${size} ${dark ? "dark" : "light"}: ${v}`);
        await page.screenshot({ path: join(ARTIFACTS, `tour-${name}-${size}${dark ? "-dark" : ""}.png`) });
        await ctx.close();
      }
      expect(found).toEqual([]);
    });
  }

  it("shows a post's images as a swipeable set with its count, and a viewer that moves through them by key, button and swipe", async () => {
    const { ctx, page } = await open("critic", PHONE);
    await page.goto(`${origin}${setPath}`);
    const set = page.locator("article.post .post-media.set").first();
    expect(await set.getAttribute("aria-label")).toBe("3 images");
    expect(await set.locator(".slide-count").allTextContents()).toEqual(["1/3", "2/3", "3/3"]);
    const track = set.locator(".media-track");
    // One image at a time: the set is three windows wide and scrolls sideways (the page does not).
    const { width, scroll } = await track.evaluate((el) => ({ width: el.clientWidth, scroll: el.scrollWidth }));
    expect(scroll).toBeGreaterThan(width * 2.5);
    await noSidewaysScroll(page);
    await track.evaluate((el) => el.scrollTo({ left: el.clientWidth + 8, behavior: "instant" }));
    await expect.poll(() => set.locator(".slide").nth(1).evaluate((el) => Math.round(el.getBoundingClientRect().left - el.parentElement!.getBoundingClientRect().left))).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "set-second-phone.png") });

    // The viewer opens at the image pressed, says where it is, and moves with the arrow keys…
    await set.locator("a.media-open").nth(1).click();
    const viewer = page.locator("dialog.viewer[open]");
    await viewer.waitFor();
    const links = await set.locator("a.media-open").evaluateAll((els) => els.map((e) => (e as HTMLAnchorElement).href));
    expect(await viewer.locator(".viewer-count").textContent()).toBe("2 / 3");
    expect(await viewer.locator("figcaption").textContent()).toBe("The second moon, half");
    await page.keyboard.press("ArrowRight");
    expect(await viewer.locator("img").getAttribute("src")).toBe(links[2]);
    expect(await viewer.locator(".viewer-count").textContent()).toBe("3 / 3");
    expect(await viewer.getByRole("button", { name: "Next image" }).isDisabled()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "viewer-set-phone.png") });
    // …the buttons…
    await viewer.getByRole("button", { name: "Previous image" }).click();
    await viewer.getByRole("button", { name: "Previous image" }).click();
    expect(await viewer.locator("figcaption").textContent()).toBe("The first moon, thin");
    // …and a swipe to the left (pointer events, as a finger sends them).
    const box = (await viewer.locator("figure").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    expect(await viewer.locator(".viewer-count").textContent()).toBe("2 / 3");
    expect(await viewer.locator("img").getAttribute("src")).toBe(links[1]);
    // Still open after the swipe; Escape closes it, and focus is on the image last shown.
    expect(await viewer.count()).toBe(1);
    await page.keyboard.press("Escape");
    await viewer.waitFor({ state: "detached" });
    expect(await page.evaluate(() => (document.activeElement as HTMLAnchorElement | null)?.href)).toBe(links[1]);
    await ctx.close();

    // Desktop: the same viewer, with its buttons on the sides.
    const desk = await open("critic", DESKTOP);
    await desk.page.goto(`${origin}${setPath}`);
    await desk.page.locator("article.post .post-media.set a.media-open").first().click();
    await desk.page.locator("dialog.viewer[open]").waitFor();
    await desk.page.screenshot({ path: join(ARTIFACTS, "viewer-set-desktop.png") });
    await desk.ctx.close();
  });

  it("marks multi-image and followers-only posts on the profile grid, and lists trending tags with counts", async () => {
    for (const [size, viewport] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
      const { ctx, page } = await open("critic", viewport);
      await page.goto(`${origin}/@painter`);
      const marks = await page.locator(".grid .tile-mark").allTextContents();
      expect(marks).toContain(", 3 images");
      expect(marks).toContain("Followers, followers only");
      // Drawn inside their tile.
      const tile = (await page.locator(".grid a").first().boundingBox())!;
      const mark = (await page.locator(".grid a").first().locator(".tile-mark").first().boundingBox())!;
      expect(mark.x + mark.width).toBeLessThanOrEqual(tile.x + tile.width);
      await page.screenshot({ path: join(ARTIFACTS, `profile-grid-marks-${size}.png`) });
      await page.goto(`${origin}/explore`);
      expect(await page.locator(".trending h2").textContent()).toBe("Trending hashtags");
      expect(await page.locator(".tag-list li").first().textContent()).toMatch(/^#\w+ \d+ posts? by \d+ (person|people)$/);
      await noSidewaysScroll(page);
      await page.screenshot({ path: join(ARTIFACTS, `explore-trending-${size}.png`) });
      await ctx.close();
    }
  });

  it("bookmarks in place (no reload) and lists the post on /bookmarks", async () => {
    const { ctx, page } = await open("critic", PHONE);
    await page.goto(`${origin}/explore`);
    await page.evaluate(() => Object.assign(window, { __samePage: true }));
    const button = page.locator(`article.post form[action$="/bookmark"] button`).first();
    const action = await page.locator(`article.post form[action$="/bookmark"]`).first().getAttribute("action");
    await button.click();
    await expect.poll(() => button.textContent()).toBe("Bookmarked");
    expect(await button.getAttribute("aria-pressed")).toBe("true");
    expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true);
    await page.goto(`${origin}/bookmarks`);
    expect(await page.locator(`article.post form[action="${action}"] button`).textContent()).toBe("Bookmarked");
    // Reached from the Me tab.
    await page.goto(`${origin}/@critic`);
    await page.locator(".own a[href='/bookmarks']").click();
    await page.waitForURL(`${origin}/bookmarks`);
    await page.screenshot({ path: join(ARTIFACTS, "bookmarks-phone.png") });
    await ctx.close();
  });

  it("asks before deleting in a dialog (Cancel returns focus to Delete), and deletes from it", async () => {
    const { ctx, page } = await open("painter", DESKTOP);
    await page.goto(`${origin}${singlePath}`);
    const del = page.locator(".own-post a", { hasText: "Delete" });
    await del.click();
    const dialog = page.locator("dialog.confirm[open]");
    await dialog.waitFor();
    expect(await dialog.locator("h2").textContent()).toBe("Delete this post?");
    expect(new URL(page.url()).pathname).toBe(singlePath);
    await page.screenshot({ path: join(ARTIFACTS, "delete-dialog-desktop.png") });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Delete");
    await del.click();
    await page.locator("dialog.confirm[open]").getByRole("button", { name: "Delete for good" }).click();
    await page.waitForURL(`${origin}/@painter`);
    expect((await page.goto(`${origin}${singlePath}`))!.status()).toBe(410);
    await ctx.close();
  });

  it("shows every tab label whole at 360 and 390 px", async () => {
    for (const width of [360, 390]) {
      const { ctx, page } = await open("painter", { width, height: 800 });
      await page.goto(`${origin}/notifications`);
      const labels = await page.locator("nav.tabbar .tab-label").evaluateAll((els) => els.map((e) => ({ text: e.textContent, cut: e.scrollWidth > e.clientWidth })));
      expect(labels.map((l) => l.text)).toEqual(["Home", "Explore", "Create", "Notifications", "Me"]);
      expect(labels.filter((l) => l.cut)).toEqual([]);
      // Every tab is still a comfortable target.
      for (const box of await page.locator("nav.tabbar a").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width))) expect(box).toBeGreaterThanOrEqual(44);
      await page.screenshot({ path: join(ARTIFACTS, `tabbar-${width}.png`) });
      await ctx.close();
    }
  });
});
