import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { type ListeningPictor, startListeningPictor } from "../helpers/api-server.ts";
import { ARTIFACTS, HAS_BROWSER, launchChromium } from "../helpers/browser.ts";

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/** Layout facts one page must hold at any size: nothing wider than the window. */
async function noSidewaysScroll(page: Page) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  expect(scroll, `${page.url()} is ${scroll} px wide in a ${inner} px window`).toBeLessThanOrEqual(inner);
}

/** The device pixels an image is drawn at, and the pixel width of the file the browser chose from its srcset. */
async function sharpness(page: Page, selector: string) {
  return page.locator(selector).first().evaluate(async (img: HTMLImageElement) => {
    await img.decode();
    const probe = new Image();
    probe.src = img.currentSrc;
    await probe.decode();
    // The widest file on offer (the srcset's largest width, else the image itself).
    const largest = Math.max(probe.naturalWidth, ...(img.srcset.match(/\d+(?=w\b)/g) ?? []).map(Number));
    return { need: img.getBoundingClientRect().width * devicePixelRatio, file: probe.naturalWidth, current: img.currentSrc, largest };
  });
}

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Whether the element is the one a tap at its centre reaches (nothing drawn over it). */
async function reachable(page: Page, selector: string) {
  const el = page.locator(selector).first();
  await el.scrollIntoViewIfNeeded();
  return el.evaluate((node) => {
    const r = node.getBoundingClientRect();
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return r.bottom <= window.innerHeight && r.top >= 0 && (hit === node || node.contains(hit));
  });
}

