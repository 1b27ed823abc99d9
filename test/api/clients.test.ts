import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient, MastoHttpError, type mastodon } from "masto";
import generator, { type Entity, type MegalodonInterface, NotificationType, type WebSocketInterface } from "megalodon";
import type { Browser } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiToken } from "../helpers/api.ts";
import { type ListeningPictor, startCallbackServer, startListeningPictor } from "../helpers/api-server.ts";
import { HAS_BROWSER, launchChromium } from "../helpers/browser.ts";
import { waitFor } from "../helpers/pictor.ts";

/*
 * Pictor driven by maintained, independent Mastodon client libraries from npm
 * (masto and megalodon) over a real listening server: sign-in through the
 * consent page in Chromium, the instance, media upload, Pictor's generation
 * extension, posting, timelines, follows, favourites, reblogs, replies,
 * notifications, the streaming API and deletion. Runs on the dialect under
 * test (SQLite, or PostgreSQL with TEST_DATABASE_URL).
 */

// CI installs Debian's chromium (.ci/run); elsewhere the sign-in needs it too, but may be skipped without it.
const BROWSER = HAS_BROWSER;
const PASSWORD = "correct horse battery";
const SCOPES = ["read", "write", "follow", "push"];

let server: ListeningPictor;
let callback: Awaited<ReturnType<typeof startCallbackServer>>;
let browser: Browser | undefined;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "pictor-clients-"));
  server = await startListeningPictor({ GENERATION_DAILY_LIMIT: "50" });
  callback = await startCallbackServer();
  if (BROWSER) {
    browser = await launchChromium();
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await callback?.close();
  await server?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** A local account with a password to sign in with. */
async function createUser(username: string): Promise<{ id: string; username: string }> {
  await server.pictor.accounts.createLocal({ username, password: PASSWORD });
  const account = (await server.pictor.accounts.getLocalByUsername(username))!;
  return { id: account.id, username };
}

/**
 * Opens an authorization URL in a fresh Chromium context, signs in on
 * Pictor's login page, presses Authorize on the consent page and returns the
 * query the app's redirect URI received.
 */
async function consentInChromium(authorizeUrl: string, username: string, expectScopes: string[]): Promise<URLSearchParams> {
  const context = await browser!.newContext();
  try {
    const page = await context.newPage();
    const before = callback.received.length;
    await page.goto(authorizeUrl);
    // Signed out: the login page first, coming back to the request afterwards.
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.fill("#username", username);
    await page.fill("#password", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL((u) => u.pathname === "/oauth/authorize");
    const permissions = await page.locator("ul[aria-label=Permissions] li").allTextContents();
    for (const s of expectScopes) expect(permissions.join("\n")).toContain(`(${s})`);
    expect(await page.textContent(`form[action="/oauth/authorize"]`)).toContain(`@${username}`);
    await page.click("button[name=decision][value=authorize]");
    await page.waitForURL((u) => u.href.startsWith(callback.url));
    const received = await waitFor(() => callback.received.slice(before).find((u) => u.pathname === "/callback"), 10_000, "the redirect");
    return received.searchParams;
  } finally {
    await context.close();
  }
}

/** A small PNG, as a camera roll would hold. */
function png(width: number, height: number, color: { r: number; g: number; b: number }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
}

/** Pictor's own extension, which no library knows: plain fetch with the library's token. */
async function generate(token: string, prompt: string): Promise<{ id: string; media_attachments: { id: string; url: string; pictor: { generated: boolean } }[] }> {
  const res = await fetch(`${server.origin}/api/v1/pictor/generations`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ prompt, size: "256x256", n: 1 }),
  });
  expect(res.status).toBe(202);
  const job = (await res.json()) as { id: string; state: string };
  return waitFor(async () => {
    const r = await fetch(`${server.origin}/api/v1/pictor/generations/${job.id}`, { headers: { Authorization: `Bearer ${token}` } });
    const body = (await r.json()) as { state: string; error: string | null };
    if (body.state === "failed") throw new Error(`the generation failed: ${body.error}`);
    return body.state === "done" ? (body as never) : null;
  }, 30_000, "the generation");
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

