import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { newId, nowIso } from "../../src/storage/time.ts";
import { startTestPictor } from "../helpers/pictor.ts";
import { Client } from "./browser-client.ts";

/** The text of an HTML fragment, tags dropped and spaces folded. */
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, "")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
/** The quota line of a create page, as text. */
const quotaLine = (html: string) => text(/<p class="quota[^"]*" id="quota">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? "");
const errorText = (html: string) => text(/<p class="error" role="alert" id="create-error">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? "");
const textarea = (html: string) => /<textarea id="prompt"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1];
const selected = (html: string, id: string) => new RegExp(`<select id="${id}"[\\s\\S]*?<option value="([^"]+)"[^>]*selected`).exec(html)?.[1];

describe("the Create page: quota, models and sizes, progress", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let ann: Client;
  let annId: string;

  beforeAll(async () => {
    pictor = await startTestPictor({ GENERATION_DAILY_LIMIT: "5", GENERATION_MAX_CONCURRENT: "10" });
    await pictor.accounts.createLocal({ username: "root", password: "a long password", admin: true });
    annId = (await pictor.accounts.createLocal({ username: "ann", password: "a long password" })).id;
    ann = new Client(pictor);
    await ann.page("/login");
    expect((await ann.form("/login", { username: "ann", password: "a long password" })).status).toBe(303);
  });
  afterAll(() => pictor?.stop());

  it("offers the configured models (the builtin named as the offline demo), their sizes, a focused prompt and the whole quota", async () => {
    const { res, html } = await ann.page("/create");
    expect(res.status).toBe(200);
    expect(html).toMatch(/<option value="builtin-v1"[^>]*>Offline demo model \(builtin\)<\/option>/);
    expect(html).toContain("runs on this server without any AI service");
    const sizes = [...(/<select id="size"[\s\S]*?<\/select>/.exec(html)?.[0] ?? "").matchAll(/<option value="([^"]+)"/g)].map((m) => m[1]);
    expect(sizes).toEqual(["1024x1024", "1536x1024", "1024x1536", "512x512"]);
    expect(selected(html, "size")).toBe("1024x1024");
    expect(html).toMatch(/<textarea id="prompt"[^>]*autofocus/);
    expect(html).toContain('src="/assets/create.js"');
    expect(quotaLine(html)).toBe("5 of 5 images left today");
    const js = await ann.request("/assets/create.js");
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain("EventSource");
  });

  it("counts the images asked for, says when more come, and refuses more than are left with the true count, keeping what was typed", async () => {
    const first = await ann.form("/create", { prompt: "three foxes in the snow", model: "builtin-v1", size: "512x512", n: "3" });
    expect(first.status).toBe(303);
    const job = await pictor.generations.get(first.headers.get("location")!.split("/").pop()!);
    const resets = new Date(Date.parse(job!.created_at) + 24 * 3600 * 1000).toISOString();
    const { html } = await ann.page("/create");
    expect(quotaLine(html)).toBe(`2 of 5 images left today · more from ${resets.slice(11, 16)} UTC`);
    expect(html).toContain(`<time datetime="${resets}" data-local-time`);

    // Asking for 4 with 2 left: the page says so, with the numbers, and keeps the prompt and choices.
    const over = await ann.form("/create", { prompt: "four owls at dusk, watercolor", model: "builtin-v1", size: "1536x1024", n: "4" });
    expect(over.status).toBe(429);
    const overHtml = await over.text();
    expect(errorText(overHtml)).toBe(`You asked for 4 images, but only 2 of 5 are left today: ask for 2 or fewer. More images from ${resets.slice(11, 16)} UTC.`);
    expect(textarea(overHtml)).toBe("four owls at dusk, watercolor");
    expect(selected(overHtml, "size")).toBe("1536x1024");
    expect(selected(overHtml, "n")).toBe("4");
    expect(quotaLine(overHtml)).toContain("2 of 5 images left today");

    // Exactly what is left is allowed; then nothing is.
    expect((await ann.form("/create", { prompt: "two owls", size: "512x512", n: "2" })).status).toBe(303);
    const none = await ann.form("/create", { prompt: "one more owl", size: "512x512", n: "1" });
    expect(none.status).toBe(429);
    const noneHtml = await none.text();
    expect(errorText(noneHtml)).toBe(`You have used all 5 images of the last 24 hours. More images from ${resets.slice(11, 16)} UTC.`);
    expect(quotaLine(noneHtml)).toMatch(/^0 of 5 images left today · more from /);
    expect(textarea(noneHtml)).toBe("one more owl");
  });

  it("does not count failed generations", async () => {
    const before = await pictor.generations.quota((await pictor.accounts.getLocalByUsername("ann"))!);
    const ids = (await pictor.db.kysely.selectFrom("generation_jobs").select("id").where("account_id", "=", annId).orderBy("created_at").execute()).map((r) => r.id);
    // Failing a job (here, the last one: once the queue has run it `fail` leaves done jobs alone, so mark it directly).
    await pictor.db.kysely.updateTable("generation_jobs").set({ state: "failed" }).where("id", "=", ids[ids.length - 1]).execute();
    const after = await pictor.generations.quota((await pictor.accounts.getLocalByUsername("ann"))!);
    expect([before.used, before.remaining]).toEqual([5, 0]);
    expect([after.used, after.remaining]).toEqual([3, 2]);
  });

  it("checks model, size and count on the server and answers in the page, keeping the prompt", async () => {
    const bob = new Client(pictor);
    await pictor.accounts.createLocal({ username: "bob", password: "a long password" });
    await bob.page("/login");
    await bob.form("/login", { username: "bob", password: "a long password" });
    await bob.page("/create");
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ model: "gpt-image-1" }, /Unknown model "gpt-image-1"\. Available models: builtin-v1\./],
      [{ size: "99999x1" }, /out of range for builtin-v1/],
      [{ size: "huge" }, /not of the form WIDTHxHEIGHT/],
      [{ n: "5" }, /Ask for 1 to 4 images \(got 5\)/],
    ];
    for (const [fields, message] of cases) {
      const res = await bob.form("/create", { prompt: "a lighthouse on a cliff", size: "512x512", n: "1", ...fields });
      expect(res.status, JSON.stringify(fields)).toBe(422);
      const html = await res.text();
      expect(errorText(html)).toMatch(message);
      expect(textarea(html)).toBe("a lighthouse on a cliff");
    }
    // None of them made a job or spent any of the quota.
    expect(quotaLineOf(await bob.page("/create"))).toBe("5 of 5 images left today");
  });

  it("shows admins that they have no daily limit", async () => {
    const root = new Client(pictor);
    await root.page("/login");
    await root.form("/login", { username: "root", password: "a long password" });
    expect(quotaLineOf(await root.page("/create"))).toBe("Your account has no daily image limit.");
  });

  it("shows progress with one placeholder per image, refreshing itself only without a script", async () => {
    // A job no worker picks up (it is not queued), so the page stays in progress.
    const id = newId();
    const now = nowIso();
    await pictor.db.kysely
      .insertInto("generation_jobs")
      .values({ id, account_id: annId, prompt: "a quiet harbour at dawn", provider: "builtin", model: "builtin-v1", size: "512x512", n: 3, seed: 1, quality: null, source_media_id: null, state: "queued", error_code: null, error_message: null, created_at: now, started_at: null, finished_at: null })
      .execute();
    const { html } = await ann.page(`/create/${id}`);
    expect(html).toMatch(/<noscript><meta http-equiv="refresh" content="2"\/?><\/noscript>/);
    expect(html.split('http-equiv="refresh"')).toHaveLength(2);
    expect([...html.matchAll(/class="placeholder" role="img" aria-label="Image (\d) of 3, being drawn"/g)].map((m) => m[1])).toEqual(["1", "2", "3"]);
    expect(html).toContain(`data-events="/api/generations/${id}/events"`);
    expect(text(/<p id="job-live"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? "")).toBe("Generating 3 images.");
    expect(text(/<p class="muted job-line">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? "")).toMatch(/^Waiting for a turn · \d+ s · 3 images · Offline demo model \(builtin\) · Small square · 512 × 512$/);

    // Finished, the same page has the images to choose from and no refresh.
    await pictor.generations.fail(id, "test", "The test stopped it.");
    const failed = (await ann.page(`/create/${id}`)).html;
    expect(failed).not.toContain('http-equiv="refresh"');
    expect(failed).not.toContain('class="placeholder"');
    expect(failed).toContain("The test stopped it.");
  });
});

function quotaLineOf(page: { html: string }): string {
  return quotaLine(page.html);
}
