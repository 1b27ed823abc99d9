import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pictor } from "../../src/app.ts";
import type { LocalAccount } from "../../src/domain/accounts.ts";
import { MAX_CAPTION } from "../../src/domain/posts.ts";
import { api, apiToken, apiUser } from "../helpers/api.ts";
import { remoteAccount } from "../helpers/fixtures.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor } from "../helpers/pictor.ts";

/** What apps read about the instance first, the account's preferences, and read markers. */
describe("instance API", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let admin: { account: LocalAccount; token: string };
  let bob: { account: LocalAccount; token: string };

  beforeAll(async () => {
    pictor = await startTestPictor({ INSTANCE_NAME: "Pixel Garden", REGISTRATIONS: "invite", MEDIA_MAX_BYTES: "1048576", MEDIA_MAX_PIXELS: "4000000" });
    admin = await apiUser(pictor, "root", "read write follow", { admin: true });
    bob = await apiUser(pictor, "bob");
    await pictor.posts.create(bob.account, { caption: "hello", mediaIds: [(await insertGeneratedMedia(pictor.db, bob.account.id, "hello")).id] });
    await pictor.accounts.upsertRemote(remoteAccount("rita"));
  });
  afterAll(async () => {
    await pictor?.stop();
  });

  it("describes itself at /api/v2/instance, with Pictor's extension", async () => {
    const res = await api(pictor, "GET", "/api/v2/instance");
    expect(res.status).toBe(200);
    const i = res.body;
    expect(i).toMatchObject({
      domain: "pictor.test",
      title: "Pixel Garden",
      version: "4.3.0 (compatible; Pictor 0.1.0)",
      usage: { users: { active_month: 2 } },
      thumbnail: { url: expect.stringMatching(/^http:\/\/pictor\.test\//) },
      languages: expect.any(Array),
      registrations: { enabled: false, approval_required: false },
      api_versions: { mastodon: 2 },
      rules: [],
      configuration: {
        urls: { streaming: "ws://pictor.test" },
        accounts: { max_featured_tags: expect.any(Number), max_pinned_statuses: expect.any(Number) },
        statuses: { max_characters: MAX_CAPTION, max_media_attachments: 4, characters_reserved_per_url: 23 },
        media_attachments: { supported_mime_types: ["image/jpeg", "image/png", "image/webp"], image_size_limit: 1048576, image_matrix_limit: 4000000, video_size_limit: 0 },
        translation: { enabled: false },
      },
      pictor: { version: "0.1.0", generation: { models: pictor.generator.provider.models, endpoints: "/api/v1/pictor/generations" }, uploads: true },
    });
    expect(i.source_url).toMatch(/^https?:\/\//);
    expect(typeof i.pictor.generation.can_remix).toBe("boolean");
    expect(i.contact.account).toMatchObject({ id: admin.account.id, username: "root" });
    expect(i.configuration.polls).toMatchObject({ max_options: expect.any(Number) });
  });

  it("describes itself at /api/v1/instance in the older shape", async () => {
    const res = await api(pictor, "GET", "/api/v1/instance");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      uri: "pictor.test",
      title: "Pixel Garden",
      version: "4.3.0 (compatible; Pictor 0.1.0)",
      urls: { streaming_api: "ws://pictor.test" },
      stats: { user_count: 2, status_count: 1, domain_count: 1 },
      registrations: false,
      approval_required: false,
      invites_enabled: true,
      configuration: { statuses: { max_characters: MAX_CAPTION }, media_attachments: { image_size_limit: 1048576 } },
      contact_account: { id: admin.account.id },
      rules: [],
    });
    expect(typeof res.body.thumbnail).toBe("string");
    expect(typeof res.body.short_description).toBe("string");
    // A bad token is refused even here.
    expect((await api(pictor, "GET", "/api/v1/instance", { token: "nope" })).status).toBe(401);
  });

  it("has no rules and no custom emojis", async () => {
    expect((await api(pictor, "GET", "/api/v1/instance/rules")).body).toEqual([]);
    expect((await api(pictor, "GET", "/api/v1/custom_emojis")).body).toEqual([]);
  });

  it("answers the account's preferences", async () => {
    expect((await api(pictor, "GET", "/api/v1/preferences")).status).toBe(401);
    const statusesOnly = await apiToken(pictor, bob.account, "read:statuses");
    expect((await api(pictor, "GET", "/api/v1/preferences", { token: statusesOnly })).status).toBe(403);
    await pictor.accounts.setPreferences(bob.account.id, { defaultVisibility: "followers", showPromptDefault: true });
    const res = await api(pictor, "GET", "/api/v1/preferences", { token: bob.token });
    expect(res.body).toEqual({
      "posting:default:visibility": "followers",
      "posting:default:sensitive": false,
      "posting:default:language": null,
      "reading:expand:media": "default",
      "reading:expand:spoilers": false,
    });
  });

  it("keeps read markers per account, counting versions up", async () => {
    expect((await api(pictor, "GET", "/api/v1/markers", { token: bob.token })).body).toEqual({});
    const form = new URLSearchParams({ "home[last_read_id]": "0190aaaa-0000-7000-8000-000000000001" });
    const first = await api(pictor, "POST", "/api/v1/markers", { token: bob.token, form });
    expect(first.status).toBe(200);
    expect(first.body.home).toMatchObject({ last_read_id: "0190aaaa-0000-7000-8000-000000000001", version: 1, updated_at: expect.any(String) });
    const second = await api(pictor, "POST", "/api/v1/markers", {
      token: bob.token,
      json: { home: { last_read_id: "0190aaaa-0000-7000-8000-000000000002" }, notifications: { last_read_id: "0190aaaa-0000-7000-8000-000000000009" } },
    });
    expect(second.body.home).toMatchObject({ last_read_id: "0190aaaa-0000-7000-8000-000000000002", version: 2 });
    expect(second.body.notifications).toMatchObject({ version: 1 });
    const read = await api(pictor, "GET", "/api/v1/markers?timeline[]=home", { token: bob.token });
    expect(Object.keys(read.body)).toEqual(["home"]);
    expect(read.body.home.version).toBe(2);
    // Markers are the account's own.
    expect((await api(pictor, "GET", "/api/v1/markers", { token: admin.token })).body).toEqual({});

    expect((await api(pictor, "POST", "/api/v1/markers", { token: bob.token, json: {} })).status).toBe(422);
    expect((await api(pictor, "POST", "/api/v1/markers", { token: bob.token, json: { home: "x" } })).status).toBe(422);
    expect((await api(pictor, "POST", "/api/v1/markers", { token: bob.token, json: { home: { last_read_id: "../../etc" } } })).status).toBe(422);
    expect((await api(pictor, "GET", "/api/v1/markers?timeline[]=everything", { token: bob.token })).status).toBe(422);
    expect((await api(pictor, "GET", "/api/v1/markers")).status).toBe(401);
    const readOnly = await apiToken(pictor, bob.account, "read");
    expect((await api(pictor, "POST", "/api/v1/markers", { token: readOnly, form })).status).toBe(403);
  });
});