describe("with masto", { timeout: 120_000 }, () => {
  let alice: { id: string; username: string };
  let bob: { id: string; username: string };
  let aliceToken: string | undefined;
  let rest: mastodon.rest.Client;
  let bobRest: mastodon.rest.Client;
  let posted: mastodon.v1.Status;
  let streamingUrl: string;
  /** Pictor's posts have 1 to 4 images (only replies may go without): an upload with the library to attach. */
  const upload = async (client: mastodon.rest.Client, description: string) =>
    (await client.v2.media.create({ file: new Blob([new Uint8Array(await png(32, 32, { r: 90, g: 160, b: 90 }))], { type: "image/png" }), description, skipPolling: true })).id;

  beforeAll(async () => {
    alice = await createUser("mastoalice");
    bob = await createUser("mastobob");
    bobRest = createRestAPIClient({ url: server.origin, accessToken: await apiToken(server.pictor, bob) });
    // Without a browser the sign-in is skipped, and the rest runs on a token made directly.
    if (!BROWSER) aliceToken = await apiToken(server.pictor, alice);
  });

  it.skipIf(!BROWSER)("registers an app, signs in through the consent page in Chromium and exchanges the code with PKCE", async () => {
    const anonymous = createRestAPIClient({ url: server.origin });
    const app = await anonymous.v1.apps.create({ clientName: "masto under test", redirectUris: callback.url, scopes: SCOPES.join(" "), website: "https://example.com/masto" });
    expect(app.name).toBe("masto under test");
    expect(app.clientId).toBeTruthy();
    expect(app.clientSecret).toBeTruthy();
    const { verifier, challenge } = pkce();
    const state = randomBytes(8).toString("hex");
    const authorize = new URL("/oauth/authorize", server.origin);
    for (const [k, v] of Object.entries({ client_id: app.clientId!, redirect_uri: callback.url, response_type: "code", scope: SCOPES.join(" "), state, code_challenge: challenge, code_challenge_method: "S256" })) {
      authorize.searchParams.set(k, v);
    }
    const answer = await consentInChromium(authorize.href, alice.username, SCOPES);
    expect(answer.get("state")).toBe(state);
    const code = answer.get("code");
    expect(code).toBeTruthy();
    const oauth = createOAuthAPIClient({ url: server.origin });
    const params = { grantType: "authorization_code", clientId: app.clientId!, clientSecret: app.clientSecret!, redirectUri: callback.url, code: code!, codeVerifier: verifier } as const;
    const token = await oauth.token.create(params as mastodon.oauth.CreateTokenWithAuthorizationCodeParams);
    expect(token.tokenType).toBe("Bearer");
    expect(token.scope).toBe(SCOPES.join(" "));
    expect(token.accessToken).toBeTruthy();
    aliceToken = token.accessToken;
  });

  it("reads the instance (v2) and verifies the signed-in account", async () => {
    expect(aliceToken).toBeTruthy();
    rest = createRestAPIClient({ url: server.origin, accessToken: aliceToken });
    const instance = await rest.v2.instance.fetch();
    expect(instance.domain).toBe(new URL(server.origin).host);
    expect(instance.version).toMatch(/^4\.\d+\.\d+ \(compatible; Pictor/);
    expect(instance.configuration.urls.streaming).toBe(server.origin.replace(/^http/, "ws"));
    expect(instance.configuration.mediaAttachments.supportedMimeTypes).toContain("image/png");
    streamingUrl = instance.configuration.urls.streaming;
    const me = await rest.v1.accounts.verifyCredentials();
    expect(me.id).toBe(alice.id);
    expect(me.username).toBe(alice.username);
    expect(me.acct).toBe(alice.username);
    expect(me.source?.privacy).toBeTruthy();
    const app = await rest.v1.apps.verifyCredentials();
    expect(app.name).toBe(BROWSER ? "masto under test" : "Test app");
  });

  it("uploads an image through v2 media, waits for its URL and posts it", async () => {
    const file = new Blob([new Uint8Array(await png(64, 48, { r: 200, g: 80, b: 40 }))], { type: "image/png" });
    // masto polls GET /api/v1/media/:id until the attachment has a url.
    const media = await rest.v2.media.create({ file, description: "an orange rectangle" });
    expect(media.type).toBe("image");
    expect(media.url).toMatch(new RegExp(`^${server.origin}/`));
    expect(media.description).toBe("an orange rectangle");
    expect((await fetch(media.url!)).status).toBe(200);
    posted = await rest.v1.statuses.create({ status: "An orange rectangle, uploaded with masto", mediaIds: [media.id], visibility: "public" });
    expect(posted.account.id).toBe(alice.id);
    expect(posted.content).toContain("An orange rectangle, uploaded with masto");
    expect(posted.mediaAttachments.map((m) => m.id)).toEqual([media.id]);
    expect(posted.visibility).toBe("public");
    expect((await rest.v1.statuses.$select(posted.id).fetch()).id).toBe(posted.id);
  });

  it("generates an image through Pictor's extension and posts it with its media id", async () => {
    const job = await generate(aliceToken!, "a teal lighthouse, for masto");
    expect(job.media_attachments).toHaveLength(1);
    expect(job.media_attachments[0].pictor.generated).toBe(true);
    const status = await rest.v1.statuses.create({ status: "Made on Pictor", mediaIds: [job.media_attachments[0].id] });
    expect(status.mediaAttachments.map((m) => m.id)).toEqual([job.media_attachments[0].id]);
    expect(status.mediaAttachments[0].url).toBe(job.media_attachments[0].url);
  });

  it("reads the home and public timelines and sees the post", async () => {
    const home = await rest.v1.timelines.home.list({ limit: 20 });
    expect(home.map((s) => s.id)).toContain(posted.id);
    const local = await rest.v1.timelines.public.list({ local: true });
    expect(local.map((s) => s.id)).toContain(posted.id);
    const federated = await bobRest.v1.timelines.public.list();
    expect(federated.map((s) => s.id)).toContain(posted.id);
    const profile = await bobRest.v1.accounts.$select(alice.id).statuses.list();
    expect(profile.map((s) => s.id)).toContain(posted.id);
    // masto pages by following the Link header: one post a page, newest first, none twice, then
    // an empty page (as Mastodon's last full page still links to the next).
    const pages: string[][] = [];
    for await (const page of rest.v1.accounts.$select(alice.id).statuses.list({ limit: 1 })) {
      pages.push(page.map((s) => s.id));
      if (pages.length === 5) break;
    }
    expect(pages.map((p) => p.length)).toEqual([1, 1, 0]);
    expect(pages.flat()).toEqual(profile.filter((s) => s.account.id === alice.id).map((s) => s.id));
    expect(pages.flat()[1]).toBe(posted.id);
  });

  it("has a second user follow, favourite, reblog and reply, and shows the first user's notifications", async () => {
    const relationship = await bobRest.v1.accounts.$select(alice.id).follow();
    expect(relationship).toMatchObject({ id: alice.id, following: true });
    expect((await bobRest.v1.accounts.relationships.fetch({ id: [alice.id] }))[0].following).toBe(true);

    const favourited = await bobRest.v1.statuses.$select(posted.id).favourite();
    expect(favourited).toMatchObject({ id: posted.id, favourited: true, favouritesCount: 1 });
    const reblog = await bobRest.v1.statuses.$select(posted.id).reblog();
    expect(reblog.reblog?.id).toBe(posted.id);
    expect(reblog.account.id).toBe(bob.id);
    expect(reblog.reblog?.reblogged).toBe(true);
    // A text-only reply, as apps send them (Pictor's other posts need images).
    const reply = await bobRest.v1.statuses.create({ status: `@${alice.username} what a colour`, inReplyToId: posted.id });
    expect(reply.mediaAttachments).toEqual([]);
    expect(reply.inReplyToId).toBe(posted.id);
    expect(reply.inReplyToAccountId).toBe(alice.id);
    expect(reply.mentions.map((m) => m.id)).toEqual([alice.id]);

    const seen = await rest.v1.statuses.$select(posted.id).fetch();
    expect(seen).toMatchObject({ favouritesCount: 1, reblogsCount: 1, repliesCount: 1, favourited: false });
    const context = await rest.v1.statuses.$select(posted.id).context.fetch();
    expect(context.descendants.map((s) => s.id)).toEqual([reply.id]);
    // Bob's home now has Alice's posts; his reblog is there too.
    const bobHome = await bobRest.v1.timelines.home.list();
    expect(bobHome.map((s) => s.id)).toContain(reblog.id);

    const notifications = await waitFor(async () => {
      const list = await rest.v1.notifications.list({ limit: 30 });
      return ["follow", "favourite", "reblog", "mention"].every((t) => list.some((n) => n.type === t)) ? list : null;
    }, 15_000, "the notifications");
    const byType = Object.fromEntries(notifications.map((n) => [n.type, n]));
    for (const t of ["follow", "favourite", "reblog", "mention"]) expect(byType[t].account.id).toBe(bob.id);
    expect(byType.follow.status).toBeFalsy();
    expect(byType.favourite.status?.id).toBe(posted.id);
    expect(byType.reblog.status?.id).toBe(posted.id);
    expect(byType.mention.status?.id).toBe(reply.id);
    const onlyFavourites = await rest.v1.notifications.list({ types: ["favourite"] });
    expect(onlyFavourites.map((n) => n.type)).toEqual(["favourite"]);
  });

  it("streams an update for a new post and a notification over the WebSocket", async () => {
    const streaming = createStreamingAPIClient({ streamingApiUrl: streamingUrl, accessToken: aliceToken, retry: false });
    const events: mastodon.streaming.Event[] = [];
    await streaming.prepare();
    const subscription = streaming.user.subscribe();
    const reading = (async () => {
      for await (const e of subscription) events.push(e);
    })().catch(() => {});
    try {
      // The subscription travels on the socket while posts go over HTTP: post until one comes through.
      const mine: string[] = [];
      let update: mastodon.streaming.Event | undefined;
      for (let attempt = 1; attempt <= 8 && !update; attempt++) {
        const s = await rest.v1.statuses.create({ status: `Streamed ${attempt}`, mediaIds: [await upload(rest, "streamed")] });
        mine.push(s.id);
        update = await waitFor(() => events.find((e) => e.event === "update" && mine.includes(e.payload.id)), 2_000, "the update").catch(() => undefined);
      }
      if (update?.event !== "update") throw new Error(`no update on the user stream; received ${JSON.stringify(events.map((e) => e.event))}`);
      expect(update.stream).toEqual(["user"]);
      expect(update.payload.account.id).toBe(alice.id);
      expect(update.payload.content).toMatch(/Streamed \d/);

      await bobRest.v1.statuses.$select(update.payload.id).favourite();
      const notification = await waitFor(() => events.find((e) => e.event === "notification" && e.payload.type === "favourite" && e.payload.status?.id === update.payload.id), 15_000, "the notification");
      if (notification.event !== "notification") throw new Error("not a notification");
      expect(notification.payload.account.id).toBe(bob.id);
    } finally {
      subscription.unsubscribe();
      streaming.close();
      await reading;
    }
  });

  it("deletes a status and gets its text back; it is gone afterwards", async () => {
    const status = await rest.v1.statuses.create({ status: "Short-lived #ephemeral", mediaIds: [await upload(rest, "short-lived")] });
    const deleted = await rest.v1.statuses.$select(status.id).remove();
    expect(deleted.id).toBe(status.id);
    expect(deleted.text).toBe("Short-lived #ephemeral");
    const gone = await rest.v1.statuses.$select(status.id).fetch().catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(MastoHttpError);
    expect((gone as MastoHttpError).statusCode).toBe(404);
    expect((await rest.v1.timelines.home.list()).map((s) => s.id)).not.toContain(status.id);
  });
});

describe("with megalodon", { timeout: 120_000 }, () => {
  let carol: { id: string; username: string };
  let dave: { id: string; username: string };
  let carolToken: string | undefined;
  let client: MegalodonInterface;
  let daveClient: MegalodonInterface;
  let posted: Entity.Status;
  /** Pictor's posts have 1 to 4 images (only replies may go without): an upload with the library to attach. */
  const upload = async (c: MegalodonInterface, description: string) => {
    const path = join(workDir, `${randomBytes(6).toString("hex")}.png`);
    writeFileSync(path, await png(32, 32, { r: 160, g: 90, b: 160 }));
    return (await c.uploadMedia(createReadStream(path), { description })).data.id;
  };

  beforeAll(async () => {
    carol = await createUser("megacarol");
    dave = await createUser("megadave");
    daveClient = generator("mastodon", server.origin, await apiToken(server.pictor, dave));
    if (!BROWSER) carolToken = await apiToken(server.pictor, carol);
  });

  it.skipIf(!BROWSER)("registers an app with registerApp, signs in at its authorize URL in Chromium and fetches the token", async () => {
    const anonymous = generator("mastodon", server.origin);
    const app = await anonymous.registerApp("megalodon under test", { scopes: SCOPES, redirect_uris: callback.url, website: "https://example.com/megalodon" });
    expect(app.client_id).toBeTruthy();
    expect(app.client_secret).toBeTruthy();
    expect(app.redirect_uri).toBe(callback.url);
    // registerApp builds the authorize URL with generateAuthUrl.
    expect(app.url).toBeTruthy();
    const authorize = new URL(app.url!);
    expect(authorize.origin + authorize.pathname).toBe(`${server.origin}/oauth/authorize`);
    expect(authorize.searchParams.get("client_id")).toBe(app.client_id);
    const answer = await consentInChromium(app.url!, carol.username, SCOPES);
    const code = answer.get("code");
    expect(code).toBeTruthy();
    const token = await anonymous.fetchAccessToken(app.client_id, app.client_secret, code!, callback.url);
    expect(token.access_token).toBeTruthy();
    expect(token.token_type).toBe("Bearer");
    expect(token.scope).toBe(SCOPES.join(" "));
    carolToken = token.access_token;
  });

  it("reads the instance and verifies the signed-in account", async () => {
    expect(carolToken).toBeTruthy();
    client = generator("mastodon", server.origin, carolToken);
    const instance = await client.getInstance();
    expect(instance.status).toBe(200);
    expect(instance.data.uri).toBe(new URL(server.origin).host);
    expect(instance.data.urls?.streaming_api).toBe(server.origin.replace(/^http/, "ws"));
    expect(await client.streamingURL()).toBe(server.origin.replace(/^http/, "ws"));
    const me = await client.verifyAccountCredentials();
    expect(me.data).toMatchObject({ id: carol.id, username: carol.username, acct: carol.username });
  });

  it("uploads an image, waits for its URL and posts it", async () => {
    const path = join(workDir, "square.png");
    writeFileSync(path, await png(40, 40, { r: 20, g: 120, b: 200 }));
    const uploaded = await client.uploadMedia(createReadStream(path), { description: "a blue square" });
    expect(uploaded.status).toBe(200);
    const media = await waitFor(async () => {
      const m = await client.getMedia(uploaded.data.id);
      return m.data.url ? m.data : null;
    }, 15_000, "the media URL");
    expect(media).toMatchObject({ id: uploaded.data.id, type: "image", description: "a blue square" });
    expect((await fetch(media.url)).headers.get("content-type")).toMatch(/^image\//);
    const res = await client.postStatus("A blue square, uploaded with megalodon", { media_ids: [media.id], visibility: "public" });
    posted = res.data as Entity.Status;
    expect(posted.account.id).toBe(carol.id);
    expect(posted.media_attachments.map((m) => m.id)).toEqual([media.id]);
    expect(posted.content).toContain("A blue square, uploaded with megalodon");
  });

  it("generates an image through Pictor's extension and posts it with its media id", async () => {
    const job = await generate(carolToken!, "an amber forest, for megalodon");
    const res = await client.postStatus("Generated on Pictor", { media_ids: [job.media_attachments[0].id] });
    const status = res.data as Entity.Status;
    expect(status.media_attachments.map((m) => m.id)).toEqual([job.media_attachments[0].id]);
    expect((await client.getStatus(status.id)).data.media_attachments[0].url).toBe(job.media_attachments[0].url);
  });

  it("reads the home, local and public timelines and sees the post", async () => {
    expect((await client.getHomeTimeline({ limit: 20 })).data.map((s) => s.id)).toContain(posted.id);
    expect((await client.getLocalTimeline()).data.map((s) => s.id)).toContain(posted.id);
    expect((await daveClient.getPublicTimeline()).data.map((s) => s.id)).toContain(posted.id);
    expect((await daveClient.getAccountStatuses(carol.id)).data.map((s) => s.id)).toContain(posted.id);
  });

  it("has a second user follow, favourite, reblog and reply, and shows the first user's notifications", async () => {
    const follow = await daveClient.followAccount(carol.id);
    expect(follow.data).toMatchObject({ id: carol.id, following: true });
    const favourite = await daveClient.favouriteStatus(posted.id);
    expect(favourite.data).toMatchObject({ id: posted.id, favourited: true, favourites_count: 1 });
    const reblog = await daveClient.reblogStatus(posted.id);
    expect(reblog.data.reblog?.id).toBe(posted.id);
    const replied = await daveClient.postStatus(`@${carol.username} lovely blue`, { in_reply_to_id: posted.id, media_ids: [await upload(daveClient, "a purple answer")] });
    const reply = replied.data as Entity.Status;
    expect(reply.in_reply_to_id).toBe(posted.id);
    expect(reply.mentions.map((m) => m.id)).toEqual([carol.id]);

    const seen = (await client.getStatus(posted.id)).data;
    expect(seen).toMatchObject({ favourites_count: 1, reblogs_count: 1, replies_count: 1 });
    expect((await client.getStatusContext(posted.id)).data.descendants.map((s) => s.id)).toEqual([reply.id]);
    expect((await client.getStatusFavouritedBy(posted.id)).data.map((a) => a.id)).toEqual([dave.id]);
    expect((await client.getStatusRebloggedBy(posted.id)).data.map((a) => a.id)).toEqual([dave.id]);
    expect((await client.getAccountFollowers(carol.id)).data.map((a) => a.id)).toEqual([dave.id]);

    const notifications = await waitFor(async () => {
      const { data } = await client.getNotifications({ limit: 30 });
      const types = [NotificationType.Follow, NotificationType.Favourite, NotificationType.Reblog, NotificationType.Mention];
      return types.every((t) => data.some((n) => n.type === t)) ? data : null;
    }, 15_000, "the notifications");
    const byType = Object.fromEntries(notifications.map((n) => [n.type, n]));
    for (const n of Object.values(byType)) expect(n.account?.id).toBe(dave.id);
    expect(byType[NotificationType.Favourite].status?.id).toBe(posted.id);
    expect(byType[NotificationType.Reblog].status?.id).toBe(posted.id);
    expect(byType[NotificationType.Mention].status?.id).toBe(reply.id);
  });

  it("streams an update for a new post and a notification over its WebSocket", async () => {
    const stream: WebSocketInterface = await client.userStreaming();
    const updates: Entity.Status[] = [];
    const notifications: Entity.Notification[] = [];
    const errors: unknown[] = [];
    stream.on("update", (s: Entity.Status) => updates.push(s));
    stream.on("notification", (n: Entity.Notification) => notifications.push(n));
    stream.on("error", (e: unknown) => errors.push(e));
    try {
      // megalodon asks for the stream in the URL, so it is subscribed once connected.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the stream did not connect")), 10_000);
        stream.once("connect", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      const status = (await client.postStatus("Streamed through megalodon", { media_ids: [await upload(client, "streamed")] })).data as Entity.Status;
      const update = await waitFor(() => updates.find((s) => s.id === status.id), 15_000, "the update");
      expect(update.account.id).toBe(carol.id);
      expect(update.content).toContain("Streamed through megalodon");

      await daveClient.reblogStatus(status.id);
      const notification = await waitFor(() => notifications.find((n) => n.type === NotificationType.Reblog && n.status?.id === status.id), 15_000, "the notification");
      expect(notification.account?.id).toBe(dave.id);
      expect(errors).toEqual([]);
    } finally {
      stream.stop();
    }
  });

  it("deletes a status; it is gone afterwards", async () => {
    const status = (await client.postStatus("Here and gone", { media_ids: [await upload(client, "gone")] })).data as Entity.Status;
    const deleted = await client.deleteStatus(status.id);
    expect(deleted.status).toBe(200);
    expect(deleted.data).toMatchObject({ id: status.id });
    expect((deleted.data as Entity.Status).content).toContain("Here and gone");
    const gone = await client.getStatus(status.id).catch((e: { response?: { status: number } }) => e);
    expect((gone as { response?: { status: number } }).response?.status).toBe(404);
    expect((await client.getHomeTimeline()).data.map((s) => s.id)).not.toContain(status.id);
  });
});