describe.skipIf(!HAS_BROWSER)("the web app's layout at phone and desktop sizes", { timeout: 180_000 }, () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let server: ListeningPictor;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let origin: string;
  let postPath: string;
  /** What the window shows (a full-page shot would draw the fixed bars in the middle of the page). */
  const shot = (p: Page, name: string) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  /** The signed-in session at another size (and pixel density), as a phone would be. */
  const at = async (viewport: { width: number; height: number }, opts: { scale?: number; dark?: boolean; js?: boolean } = {}) => {
    const ctx = await browser.newContext({ viewport, deviceScaleFactor: opts.scale ?? 1, colorScheme: opts.dark ? "dark" : "light", javaScriptEnabled: opts.js ?? true, storageState: await context.storageState() });
    return { ctx, page: await ctx.newPage() };
  };

  beforeAll(async () => {
    server = await startListeningPictor();
    ({ pictor, origin } = server);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: DESKTOP });
    page = await context.newPage();
    await page.goto(`${origin}/setup`);
    await page.fill("#username", "painter");
    await page.fill("#password", "a long password");
    await page.click("button[type=submit]");
    await page.waitForURL(`${origin}/`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("greets an empty home feed with next steps, and shows the icon, the manifest and a skip link", async () => {
    await page.goto(`${origin}/`);
    const empty = page.locator("main .empty");
    expect(await empty.textContent()).toContain("home feed is empty");
    expect(await empty.locator('a[href="/create"]').count()).toBe(1);
    expect(await empty.locator('a[href="/explore"]').count()).toBe(1);

    const favicon = await page.request.get(`${origin}/favicon.ico`);
    expect(favicon.status()).toBe(200);
    expect(favicon.headers()["content-type"]).toBe("image/x-icon");
    expect((await page.request.get(`${origin}/favicon.svg`)).headers()["content-type"]).toBe("image/svg+xml");
    const manifest = await (await page.request.get(`${origin}/manifest.webmanifest`)).json();
    expect(manifest.theme_color).toMatch(/^#/);
    for (const icon of manifest.icons) expect((await page.request.get(`${origin}${icon.src}`)).status()).toBe(200);
    expect(await page.locator('link[rel=manifest]').getAttribute("href")).toBe("/manifest.webmanifest");
    // Other empty pages point on too.
    await page.goto(`${origin}/tags/nothing`);
    expect(await page.locator("main .empty a[href='/create']").count()).toBe(1);
    await page.goto(`${origin}/notifications`);
    expect(await page.locator("main .empty a[href='/explore']").count()).toBe(1);
    await page.goto(`${origin}/@painter`);
    expect(await page.locator("main .empty a[href='/create']").count()).toBe(1);
    await page.goto(`${origin}/`);

    // The first Tab reaches the skip link, which leads to the main content.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("href"))).toBe("#main");
  });

  it("lays the generated candidates out as a grid of selectable tiles, the Post button in reach, at desktop and phone sizes", async () => {
    await page.goto(`${origin}/create`);
    await page.fill("#prompt", "a lighthouse in a storm, teal and amber");
    await page.selectOption("#size", "1024x1024");
    await page.selectOption("#n", "4");
    await page.click("button.primary");
    await page.waitForSelector("text=Post your images", { timeout: 60_000 });
    const jobUrl = page.url();

    for (const [name, viewport] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
      await page.setViewportSize(viewport);
      await page.goto(jobUrl);
      await noSidewaysScroll(page);
      const tiles = await page.locator(".choice .tile").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as Box));
      expect(tiles).toHaveLength(4);
      for (const [i, a] of tiles.entries()) {
        expect(a.x).toBeGreaterThanOrEqual(0);
        expect(a.x + a.width).toBeLessThanOrEqual(viewport.width);
        for (const b of tiles.slice(i + 1)) expect(overlap(a, b)).toBe(false);
      }
      // Tiles show the thumbnail sharp: the image chosen is at least as wide as it is drawn.
      const sharp = await sharpness(page, ".choice .tile img");
      expect(sharp.file).toBeGreaterThanOrEqual(Math.floor(sharp.need));
      expect(await reachable(page, "form[action='/posts'] button.primary")).toBe(true);
      await shot(page, `choose-${name}`);
    }

    // Keyboard: the tiles are checkboxes with labels; Space toggles one.
    const second = page.locator(".choice .pick").nth(1);
    await second.focus();
    await page.keyboard.press("Space");
    expect(await second.isChecked()).toBe(false);
    expect(await page.getByLabel("Post image 2").isChecked()).toBe(false);
    await page.keyboard.press("Space");
    expect(await second.isChecked()).toBe(true);
    // Three of the four are posted.
    await page.getByLabel("Post image 4").uncheck();
    await shot(page, "choose-phone-unchecked");
    await page.setViewportSize(DESKTOP);
    const longWord = "Storm".repeat(120);
    const longText = `Storm light #lighthouse ${longWord} ${"The lamp turns over the sea, and the sea turns with it. ".repeat(55)}`;
    expect(longText.length).toBeGreaterThan(3000);
    await page.fill("#caption", longText);
    await page.click("form[action='/posts'] button.primary");
    await page.waitForSelector("article.post");
    postPath = new URL(page.url()).pathname;
    expect(await page.locator("article.post .post-media img").count()).toBe(3);
  });

  it("keeps the phone header to one compact row and puts the main links in a bottom tab bar; desktop keeps a normal header", async () => {
    const phone = await at(PHONE);
    for (const path of ["/", "/explore", "/notifications", "/@painter", postPath, "/create", "/settings", "/admin", "/follow-requests", "/tags/nothing"]) {
      await phone.page.goto(`${origin}${path}`);
      await noSidewaysScroll(phone.page);
      const header = await phone.page.locator("header.site").boundingBox();
      expect(header!.height, `header on ${path}`).toBeLessThanOrEqual(64);
      // The search box keeps a usable width.
      expect((await phone.page.locator("#q").boundingBox())!.width).toBeGreaterThanOrEqual(200);
      const bar = phone.page.locator("nav.tabbar");
      expect(await bar.isVisible()).toBe(true);
      expect(await bar.locator("a").allTextContents()).toEqual(["Home", "Explore", "Create", "Notifications", "Me"]);
      const barBox = (await bar.boundingBox())!;
      expect(barBox.y + barBox.height).toBeCloseTo(PHONE.height, 0);
      expect(await phone.page.locator("header.site nav.main-nav").isVisible()).toBe(false);
    }
    // The current tab is marked.
    await phone.page.goto(`${origin}/explore`);
    expect(await phone.page.locator('nav.tabbar a[aria-current="page"]').textContent()).toBe("Explore");
    // Settings and logging out are on one's own page (the "Me" tab).
    await phone.page.locator("nav.tabbar").getByRole("link", { name: "Me", exact: true }).click();
    expect(await phone.page.locator(".own a[href='/settings']").isVisible()).toBe(true);
    expect(await phone.page.locator(".own button", { hasText: "Log out" }).isVisible()).toBe(true);
    await shot(phone.page, "profile-phone");
    // The last thing on a long page is not hidden under the bar.
    await phone.page.goto(`${origin}${postPath}`);
    await phone.page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const lastButton = phone.page.locator("article.post footer a.button").last();
    expect(await reachable(phone.page, "article.post footer a.button >> nth=-1")).toBe(true);
    expect(await lastButton.isVisible()).toBe(true);
    expect(await phone.page.locator('nav.tabbar a[aria-current="page"]').count()).toBe(0);
    await shot(phone.page, "post-phone-bottom");
    await phone.page.goto(`${origin}/admin`);
    await shot(phone.page, "admin-phone");
    await phone.ctx.close();

    // Signed out, the bar holds Explore and Log in.
    const anonymous = await browser.newContext({ viewport: PHONE });
    const anon = await anonymous.newPage();
    await anon.goto(`${origin}/explore`);
    await noSidewaysScroll(anon);
    expect(await anon.locator("nav.tabbar a").allTextContents()).toEqual(["Explore", "Log in"]);
    expect((await anon.locator("header.site").boundingBox())!.height).toBeLessThanOrEqual(64);
    await shot(anon, "explore-phone-anonymous");
    await anon.goto(`${origin}/login`);
    await noSidewaysScroll(anon);
    await shot(anon, "login-phone");
    await anonymous.close();

    await page.setViewportSize(DESKTOP);
    await page.goto(`${origin}/explore`);
    expect(await page.locator("nav.tabbar").isVisible()).toBe(false);
    expect(await page.locator("header.site nav.main-nav").isVisible()).toBe(true);
    expect((await page.locator("header.site").boundingBox())!.height).toBeLessThanOrEqual(64);
    expect(await page.locator('header.site a[aria-current="page"]').textContent()).toBe("Explore");
    expect(await page.locator('main nav a[aria-current="page"]').textContent()).toBe("Local");
    await shot(page, "explore-desktop");
  });

  it("draws feed images sharp (srcset over the thumbnail and the WebP) and opens them full size", async () => {
    const phone = await at(PHONE, { scale: 2 });
    await phone.page.goto(`${origin}/`);
    expect(await phone.page.locator("article.post .post-media img").first().getAttribute("srcset")).toMatch(/\.thumb\.webp 400w, \S+\.webp \d+w$/);
    // At 2× on a phone, each of the post's images is drawn from a file at least as wide as its device pixels.
    const feed = await sharpness(phone.page, "article.post .post-media img");
    expect(feed.file).toBeGreaterThanOrEqual(Math.floor(feed.need));
    await shot(phone.page, "home-phone");
    // On a 2× desktop, drawn wider than the thumbnail, they come from the full WebP.
    const desk = await at(DESKTOP, { scale: 2 });
    await desk.page.goto(`${origin}/`);
    const wide = await sharpness(desk.page, "article.post .post-media img");
    expect(wide.current).not.toMatch(/thumb/);
    // A post's image spans the card, which at 2× can be wider than the file: then the widest one is used.
    expect(wide.file).toBeGreaterThanOrEqual(Math.min(Math.floor(wide.need), wide.largest));
    await desk.ctx.close();

    // With JavaScript: a viewer, the alt text shown, Escape closes it and focus returns.
    const link = phone.page.locator("article.post a.media-open").first();
    const full = await link.getAttribute("href");
    expect(full).toMatch(/\.webp$/);
    expect(full).not.toMatch(/thumb/);
    await link.click();
    const viewer = phone.page.locator("dialog.viewer[open]");
    await viewer.waitFor();
    expect(await viewer.locator("img").getAttribute("src")).toBe(full);
    expect(await viewer.locator("figcaption").textContent()).toBe("a lighthouse in a storm, teal and amber");
    await shot(phone.page, "viewer-phone");
    await phone.page.keyboard.press("Escape");
    await viewer.waitFor({ state: "detached" });
    expect(await phone.page.evaluate(() => document.activeElement?.classList.contains("media-open"))).toBe(true);
    await phone.ctx.close();

    // Without JavaScript: the link opens the full image.
    const nojs = await at(PHONE, { js: false });
    await nojs.page.goto(`${origin}/`);
    await nojs.page.locator("article.post a.media-open").first().click();
    expect(nojs.page.url()).toBe(full);
    await nojs.ctx.close();
  });

  it("wraps long words and folds long captions behind Show more", async () => {
    for (const [name, viewport] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
      const s = await at(viewport);
      await s.page.goto(`${origin}/`);
      await noSidewaysScroll(s.page);
      const folded = s.page.locator("article.post .content.folded").first();
      const before = (await folded.boundingBox())!.height;
      expect(before).toBeLessThan(300);
      const more = s.page.locator("article.post label.more").first();
      expect(await more.textContent()).toContain("Show more");
      await more.click();
      expect((await folded.boundingBox())!.height).toBeGreaterThan(before * 2);
      await noSidewaysScroll(s.page);
      await shot(s.page, `long-caption-${name}`);
      // On the post's own page, the whole text shows at once.
      await s.page.goto(`${origin}${postPath}`);
      expect(await s.page.locator("article.post .content.folded").count()).toBe(0);
      await noSidewaysScroll(s.page);
      await s.ctx.close();
    }
  });

  it("labels AI images with a text badge and the model, and shows readable dates", async () => {
    await page.goto(`${origin}${postPath}`);
    const label = page.locator("article.post .ai-label");
    expect(await label.locator(".badge").textContent()).toBe("AI-generated");
    // The builtin provider is named for what it is.
    expect(await label.locator(".model").textContent()).toBe("with Offline demo model (builtin)");
    // A text badge: no emoji that renders as a box without an emoji font.
    expect(await label.textContent()).not.toMatch(/\p{Extended_Pictographic}/u);
    const time = page.locator("article.post footer time");
    expect(await time.getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await time.textContent()).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC$/);
  });

  it("ends errors on pages inside the layout with a way back", async () => {
    for (const [name, path] of [["unknown-path", "/no/such/page"], ["unknown-media", "/media/0000000000000000000000000000000000000000000000000000000000000000.webp"], ["unknown-account", "/@nobody"]] as const) {
      const response = await page.goto(`${origin}${path}`);
      expect(response!.status(), path).toBe(404);
      expect(await page.locator("header.site").count(), path).toBe(1);
      expect(await page.locator('main a[href="/"]').count(), path).toBeGreaterThan(0);
      if (name === "unknown-media") await shot(page, "error-404");
    }
    // A form whose token expired.
    await page.goto(`${origin}${postPath}`);
    await page.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>('form[action$="/like"] input[name=_csrf]')!;
      input.value = "expired-token-expired-token";
      input.form!.removeAttribute("data-inline");
    });
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/like")), page.locator('form[action$="/like"] button').first().click()]);
    expect(response.status()).toBe(403);
    await page.waitForSelector("main h1");
    expect(await page.locator("main h1").textContent()).toBe("The form expired");
    expect(await page.locator('main a[href="/"]').count()).toBe(1);
    expect(await page.locator("main a", { hasText: "Go back" }).getAttribute("href")).toBe(postPath);
    await shot(page, "error-csrf");
    // An admin form refused: a page with the way back to /admin.
    await page.goto(`${origin}/admin`);
    await page.fill("#domain", "not a domain!");
    await page.locator('form[action="/admin/domain-blocks"] button').click();
    await page.waitForSelector("main h1");
    expect(await page.locator("main h1").textContent()).toBe("That did not work");
    expect(await page.locator("main a", { hasText: "Go back" }).getAttribute("href")).toBe("/admin");
  });

  it("keeps text contrast at 4.5:1 or more, in light and dark", async () => {
    for (const dark of [false, true]) {
      const s = await at(PHONE, { dark });
      await s.page.goto(`${origin}/`);
      await noSidewaysScroll(s.page);
      if (dark) await shot(s.page, "home-phone-dark");
      const ratios = await s.page.evaluate(() => {
        const rgb = (v: string) => (v.match(/[\d.]+/g) ?? []).map(Number);
        const lum = ([r, g, b]: number[]) => {
          const f = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
          return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const background = (el: Element | null): number[] => {
          for (; el; el = el.parentElement) {
            const c = rgb(getComputedStyle(el).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
          }
          return [255, 255, 255];
        };
        const out: Record<string, number> = {};
        for (const sel of ["main h1", "article.post .content", "article.post .handle", "article.post footer .muted", "article.post .content a", ".ai-label .badge", "label.more", "nav.tabbar a", 'nav.tabbar a[aria-current="page"]', "#q"]) {
          const el = document.querySelector(sel);
          if (!el) continue;
          const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
          out[sel] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }
        return out;
      });
      expect(Object.keys(ratios).length).toBeGreaterThanOrEqual(9);
      for (const [sel, ratio] of Object.entries(ratios)) expect(ratio, `${sel} (${dark ? "dark" : "light"})`).toBeGreaterThanOrEqual(4.5);
      // Keyboard focus is visible.
      await s.page.locator("article.post a.media-open").first().focus();
      expect(await s.page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe("solid");
      await s.ctx.close();
    }
  });
});
