import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import { pageLinks } from "../../src/http/web/page-links.ts";
import { accountSummary } from "../../src/read/views.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { remotePost } from "../helpers/fixtures.ts";
import { startTestPictor, waitFor } from "../helpers/pictor.ts";
import { type FakeRemote, startFakeRemote } from "../helpers/remote.ts";
import { Client } from "../web/browser-client.ts";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const MAX_BYTES = 200_000;
const MAX_PIXELS = 4_000_000;

/** A loopback server with the images a remote server might link to, counting every request. */
async function startImageServer() {
  const photo = await sharp({ create: { width: 600, height: 400, channels: 3, background: "#3a6ea5" } })
    .jpeg()
    .withExif({ IFD0: { Copyright: "GPS 48.8584 N 2.2945 E", Artist: "someone" } })
    .toBuffer();
  const avatar = await sharp({ create: { width: 200, height: 200, channels: 3, background: "#a53a6e" } }).png().toBuffer();
  const bomb = await sharp({ create: { width: 3000, height: 3000, channels: 3, background: "#000000" } }).png({ compressionLevel: 9 }).toBuffer();
  const files: Record<string, { status?: number; type: string; body: Buffer | string }> = {
    "/photo.jpg": { type: "image/jpeg", body: photo },
    "/avatar.png": { type: "image/png", body: avatar },
    "/big.jpg": { type: "image/jpeg", body: Buffer.alloc(MAX_BYTES + 50_000, 1) },
    "/page.jpg": { type: "text/html", body: "<html><body>not an image</body></html>" },
    "/bomb.png": { type: "image/png", body: bomb },
    "/flaky.jpg": { status: 503, type: "text/plain", body: "try later" },
  };
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const f = files[path];
    if (!f) return void res.writeHead(404).end();
    res.writeHead(f.status ?? 200, { "Content-Type": f.type }).end(f.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, hits, bomb, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("the remote media cache", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let images: Awaited<ReturnType<typeof startImageServer>>;
  let remote: FakeRemote;
  let bob: AccountRow;
  let photoPost: PostDetails;
  let badPost: PostDetails;
  const url = (path: string) => `${images.origin}${path}`;
  const row = async (path: string) => (await pictor.remoteMedia.lookup([url(path)])).get(url(path));
  const settled = (path: string) => waitFor(async () => ((await row(path))?.state ?? "queued") !== "queued" ? row(path) : undefined, 15_000, `${path} settled`);
  const attachment = (path: string, alt: string) => ({ url: url(path), mediaType: "image/jpeg", width: 600, height: 400, alt });

  beforeAll(async () => {
    images = await startImageServer();
    pictor = await startTestPictor({ MEDIA_MAX_BYTES: String(MAX_BYTES), MEDIA_MAX_PIXELS: String(MAX_PIXELS) });
    remote = await startFakeRemote();
    await remote.addActor("bob", { icon: { type: "Image", mediaType: "image/png", url: url("/avatar.png") } });
    bob = await pictor.resolveAccount(remote.actorIri("bob"));
    // Posts arrive: their images are fetched in the background, by jobs, not while the inbox is handled.
    photoPost = (await pictor.posts.receiveRemote(bob, remotePost(`${remote.actorIri("bob")}/statuses/1`, { attachments: [attachment("/photo.jpg", "A blue photo")] })))!;
    badPost = (await pictor.posts.receiveRemote(bob, remotePost(`${remote.actorIri("bob")}/statuses/2`, {
      attachments: [attachment("/big.jpg", "A big one"), attachment("/page.jpg", "Not really"), attachment("/bomb.png", "Too many pixels"), attachment("/flaky.jpg", "Flaky")],
    })))!;
  });
  afterAll(async () => {
    await pictor?.stop();
    await remote?.close();
    await images?.close();
  });

  it("fetches remote images into the pipeline and serves thumbnails and copies from this origin, metadata stripped", async () => {
    const photo = await settled("/photo.jpg");
    expect(photo).toMatchObject({ state: "cached", width: 600, height: 400, error: null });
    expect(photo!.blurhash).toBeTruthy();
    const anonymous = new Client(pictor);
    const page = (await anonymous.page(`/posts/${photoPost.post.id}`)).html;
    // The post's own page opens (and offers in its srcset) the full-size copy made here, never the remote file.
    expect(page).toContain(`href="http://pictor.test/media/${photo!.full_key}"`);
    expect(page).toContain(`http://pictor.test/media/${photo!.full_key} 600w`);
    expect(page).not.toContain(url("/photo.jpg"));
    expect((await anonymous.page("/explore?tab=federated")).html).toContain(`src="http://pictor.test/media/${photo!.thumb_key}"`);
    const served = await anonymous.request(`/media/${photo!.thumb_key}`);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/webp");
    const meta = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
    expect([meta.format, meta.exif, meta.xmp]).toEqual(["webp", undefined, undefined]);
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(400);
    // The author's avatar too, shown from here.
    const avatar = await settled("/avatar.png");
    expect(avatar?.state).toBe("cached");
    const links = await pageLinks({ host: "pictor.test", media: { full: () => "", thumb: () => "" } }, pictor.urls, pictor.remoteMedia, [], [bob]);
    expect(accountSummary(bob, links).avatarUrl).toBe(`http://pictor.test/media/${avatar!.full_key}`);
    expect(images.hits.get("/photo.jpg")).toBe(1);
  });

  it("keeps an image that is too large, not an image, or a decompression bomb as a link with its alt text, fetched once", async () => {
    for (const [path, code] of [["/big.jpg", "too_large"], ["/page.jpg", "not_an_image"], ["/bomb.png", "too_many_pixels"]] as const) {
      const r = await settled(path);
      expect([path, r?.state, r?.error?.split(":")[0]]).toEqual([path, "failed", code]);
    }
    // A server that keeps failing is tried a bounded number of times, then left alone.
    for (let i = 0; i < 5; i++) {
      await pictor.remoteMedia.requeueStale(0);
      await new Promise((r) => setTimeout(r, 200));
    }
    const flaky = await settled("/flaky.jpg");
    expect([flaky?.state, flaky?.error]).toEqual(["failed", "http_error: HTTP 503"]);
    expect(images.hits.get("/flaky.jpg")).toBe(3);
    const page = (await new Client(pictor).page(`/posts/${badPost.post.id}`)).html;
    for (const [path, alt] of [["/big.jpg", "A big one"], ["/page.jpg", "Not really"], ["/bomb.png", "Too many pixels"]]) {
      expect(page).toMatch(new RegExp(`<a class="media-link" href="${url(path)}"[^>]*>🖼 ${alt}</a>`));
      expect(page).not.toContain(`src="${url(path)}"`);
    }
    // Showing the page again, or sweeping, fetches none of them again.
    await new Client(pictor).page(`/posts/${badPost.post.id}`);
    await pictor.sweepJobs();
    await new Promise((r) => setTimeout(r, 300));
    expect(["/big.jpg", "/page.jpg", "/bomb.png", "/flaky.jpg"].map((p) => images.hits.get(p))).toEqual([1, 1, 1, 3]);
  });

  it("prunes old full-size copies (fetched again on demand), unused images, from the CLI too, and shows the cache's size to admins", async () => {
    const before = (await row("/photo.jpg"))!;
    const old = "2020-01-01T00:00:00.000Z";
    await pictor.db.kysely.updateTable("remote_media").set({ fetched_at: old }).where("url", "=", url("/photo.jpg")).execute();
    const pruned = await pictor.remoteMedia.prune(7 * 86_400_000);
    expect(pruned.fullCopies).toBe(1);
    expect(pruned.bytesFreed).toBeGreaterThan(0);
    expect((await new Client(pictor).request(`/media/${before.full_key}`)).status).toBe(404);
    expect((await row("/photo.jpg"))?.full_key).toBeNull();
    // Feeds keep the thumbnail; the post's own page shows the remote URL meanwhile and asks for the copy again.
    expect((await new Client(pictor).page("/explore?tab=federated")).html).toContain(`/media/${before.thumb_key}`);
    expect((await new Client(pictor).page(`/posts/${photoPost.post.id}`)).html).toContain(`href="${url("/photo.jpg")}"`);
    const again = await waitFor(async () => (await row("/photo.jpg"))?.full_key ? row("/photo.jpg") : undefined, 15_000, "the copy fetched again");
    expect(images.hits.get("/photo.jpg")).toBe(2);
    expect((await new Client(pictor).request(`/media/${again!.full_key}`)).status).toBe(200);

    // The CLI: pictor media prune --older-than 7d, on the same database and media directory.
    await pictor.db.kysely.updateTable("remote_media").set({ fetched_at: old }).where("url", "=", url("/photo.jpg")).execute();
    const cli = await run(process.execPath, [join(ROOT, "bin/pictor.js"), "media", "prune", "--older-than", "7d"], {
      cwd: pictor.config.dataDir,
      env: { ...process.env, DATABASE_URL: pictor.config.databaseUrl, DATA_DIR: pictor.config.dataDir, PUBLIC_URL: "http://pictor.test", LOG_LEVEL: "warning" },
    });
    expect(cli.stdout).toMatch(/^Removed 1 full-size copy and 0 unused images \([\d.]+ (KB|bytes)( freed)?\)/);
    expect((await row("/photo.jpg"))?.full_key).toBeNull();
    const bad = await run(process.execPath, [join(ROOT, "bin/pictor.js"), "media", "prune", "--older-than", "soon"], {
      cwd: pictor.config.dataDir,
      env: { ...process.env, DATABASE_URL: pictor.config.databaseUrl, DATA_DIR: pictor.config.dataDir, PUBLIC_URL: "http://pictor.test" },
    }).catch((e) => e);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, "pictor: --older-than must be a duration such as 12h, 7d or 2w"]);

    // Images nothing uses any more (their post deleted) go entirely, files and all.
    await pictor.posts.deleteRemote(bob, badPost.post.iri);
    await pictor.db.kysely.updateTable("remote_media").set({ created_at: old }).execute();
    const unused = await pictor.remoteMedia.prune(7 * 86_400_000);
    expect(unused.unused).toBe(4);
    expect([...(await pictor.remoteMedia.lookup([url("/big.jpg"), url("/photo.jpg"), url("/avatar.png")])).keys()].sort()).toEqual([url("/avatar.png"), url("/photo.jpg")]);

    // The admin page says how much the cache takes.
    const usage = await pictor.remoteMedia.usage();
    expect(usage).toMatchObject({ images: 2, failed: 0 });
    await pictor.accounts.createLocal({ username: "root", password: "correct horse battery", admin: true });
    const admin = new Client(pictor);
    await admin.page("/login");
    await admin.form("/login", { username: "root", password: "correct horse battery" });
    const html = (await admin.page("/admin")).html;
    expect(html).toMatch(/Remote media cache[\s\S]*<strong>[\d.]+ (KB|MB|bytes)<\/strong> for 2 remote images \(1 full-size copies; 0 could not be fetched\)/);
  });

  it("validates REMOTE_MEDIA_RETENTION", () => {
    expect(loadConfig({ REMOTE_MEDIA_RETENTION: "12h" }).remoteMedia).toEqual({ enabled: true, retentionMs: 12 * 3_600_000 });
    expect(loadConfig({}).remoteMedia.retentionMs).toBe(7 * 86_400_000);
    expect(loadConfig({ REMOTE_MEDIA_RETENTION: "0", REMOTE_MEDIA_CACHE: "false" }).remoteMedia).toEqual({ enabled: false, retentionMs: 0 });
    expect(() => loadConfig({ REMOTE_MEDIA_RETENTION: "a week" })).toThrow(ConfigError);
    expect(() => loadConfig({ REMOTE_MEDIA_RETENTION: "a week" })).toThrow(/REMOTE_MEDIA_RETENTION/);
  });
});

