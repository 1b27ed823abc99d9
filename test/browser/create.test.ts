import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { type ListeningPictor, startListeningPictor } from "../helpers/api-server.ts";
import { ARTIFACTS, HAS_BROWSER, launchChromium } from "../helpers/browser.ts";

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** The reader's time zone in these tests: the quota's time is shown in it. */
const ZONE = "Asia/Kolkata";

/** Serious and critical axe-core findings on the page as it is now. */
async function axeProblems(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    return axe.run(document, { resultTypes: ["violations"] });
  });
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

// Issue #15: Create as the heart of the product.
describe.skipIf(!HAS_BROWSER)("Create in a browser: focus, Ctrl+Enter, quota, live progress", { timeout: 180_000 }, () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let server: ListeningPictor;
  let browser: Browser;
  let origin: string;
  /** Generation waits for this to be opened, so that progress can be looked at. */
  let release: () => void = () => {};
  const hold = () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    release = open;
    return gate;
  };
  let gate: Promise<void> = Promise.resolve();
  const shot = (p: Page, name: string) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const as = async (options: BrowserContextOptions = {}) => {
    const ctx = await browser.newContext({ viewport: DESKTOP, locale: "en-US", timezoneId: ZONE, ...options });
    const page = await ctx.newPage();
    await page.goto(`${origin}/login`);
    await page.fill("#username", "ann");
    await page.fill("#password", "a long password");
    await page.click("form button[type=submit]");
    await page.waitForURL(`${origin}/`);
    return { ctx, page };
  };
  const jobs = () => pictor.db.kysely.selectFrom("generation_jobs").selectAll().orderBy("created_at").execute();

  beforeAll(async () => {
    server = await startListeningPictor({ GENERATION_DAILY_LIMIT: "6", GENERATION_MAX_CONCURRENT: "5" });
    ({ pictor, origin } = server);
    await pictor.accounts.createLocal({ username: "root", password: "a long password", admin: true });
    await pictor.accounts.createLocal({ username: "ann", password: "a long password" });
    const generate = pictor.generator.generate.bind(pictor.generator);
    (pictor.generator as { generate: typeof generate }).generate = async (req) => {
      await gate;
      return generate(req);
    };
    browser = await launchChromium();
  });
  afterAll(async () => {
    release();
    await browser?.close();
    await server?.close();
  });

  it("focuses the prompt, shows the quota and the demo model, and passes axe in light and dark", async () => {
    const { ctx, page } = await as();
    await page.goto(`${origin}/create`);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("prompt");
    expect((await page.textContent("#quota"))?.trim()).toBe("6 of 6 images left today");
    expect(await page.locator("#model option:checked").textContent()).toBe("Offline demo model (builtin)");
    expect(await page.locator("#size option:checked").textContent()).toBe("Square · 1024 × 1024");
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await axeProblems(page), `/create in ${scheme}`).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: "light" });
    await shot(page, "create-desktop");
    await page.setViewportSize(PHONE);
    await shot(page, "create-phone");
    await page.emulateMedia({ colorScheme: "dark" });
    await shot(page, "create-phone-dark");
    await ctx.close();
  });

  it("keeps a typed prompt through a lost session: sign in again, and it is still there", async () => {
    const { ctx, page } = await as();
    await page.goto(`${origin}/create`);
    await page.fill("#prompt", "a cat on a windowsill at night");
    await ctx.clearCookies();
    await page.click("form[action='/create'] button.primary");
    await page.waitForLoadState();
    expect(new URL(page.url()).pathname).not.toMatch(/^\/create\/./);
    await page.goto(`${origin}/login`);
    await page.fill("#username", "ann");
    await page.fill("#password", "a long password");
    await page.click("form button[type=submit]");
    await page.waitForURL(`${origin}/`);
    await page.goto(`${origin}/create`);
    expect(await page.inputValue("#prompt")).toBe("a cat on a windowsill at night");
    await ctx.close();
  });

  it("submits with Ctrl+Enter, shows a placeholder per image, then swaps the images in without a reload, keeping focus", async () => {
    const { ctx, page } = await as();
    await page.goto(`${origin}/create`);
    gate = hold();
    await page.fill("#prompt", "a red fox in a snowy forest at dawn, watercolor");
    await page.selectOption("#size", "512x512");
    await page.selectOption("#n", "3");
    await page.focus("#prompt");
    await page.keyboard.press("Control+Enter");
    await page.waitForURL(/\/create\/[0-9a-f-]+$/);
    // In progress: three animated placeholders, no images yet.
    expect(await page.locator(".placeholder").count()).toBe(3);
    expect(await page.locator(".placeholder").first().getAttribute("aria-label")).toBe("Image 1 of 3, being drawn");
    expect(await page.locator(".placeholder").first().evaluate((el) => getComputedStyle(el).animationName)).toBe("pictor-shimmer");
    expect(await page.textContent("#job-live")).toBe("Generating 3 images.");
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await axeProblems(page), `progress in ${scheme}`).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: "light" });
    await shot(page, "create-progress-desktop");
    await page.setViewportSize(PHONE);
    await shot(page, "create-progress-phone");
    await page.setViewportSize(DESKTOP);

    // A marker that a reload would lose, and focus somewhere a reload would move it from.
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = "still here";
    });
    await page.focus("#q");
    release();
    await page.waitForSelector(".choice img");
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("still here");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("q");
    expect(await page.locator(".placeholder").count()).toBe(0);
    expect(await page.locator(".choice img").count()).toBe(3);
    expect(await page.locator(".choice img").evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0))).toBe(true);
    expect(await page.textContent("h1#job-title")).toBe("Post your images");
    expect(await page.title()).toBe("Post your images");
    expect(await page.textContent("#job-live")).toBe("3 images are ready. Choose the images to post.");
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await axeProblems(page), `finished job in ${scheme}`).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: "light" });
    await shot(page, "create-done-desktop");
    // The swapped-in form posts as the server-drawn one does.
    await page.fill("#caption", "Fox at dawn");
    await page.click("form[action='/posts'] button.primary");
    await page.waitForSelector("article.post");
    expect(await page.locator("article.post .ai-label .model").textContent()).toBe("with Offline demo model (builtin)");
    await ctx.close();
  });

  it("shows what is left and when more comes in the reader's time, and keeps the prompt when a request is over it", async () => {
    const { ctx, page } = await as({ viewport: PHONE });
    await page.goto(`${origin}/create`);
    const [first] = await jobs();
    const resets = new Date(Date.parse(first.created_at) + 24 * 3600 * 1000);
    const local = resets.toLocaleTimeString("en-US", { hour: "2-digit", minute: "2-digit", timeZone: ZONE });
    expect((await page.textContent("#quota"))?.trim()).toBe(`3 of 6 images left today · more from ${local}`);
    await page.fill("#prompt", "four swans on a lake at night, neon");
    await page.selectOption("#n", "4");
    await page.click("form[action='/create'] button.primary");
    await page.waitForSelector("#create-error");
    expect(await page.textContent("#create-error")).toBe(`You asked for 4 images, but only 3 of 6 are left today: ask for 3 or fewer. More images from ${local}.`);
    expect(await page.inputValue("#prompt")).toBe("four swans on a lake at night, neon");
    expect(await page.inputValue("#n")).toBe("4");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("prompt");
    expect(await axeProblems(page)).toEqual([]);
    await shot(page, "create-over-quota-phone");
    await ctx.close();
  });

  it("refreshes itself without JavaScript, and holds the placeholders still for reduced motion", async () => {
    gate = hold();
    const { ctx, page } = await as({ reducedMotion: "reduce" });
    await page.goto(`${origin}/create`);
    await page.fill("#prompt", "a lighthouse on a cliff at sunset");
    await page.selectOption("#size", "512x512");
    await page.click("form[action='/create'] button.primary");
    await page.waitForURL(/\/create\/[0-9a-f-]+$/);
    expect(await page.locator(".placeholder").first().evaluate((el) => getComputedStyle(el).animationName)).toBe("none");
    const jobUrl = page.url();
    await ctx.close();

    const noJs = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    const cookies = await (await as()).ctx.cookies();
    await noJs.addCookies(cookies);
    const plain = await noJs.newPage();
    await plain.goto(jobUrl);
    expect(await plain.locator(".placeholder").count()).toBe(1);
    release();
    // The <noscript> refresh brings the finished page.
    await plain.waitForSelector(".choice img", { timeout: 30_000 });
    expect(await plain.textContent("h1")).toBe("Post your images");
    await noJs.close();
  });
});
