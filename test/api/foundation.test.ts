import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountEntity, mediaEntity, parseFocus, reblogEntity, relationshipEntity } from "../../src/api/entities.ts";
import { pageQuery } from "../../src/api/paging.ts";
import { bool, int, list } from "../../src/api/params.ts";
import { RateLimiter } from "../../src/api/rate-limit.ts";
import { ApiError } from "../../src/api/errors.ts";
import { Hono } from "hono";
import { pkceMatches } from "../../src/domain/oauth.ts";
import { coveredBy, describeScope, grants, parseScopes, unknownScopes } from "../../src/domain/scopes.ts";
import { accountSummary } from "../../src/read/views.ts";
import { api, apiToken, apiUser } from "../helpers/api.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor } from "../helpers/pictor.ts";

describe("scopes", () => {
  it("coarse scopes grant their granular ones, follow grants follows, blocks and mutes, profile grants nothing else", () => {
    expect(grants(["read"], "read:statuses")).toBe(true);
    expect(grants(["read"], "write:statuses")).toBe(false);
    expect(grants(["write"], "write:media")).toBe(true);
    expect(grants(["read:statuses"], "read:notifications")).toBe(false);
    expect(grants(["read:statuses"], "read")).toBe(false);
    expect(grants(["follow"], "write:follows")).toBe(true);
    expect(grants(["follow"], "read:mutes")).toBe(true);
    expect(grants(["follow"], "write:statuses")).toBe(false);
    expect(grants(["profile"], "read:accounts")).toBe(false);
    expect(grants(["profile"], "profile")).toBe(true);
  });

  it("parses space- and plus-separated lists, defaults to read, and finds unknown scopes", () => {
    expect(parseScopes("read write+follow")).toEqual(["read", "write", "follow"]);
    expect(parseScopes("")).toEqual(["read"]);
    expect(parseScopes(undefined)).toEqual(["read"]);
    expect(unknownScopes(["read", "admin:everything", "write:media"])).toEqual(["admin:everything"]);
    expect(coveredBy(["read:statuses", "write:media"], ["read", "write"])).toBe(true);
    expect(coveredBy(["write"], ["read", "write:statuses"])).toBe(false);
    expect(coveredBy(["follow"], ["read", "write"])).toBe(true);
    expect(describeScope("read:notifications")).toBe("Read your notifications");
  });

  it("checks PKCE S256 verifiers", () => {
    // RFC 7636, appendix B.
    expect(pkceMatches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256")).toBe(true);
    expect(pkceMatches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256")).toBe(false);
  });
});

describe("parameters", () => {
  it("reads booleans as Mastodon does and refuses what is not one", () => {
    for (const v of ["true", "1", "on", "TRUE", true, 1]) expect(bool(v)).toBe(true);
    for (const v of ["false", "0", "off", "", false, 0]) expect(bool(v)).toBe(false);
    expect(bool(undefined, true)).toBe(true);
    expect(() => bool("maybe")).toThrow(/not a boolean/);
  });

  it("bounds integers and lists", () => {
    expect(int("12", "limit", 1, 40)).toBe(12);
    expect(() => int("41", "limit", 1, 40)).toThrow(/from 1 to 40/);
    expect(() => int("1e3", "limit", 1, 40)).toThrow();
    expect(list(["a", "b"], "ids")).toEqual(["a", "b"]);
    expect(list("a", "ids")).toEqual(["a"]);
    expect(() => list([{}], "ids")).toThrow();
  });

  it("clamps page limits and drops malformed ids", () => {
    expect(pageQuery({ limit: "500" }).limit).toBe(40);
    expect(pageQuery({ limit: "0" }).limit).toBe(1);
    expect(pageQuery({ limit: "abc" }).limit).toBe(20);
    expect(pageQuery({ max_id: "01900000-0000-7000-8000-000000000000", since_id: "'; drop" })).toMatchObject({
      maxId: "01900000-0000-7000-8000-000000000000",
      sinceId: undefined,
    });
  });
});

describe("entities", () => {
  const now = "2026-12-03T10:11:12.000Z";
  const row = {
    id: "a1",
    iri: "https://remote.example/users/bob",
    username: "bob",
    domain: "remote.example",
    display_name: "Bob",
    bio_html: "<p>hi</p>",
    avatar_url: null,
    header_url: null,
    url: "https://remote.example/@bob",
    inbox_url: null,
    shared_inbox_url: null,
    followers_url: null,
    type: "Service",
    manually_approves_followers: 1,
    discoverable: 1,
    indexable: 0,
    created_at: now,
    updated_at: now,
    fetched_at: null,
    deleted_at: null,
    suspended_at: null,
  };
  const links = { origin: "https://pictor.example", missingAvatar: "https://pictor.example/a.png", missingHeader: "https://pictor.example/h.png", tag: (t: string) => t };

  it("maps a remote account with its full acct, a placeholder avatar and the day it was made", () => {
    const e = accountEntity(row, accountSummary(row, { host: "pictor.example" }), { statuses: 3, followers: 2, following: 1, lastStatusAt: "2026-12-01" }, links);
    expect(e).toMatchObject({ id: "a1", acct: "bob@remote.example", url: "https://remote.example/@bob", locked: true, bot: true, avatar: links.missingAvatar });
    expect(e).toMatchObject({ created_at: "2026-12-03T00:00:00.000Z", statuses_count: 3, followers_count: 2, following_count: 1, noindex: true });
  });

  it("maps a local account with its bare username and absolute URLs", () => {
    const local = { ...row, domain: null, iri: "https://pictor.example/users/amy", username: "amy", url: null, avatar_url: "/media/av.webp" };
    const e = accountEntity(local, accountSummary(local, { host: "pictor.example" }), { statuses: 0, followers: 0, following: 0, lastStatusAt: null }, links);
    expect(e).toMatchObject({ acct: "amy", url: "https://pictor.example/@amy", avatar: "https://pictor.example/media/av.webp" });
  });

  it("gives media their sizes, a thumbnail size within 400 px, focus and no AI label for uploads", () => {
    const m = mediaEntity(
      { id: "m1", mediaType: "image/png", url: "/media/a.webp", thumbUrl: "/media/a.thumb.webp", width: 1024, height: 512, blurhash: "LKO2", alt: "", generated: false, model: null, unavailable: false },
      links,
      { focus: "0.5,-0.25" },
    );
    expect(m.meta).toEqual({
      original: { width: 1024, height: 512, size: "1024x512", aspect: 2 },
      small: { width: 400, height: 200, size: "400x200", aspect: 2 },
      focus: { x: 0.5, y: -0.25 },
    });
    expect(m).toMatchObject({ url: "https://pictor.example/media/a.webp", description: null, pictor: { generated: false, source: "upload" } });
    expect(parseFocus("2,0")).toBeNull();
  });

  it("maps relationships and wraps reblogs", () => {
    expect(relationshipEntity("x", { following: "pending", followedBy: "accepted", blocking: false, blockedBy: false, muting: true })).toMatchObject({
      following: false,
      requested: true,
      followed_by: true,
      muting: true,
    });
    const inner = { id: "p1", uri: "u", content: "<p>x</p>" } as never;
    const booster = { id: "b" } as never;
    expect(reblogEntity("r1", now, booster, inner)).toMatchObject({ id: "r1", reblog: { id: "p1" }, account: { id: "b" }, content: "" });
  });

  it("counts requests per key in a fixed window", () => {
    const limiter = new RateLimiter({ limit: 2, windowMs: 1000 });
    expect(limiter.hit("k", 0).limited).toBe(false);
    expect(limiter.hit("k", 10)).toMatchObject({ limited: false, remaining: 0 });
    expect(limiter.hit("k", 20).limited).toBe(true);
    expect(limiter.hit("other", 20).limited).toBe(false);
    expect(limiter.hit("k", 1000).limited).toBe(false);
  });
});

describe("rate limits by address", () => {
  it("keys anonymous requests on the address it is given, never on a header the client could forge", async () => {
    const app = new Hono();
    app.onError((e, c) => (e instanceof ApiError ? c.json({ error: e.message }, e.status) : c.text("boom", 500)));
    app.use(new RateLimiter({ limit: 2, windowMs: 60_000 }, () => "198.51.100.7").middleware());
    app.get("/x", (c) => c.text("ok"));
    const statuses = [];
    for (const forged of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) statuses.push((await app.request("/x", { headers: { "X-Forwarded-For": forged } })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe("the API surface", () => {
  let pictor: Awaited<ReturnType<typeof startTestPictor>>;
  beforeAll(async () => {
    pictor = await startTestPictor({ API_RATE_LIMIT: "5" });
  });
  afterAll(() => pictor?.stop());

  it("answers an unknown or revoked token with 401 and unknown paths with a JSON 404", async () => {
    const { account, token } = await apiUser(pictor, "amy");
    expect(await api(pictor, "GET", "/api/v1/nothing-here", { token: "not-a-token" })).toMatchObject({ status: 401, body: { error: expect.any(String) } });
    expect(await api(pictor, "GET", "/api/v1/nothing-here", { headers: { Authorization: "Basic abc" } })).toMatchObject({ status: 401 });
    expect(await api(pictor, "GET", "/api/v1/nothing-here", { token })).toMatchObject({ status: 404, body: { error: "Record not found" } });
    const apps = await pictor.oauth.authorizedApps(account.id);
    expect(apps).toHaveLength(1);
    await pictor.oauth.revokeApp(account.id, apps[0].app.id);
    expect((await api(pictor, "GET", "/api/v1/nothing-here", { token })).status).toBe(401);
  });

  it("refuses tokens of suspended accounts", async () => {
    const { account, token } = await apiUser(pictor, "sam");
    await pictor.accounts.setSuspended(account, true);
    expect((await api(pictor, "GET", "/api/v1/nothing-here", { token })).status).toBe(401);
  });

  it("answers CORS preflights from other origins", async () => {
    const res = await pictor.http.request("http://pictor.test/api/v1/timelines/public", {
      method: "OPTIONS",
      headers: { Origin: "https://elk.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "Authorization" },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Allow-Headers")).toMatch(/Authorization/i);
  });

  it("counts requests per token with X-RateLimit headers and answers 429 past the limit", async () => {
    const { token } = await apiUser(pictor, "rita");
    const seen: number[] = [];
    let last: Awaited<ReturnType<typeof api>> | undefined;
    for (let i = 0; i < 6; i++) {
      last = await api(pictor, "GET", "/api/v1/nothing-here", { token });
      seen.push(Number(last.headers.get("X-RateLimit-Remaining")));
    }
    expect(seen).toEqual([4, 3, 2, 1, 0, 0]);
    expect(last).toMatchObject({ status: 429, body: { error: "Too many requests" } });
    expect(last!.headers.get("X-RateLimit-Limit")).toBe("5");
    expect(Date.parse(last!.headers.get("X-RateLimit-Reset")!)).toBeGreaterThan(Date.now());
  });

  it("answers what apps ask for on start-up, empty where Pictor has no such feature, and trending tags for real", async () => {
    const { account } = await apiUser(pictor, "tina");
    const fresh = await apiToken(pictor, account, "read");
    expect(await api(pictor, "GET", "/api/v1/lists", { token: fresh })).toMatchObject({ status: 200, body: [] });
    expect(await api(pictor, "GET", "/api/v2/filters", { token: fresh })).toMatchObject({ status: 200, body: [] });
    expect((await api(pictor, "GET", "/api/v1/lists")).status).toBe(401);
    expect((await api(pictor, "GET", "/api/v1/push/subscription", { token: fresh })).status).toBe(403);
    const media = await insertGeneratedMedia(pictor.db, account.id, "a red kite");
    await pictor.posts.create(account, { caption: "Kites #KiteFestival", mediaIds: [media.id] });
    const trends = await api(pictor, "GET", "/api/v1/trends/tags");
    expect(trends.status).toBe(200);
    expect(trends.body).toEqual([{ name: "kitefestival", url: "http://pictor.test/tags/kitefestival", history: [expect.objectContaining({ uses: "1" })] }]);
  });

  it("refuses bodies over the limit before reading them", async () => {
    const { token } = await apiUser(pictor, "bea");
    const big = await api(pictor, "POST", "/api/v1/statuses", { token, json: { status: "x".repeat(1_100_000) } });
    expect(big).toMatchObject({ status: 413, body: { error: expect.stringMatching(/larger than 1048576 bytes/) } });
  });

  it("shows counts changed by this process at once, though it keeps counts a few seconds", async () => {
    const { token } = await apiUser(pictor, "fay");
    const { account: gus } = await apiUser(pictor, "gus");
    expect((await api(pictor, "GET", `/api/v1/accounts/${gus.id}`, { token })).body.followers_count).toBe(0);
    expect((await api(pictor, "POST", `/api/v1/accounts/${gus.id}/follow`, { token })).body.following).toBe(true);
    expect((await api(pictor, "GET", `/api/v1/accounts/${gus.id}`, { token })).body.followers_count).toBe(1);
  });

  it("serves placeholder avatars and headers", async () => {
    const res = await pictor.http.request("http://pictor.test/assets/missing-avatar.png");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/png");
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(50);
  });
});