describe("the remote media cache without ALLOW_PRIVATE_ADDRESS", () => {
  it("refuses an image on a private address, records why, and shows a link", async () => {
    const images = await startImageServer();
    const pictor = await startTestPictor({ ALLOW_PRIVATE_ADDRESS: "false" });
    try {
      const bob = await pictor.accounts.upsertRemote({
        iri: "https://remote.example/users/bob", username: "bob", domain: "remote.example", display_name: "bob", bio_html: "", avatar_url: null, header_url: null,
        url: null, inbox_url: "https://remote.example/users/bob/inbox", shared_inbox_url: null, followers_url: null, fetched_at: null,
      });
      const target = `${images.origin}/photo.jpg`;
      const post = (await pictor.posts.receiveRemote(bob, remotePost("https://remote.example/users/bob/statuses/1", { attachments: [{ url: target, mediaType: "image/jpeg", width: 600, height: 400, alt: "Behind the firewall" }] })))!;
      const r = await waitFor(async () => {
        const x = (await pictor.remoteMedia.lookup([target])).get(target);
        return x?.state === "failed" ? x : undefined;
      }, 15_000, "the refusal");
      expect(r.error).toMatch(/^private_address: /);
      expect(images.hits.get("/photo.jpg")).toBeUndefined();
      const page = (await new Client(pictor).page(`/posts/${post.post.id}`)).html;
      expect(page).toContain(`<a class="media-link" href="${target}"`);
      expect(page).not.toContain(`src="${target}"`);
    } finally {
      await pictor.stop();
      await images.close();
    }
  });
});
