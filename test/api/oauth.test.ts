import { createHash } from "node:crypto";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate, user } from "../../src/api/auth.ts";
import type { ApiEnv } from "../../src/api/env.ts";
import type { Pictor } from "../../src/app.ts";
import { describeScope, KNOWN_SCOPES } from "../../src/domain/scopes.ts";
import { api } from "../helpers/api.ts";
import { startTestPictor } from "../helpers/pictor.ts";
import { Client } from "../web/browser-client.ts";

const CALLBACK = "https://app.example/callback";
const OOB = "urn:ietf:wg:oauth:2.0:oob";

const challengeOf = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

interface RegisteredApp {
  id: string;
  client_id: string;
  client_secret: string;
  scopes: string[];
}

describe("OAuth 2.0 sign-in", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let userCount = 0;
  beforeAll(async () => {
    pictor = await startTestPictor();
  });
  afterAll(() => pictor?.stop());

  async function register(fields: Record<string, unknown> = {}): Promise<RegisteredApp> {
    const res = await api(pictor, "POST", "/api/v1/apps", { json: { client_name: "Pinhole", redirect_uris: CALLBACK, scopes: "read write follow", website: "https://app.example", ...fields } });
    expect(res.status).toBe(200);
    return res.body;
  }

  /** A new person, signed in to the web app (session cookie, CSRF token). */
  async function signedIn(): Promise<{ client: Client; username: string }> {
    const username = `person${++userCount}`;
    await pictor.accounts.createLocal({ username, password: "a long password" });
    const client = new Client(pictor);
    await client.page("/login");
    expect((await client.form("/login", { username, password: "a long password" })).status).toBe(303);
    return { client, username };
  }

  const authorizePath = (app: RegisteredApp, extra: Record<string, string> = {}) =>
    `/oauth/authorize?${new URLSearchParams({ response_type: "code", client_id: app.client_id, redirect_uri: CALLBACK, scope: "read write", state: "st4te", ...extra })}`;

  /** Through the consent page: GET it (remembering the CSRF token), press a button; the redirect's URL. */
  async function consent(client: Client, app: RegisteredApp, extra: Record<string, string> = {}, decision = "authorize") {
    const { res, html } = await client.page(authorizePath(app, extra));
    expect(res.status).toBe(200);
    const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&amp;/g, "&").replace(/&quot;/g, '"')]));
    const answer = await client.form("/oauth/authorize", { ...hidden, decision });
    return answer;
  }

  async function codeFor(client: Client, app: RegisteredApp, extra: Record<string, string> = {}): Promise<string> {
    const answer = await consent(client, app, extra);
    expect(answer.status).toBe(303);
    const location = new URL(answer.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(location.searchParams.get("state")).toBe(extra.state ?? "st4te");
    return location.searchParams.get("code")!;
  }

  const exchange = (app: RegisteredApp, fields: Record<string, string>) =>
    api(pictor, "POST", "/oauth/token", { json: { grant_type: "authorization_code", client_id: app.client_id, client_secret: app.client_secret, redirect_uri: CALLBACK, ...fields } });

  const verify = (token: string) => api(pictor, "GET", "/api/v1/apps/verify_credentials", { token });

  describe("app registration", () => {
    it("registers an app with redirect URIs as a string, answering Mastodon's Application entity with credentials", async () => {
      const res = await api(pictor, "POST", "/api/v1/apps", {
        json: { client_name: "Pinhole", redirect_uris: `${CALLBACK}\nhttps://app.example/other ${OOB}`, scopes: "read write:statuses", website: "https://app.example" },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: expect.any(String),
        name: "Pinhole",
        website: "https://app.example",
        scopes: ["read", "write:statuses"],
        redirect_uri: `${CALLBACK}\nhttps://app.example/other\n${OOB}`,
        redirect_uris: [CALLBACK, "https://app.example/other", OOB],
        client_id: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
        client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
        client_secret_expires_at: 0,
        vapid_key: "",
      });
    });

    it("takes redirect URIs as a list (JSON array or form name[]), and scopes default to read", async () => {
      const json = await api(pictor, "POST", "/api/v1/apps", { json: { client_name: "Listed", redirect_uris: [CALLBACK, "tusky://oauth"] } });
      expect(json.status).toBe(200);
      expect(json.body.redirect_uris).toEqual([CALLBACK, "tusky://oauth"]);
      expect(json.body.scopes).toEqual(["read"]);
      expect(json.body.website).toBeNull();
      const form = new URLSearchParams();
      form.set("client_name", "Formed");
      form.append("redirect_uris[]", OOB);
      form.append("redirect_uris[]", CALLBACK);
      form.set("scopes", "read+push");
      const formed = await api(pictor, "POST", "/api/v1/apps", { form });
      expect(formed.status).toBe(200);
      expect(formed.body.redirect_uris).toEqual([OOB, CALLBACK]);
      expect(formed.body.scopes).toEqual(["read", "push"]);
    });

    it("refuses bad registrations with 422 and an error", async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ client_name: "X", redirect_uris: "not a uri" }, /absolute URI/],
        [{ client_name: "X", redirect_uris: "https://app.example/cb#fragment" }, /fragment/],
        [{ client_name: "X", redirect_uris: "javascript:alert(1)" }, /scheme/],
        [{ client_name: "X", redirect_uris: "" }, /redirect_uris/],
        [{ client_name: "X", redirect_uris: CALLBACK, scopes: "read admin:everything" }, /admin:everything/],
        [{ client_name: "", redirect_uris: CALLBACK }, /client_name/],
        [{ client_name: "X", redirect_uris: CALLBACK, website: "ftp://app.example" }, /website/],
        [{ client_name: "X", redirect_uris: { a: 1 } }, /redirect_uris/],
      ];
      for (const [json, message] of cases) {
        const res = await api(pictor, "POST", "/api/v1/apps", { json });
        expect(res.status, JSON.stringify(json)).toBe(422);
        expect(res.body.error).toMatch(message);
      }
    });

    it("verifies app credentials with an app or a user token, and answers 401 without one", async () => {
      const app = await register();
      const token = await api(pictor, "POST", "/oauth/token", { json: { grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret } });
      expect(token.status).toBe(200);
      const res = await verify(token.body.access_token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: app.id, name: "Pinhole", website: "https://app.example", scopes: ["read", "write", "follow"], redirect_uri: CALLBACK, redirect_uris: [CALLBACK], vapid_key: "" });
      expect(res.body.client_secret).toBeUndefined();
      expect((await api(pictor, "GET", "/api/v1/apps/verify_credentials")).status).toBe(401);
      const bad = await verify("not-a-token");
      expect(bad.status).toBe(401);
      expect(bad.body.error).toBeTruthy();
    });

    it("publishes the authorization server's metadata", async () => {
      const res = await api(pictor, "GET", "/.well-known/oauth-authorization-server");
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        issuer: "http://pictor.test/",
        authorization_endpoint: "http://pictor.test/oauth/authorize",
        token_endpoint: "http://pictor.test/oauth/token",
        revocation_endpoint: "http://pictor.test/oauth/revoke",
        app_registration_endpoint: "http://pictor.test/api/v1/apps",
        response_types_supported: ["code"],
        grant_types_supported: ["authorization_code", "client_credentials"],
        code_challenge_methods_supported: ["S256"],
        service_documentation: expect.stringMatching(/^https:\/\//),
      });
      expect(res.body.scopes_supported).toEqual([...KNOWN_SCOPES]);
    });
  });

  describe("authorization code flow", () => {
    it("shows the consent page, and Authorize sends a code that a PKCE verifier trades for a token", async () => {
      const app = await register();
      const { client, username } = await signedIn();
      const verifier = "a-verifier-that-is-long-enough-for-rfc-7636-0123456789";
      const { res, html } = await client.page(authorizePath(app, { code_challenge: challengeOf(verifier), code_challenge_method: "S256" }));
      expect(res.status).toBe(200);
      expect(html).toContain("Pinhole");
      expect(html).toContain(`@${username}`);
      expect(html).toContain(describeScope("read"));
      expect(html).toContain(describeScope("write"));
      expect(html).not.toContain(describeScope("follow"));
      expect(html).toMatch(/name="_csrf"/);
      expect(res.headers.get("cache-control")).toBe("no-store");
      // The form's redirect to the app is allowed by the page's CSP (Chrome checks form-action on redirects).
      expect(res.headers.get("content-security-policy")).toMatch(/form-action 'self' https:\/\/app\.example(;|$)/);

      const code = await codeFor(client, app, { code_challenge: challengeOf(verifier), code_challenge_method: "S256" });
      const token = await exchange(app, { code, code_verifier: verifier });
      expect(token.status).toBe(200);
      expect(token.body).toEqual({ access_token: expect.any(String), token_type: "Bearer", scope: "read write", created_at: expect.any(Number) });
      expect(Math.abs(token.body.created_at - Date.now() / 1000)).toBeLessThan(60);
      expect(token.headers.get("cache-control")).toBe("no-store");
      const me = await verify(token.body.access_token);
      expect(me.status).toBe(200);
      expect(me.body.name).toBe("Pinhole");
      const info = await pictor.oauth.verify(token.body.access_token);
      expect(info?.account?.username).toBe(username);
    });

    it("refuses a wrong or missing PKCE verifier, and a plain challenge", async () => {
      const app = await register();
      const { client } = await signedIn();
      const verifier = "the-right-verifier-the-right-verifier-the-right-verifier";
      const challenge = { code_challenge: challengeOf(verifier), code_challenge_method: "S256" };
      const wrong = await exchange(app, { code: await codeFor(client, app, challenge), code_verifier: "the-wrong-verifier-the-wrong-verifier-the-wrong-verifier" });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error).toBe("invalid_grant");
      const missing = await exchange(app, { code: await codeFor(client, app, challenge) });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe("invalid_grant");
      const plain = await client.request(authorizePath(app, { code_challenge: verifier, code_challenge_method: "plain" }));
      expect(plain.status).toBe(302);
      const location = new URL(plain.headers.get("location")!);
      expect(location.searchParams.get("error")).toBe("invalid_request");
      expect(location.searchParams.get("state")).toBe("st4te");
    });

    it("works a code once: a second exchange is refused and revokes the token the first gave", async () => {
      const app = await register();
      const { client } = await signedIn();
      const code = await codeFor(client, app);
      const first = await exchange(app, { code });
      expect(first.status).toBe(200);
      expect((await verify(first.body.access_token)).status).toBe(200);
      const again = await exchange(app, { code });
      expect(again.status).toBe(400);
      expect(again.body).toEqual({ error: "invalid_grant", error_description: expect.stringMatching(/already used/) });
      expect((await verify(first.body.access_token)).status).toBe(401);
    });

    it("refuses an expired code, a code of another app, a made-up code and a redirect_uri that differs", async () => {
      const app = await register();
      const other = await register();
      const { client } = await signedIn();
      const code = await codeFor(client, app);
      const hash = createHash("sha256").update(code).digest("hex");
      await pictor.db.kysely.updateTable("oauth_codes").set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where("code_hash", "=", hash).execute();
      const expired = await exchange(app, { code });
      expect(expired.status).toBe(400);
      expect(expired.body).toEqual({ error: "invalid_grant", error_description: expect.stringMatching(/expired/) });

      const stolen = await exchange(other, { code: await codeFor(client, app) });
      expect(stolen.status).toBe(400);
      expect(stolen.body.error).toBe("invalid_grant");

      expect((await exchange(app, { code: "made-up" })).body.error).toBe("invalid_grant");

      const mismatch = await exchange(app, { code: await codeFor(client, app), redirect_uri: "https://app.example/elsewhere" });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body).toEqual({ error: "invalid_grant", error_description: expect.stringMatching(/redirect_uri/) });
    });

    it("never redirects to a redirect URI the app did not register, nor for an unknown app", async () => {
      const app = await register();
      const { client } = await signedIn();
      for (const path of [
        authorizePath(app, { redirect_uri: "https://evil.example/steal" }),
        authorizePath(app, { redirect_uri: "https://evil.example/steal", scope: "nonsense" }),
        authorizePath(app, { redirect_uri: "https://evil.example/steal", response_type: "token" }),
        authorizePath({ ...app, client_id: "unknown" }),
      ]) {
        const res = await client.request(path);
        expect(res.status, path).toBe(400);
        expect(res.headers.get("location")).toBeNull();
        expect(await res.text()).toContain("Authorization failed");
        expect(res.headers.get("content-security-policy")).not.toContain("evil.example");
      }
      // The POST checks again: a forged form cannot send the code elsewhere.
      await client.page(authorizePath(app));
      const forged = await client.form("/oauth/authorize", { response_type: "code", client_id: app.client_id, redirect_uri: "https://evil.example/steal", scope: "read", decision: "authorize" });
      expect(forged.status).toBe(400);
      expect(forged.headers.get("location")).toBeNull();
      // Without a CSRF token, nothing is authorized.
      const noCsrf = await client.form("/oauth/authorize", { _csrf: "", response_type: "code", client_id: app.client_id, redirect_uri: CALLBACK, scope: "read", decision: "authorize" });
      expect(noCsrf.status).toBe(403);
    });

    it("sends other errors back to the app with the state: bad scope, scope beyond the app's, unsupported response type", async () => {
      const app = await register({ scopes: "read" });
      const { client } = await signedIn();
      for (const [extra, error] of [
        [{ scope: "read nonsense" }, "invalid_scope"],
        [{ scope: "read write" }, "invalid_scope"],
        [{ response_type: "token" }, "unsupported_response_type"],
        [{ response_type: "" }, "invalid_request"],
      ] as const) {
        const res = await client.request(authorizePath(app, extra));
        expect(res.status, JSON.stringify(extra)).toBe(302);
        const location = new URL(res.headers.get("location")!);
        expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
        expect(location.searchParams.get("error")).toBe(error);
        expect(location.searchParams.get("error_description")).toBeTruthy();
        expect(location.searchParams.get("state")).toBe("st4te");
        expect(location.searchParams.get("code")).toBeNull();
      }
    });

    it("grants only scopes the app registered, narrowed to what was asked", async () => {
      const app = await register({ scopes: "read write" });
      const { client } = await signedIn();
      const narrow = await exchange(app, { code: await codeFor(client, app, { scope: "read:statuses write:media" }) });
      expect(narrow.body.scope).toBe("read:statuses write:media");
      const token = narrow.body.access_token;
      const info = await pictor.oauth.verify(token);
      expect(info?.scopes).toEqual(["read:statuses", "write:media"]);
      // No scope asked: read.
      const plain = await exchange(app, { code: await codeFor(client, app, { scope: "" }) });
      expect(plain.body.scope).toBe("read");
    });

    it("Deny sends access_denied back with the state, and no code", async () => {
      const app = await register();
      const { client } = await signedIn();
      const denied = await consent(client, app, { state: "keep me" }, "deny");
      expect(denied.status).toBe(303);
      const location = new URL(denied.headers.get("location")!);
      expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
      expect(location.searchParams.get("error")).toBe("access_denied");
      expect(location.searchParams.get("state")).toBe("keep me");
      expect(location.searchParams.get("code")).toBeNull();
      expect(await pictor.oauth.authorizedApps((await pictor.accounts.getLocalByUsername(`person${userCount}`))!.id)).toEqual([]);
    });

    it("shows the code on a page for the out-of-band redirect", async () => {
      const app = await register({ redirect_uris: OOB });
      const { client } = await signedIn();
      const { html } = await client.page(`/oauth/authorize?${new URLSearchParams({ response_type: "code", client_id: app.client_id, redirect_uri: OOB, scope: "read" })}`);
      expect(html).toContain("paste into the app");
      const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const page = await client.form("/oauth/authorize", { ...hidden, decision: "authorize" });
      expect(page.status).toBe(200);
      const code = /id="code" type="text" readonly="" value="([^"]+)"/.exec(await page.text())?.[1];
      expect(code).toBeTruthy();
      const token = await api(pictor, "POST", "/oauth/token", { json: { grant_type: "authorization_code", client_id: app.client_id, client_secret: app.client_secret, redirect_uri: OOB, code } });
      expect(token.status).toBe(200);
      expect(token.body.scope).toBe("read");
    });

    it("sends a signed-out person to sign in and back, and force_login signs out first", async () => {
      const app = await register();
      await pictor.accounts.createLocal({ username: "returning", password: "a long password" });
      const client = new Client(pictor);
      const path = authorizePath(app, { scope: "read" });
      const first = await client.request(path);
      expect(first.status).toBe(303);
      const login = new URL(first.headers.get("location")!, "http://pictor.test");
      expect(login.pathname).toBe("/login");
      const next = login.searchParams.get("next")!;
      expect(new URL(next, "http://pictor.test").searchParams.get("client_id")).toBe(app.client_id);
      const { html } = await client.page(`/login?next=${encodeURIComponent(next)}`);
      expect(html).toContain('name="next"');
      const signed = await client.form("/login", { username: "returning", password: "a long password", next });
      expect(signed.status).toBe(303);
      expect(signed.headers.get("location")).toBe(next);
      const consentPage = await client.page(signed.headers.get("location")!);
      expect(consentPage.res.status).toBe(200);
      expect(consentPage.html).toContain("@returning");

      const forced = await client.request(`${path}&force_login=true`);
      expect(forced.status).toBe(303);
      expect(client.cookies.has("pictor_session")).toBe(false);
      const again = new URL(forced.headers.get("location")!, "http://pictor.test");
      expect(again.pathname).toBe("/login");
      expect(again.searchParams.get("next")).not.toContain("force_login");
      // Signed out indeed: the authorize page asks to sign in again.
      expect((await client.request(path)).headers.get("location")).toMatch(/^\/login\?next=/);
    });
  });

  describe("token endpoint", () => {
    it("authenticates the client in the body (JSON or form), by HTTP Basic, or both when they agree", async () => {
      const app = await register();
      const form = new URLSearchParams({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: "read" });
      const formed = await api(pictor, "POST", "/oauth/token", { form });
      expect(formed.status).toBe(200);
      expect(formed.body.scope).toBe("read");
      const basicOnly = await api(pictor, "POST", "/oauth/token", { json: { grant_type: "client_credentials" }, headers: { Authorization: basic(app.client_id, app.client_secret) } });
      expect(basicOnly.status).toBe(200);
      const both = await api(pictor, "POST", "/oauth/token", { json: { grant_type: "client_credentials", client_id: app.client_id }, headers: { Authorization: basic(app.client_id, app.client_secret) } });
      expect(both.status).toBe(200);
      const { client } = await signedIn();
      const code = await codeFor(client, app);
      const byBasic = await api(pictor, "POST", "/oauth/token", {
        form: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: CALLBACK }),
        headers: { Authorization: basic(app.client_id, app.client_secret) },
      });
      expect(byBasic.status).toBe(200);
      expect(byBasic.body.scope).toBe("read write");
    });

    it("refuses bad client authentication: 401 (with WWW-Authenticate for Basic), and disagreeing credentials", async () => {
      const app = await register();
      const other = await register();
      const wrongBody = await api(pictor, "POST", "/oauth/token", { json: { grant_type: "client_credentials", client_id: app.client_id, client_secret: "wrong" } });
      expect(wrongBody.status).toBe(401);
      expect(wrongBody.body.error).toBe("invalid_client");
      expect(wrongBody.headers.get("www-authenticate")).toBeNull();
      const wrongBasic = await api(pictor, "POST", "/oauth/token", { json: { grant_type: "client_credentials" }, headers: { Authorization: basic(app.client_id, "wrong") } });
      expect(wrongBasic.status).toBe(401);
      expect(wrongBasic.body.error).toBe("invalid_client");
      expect(wrongBasic.headers.get("www-authenticate")).toMatch(/^Basic /);
      const unknown = await api(pictor, "POST", "/oauth/token", { json: { grant_type: "client_credentials", client_id: "nobody", client_secret: "x" } });
      expect(unknown.status).toBe(401);
      const none = await api(pictor, "POST", "/oauth/token", { json: { grant_type: "client_credentials" } });
      expect(none.status).toBe(401);
      expect(none.body.error).toBe("invalid_client");
      const disagree = await api(pictor, "POST", "/oauth/token", {
        json: { grant_type: "client_credentials", client_id: other.client_id, client_secret: other.client_secret },
        headers: { Authorization: basic(app.client_id, app.client_secret) },
      });
      expect(disagree.status).toBe(400);
      expect(disagree.body.error).toBe("invalid_request");
      const malformed = await api(pictor, "POST", "/oauth/token", { json: { grant_type: "client_credentials" }, headers: { Authorization: "Basic %%%" } });
      expect(malformed.status).toBe(401);
    });

    it("refuses unsupported and missing grant types, missing codes, and scopes beyond the app's", async () => {
      const app = await register({ scopes: "read" });
      const creds = { client_id: app.client_id, client_secret: app.client_secret };
      const password = await api(pictor, "POST", "/oauth/token", { json: { ...creds, grant_type: "password", username: "x", password: "y" } });
      expect(password.status).toBe(400);
      expect(password.body.error).toBe("unsupported_grant_type");
      const missing = await api(pictor, "POST", "/oauth/token", { json: creds });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe("invalid_request");
      const noCode = await api(pictor, "POST", "/oauth/token", { json: { ...creds, grant_type: "authorization_code" } });
      expect(noCode.status).toBe(400);
      expect(noCode.body.error).toBe("invalid_request");
      const beyond = await api(pictor, "POST", "/oauth/token", { json: { ...creds, grant_type: "client_credentials", scope: "write" } });
      expect(beyond.status).toBe(400);
      expect(beyond.body).toEqual({ error: "invalid_scope", error_description: expect.any(String) });
      const badJson = await pictor.http.request("http://pictor.test/oauth/token", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{nope" });
      expect(badJson.status).toBe(400);
      expect((await badJson.json()).error).toBe("invalid_request");
    });

    it("gives an app-only token (client_credentials) that verifies the app but is no user", async () => {
      const app = await register();
      const issued = await api(pictor, "POST", "/oauth/token", { json: { grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: "read" } });
      expect(issued.status).toBe(200);
      const token = issued.body.access_token;
      expect((await verify(token)).body.id).toBe(app.id);
      // The API's user-only guard, as user endpoints use it, over the real token check.
      const probe = new Hono<ApiEnv>();
      probe.onError((error, c) => c.json({ error: error.message }, (error as { status?: 401 | 403 | 422 }).status ?? 500));
      probe.use("*", authenticate(pictor.oauth));
      probe.get("/me", user("read"), (c) => c.json({ ok: true }));
      probe.get("/write", user("write"), (c) => c.json({ ok: true }));
      const asApp = await probe.request("/me", { headers: { Authorization: `Bearer ${token}` } });
      expect(asApp.status).toBe(422);
      expect((await probe.request("/write", { headers: { Authorization: `Bearer ${token}` } })).status).toBe(403);
    });
  });

  describe("revocation", () => {
    it("revokes a token the app holds (RFC 7009), answers {} for unknown tokens, and refuses other clients' credentials", async () => {
      const app = await register();
      const other = await register();
      const { client } = await signedIn();
      const token = (await exchange(app, { code: await codeFor(client, app) })).body.access_token;
      // Another app cannot revoke it (and is not told whether it exists).
      const foreign = await api(pictor, "POST", "/oauth/revoke", { json: { token, client_id: other.client_id, client_secret: other.client_secret } });
      expect(foreign.status).toBe(200);
      expect((await verify(token)).status).toBe(200);
      const badClient = await api(pictor, "POST", "/oauth/revoke", { json: { token, client_id: app.client_id, client_secret: "wrong" } });
      expect(badClient.status).toBe(401);
      expect(badClient.body.error).toBe("invalid_client");
      expect((await api(pictor, "POST", "/oauth/revoke", { json: { client_id: app.client_id, client_secret: app.client_secret } })).body.error).toBe("invalid_request");
      const revoked = await api(pictor, "POST", "/oauth/revoke", { form: new URLSearchParams({ token, client_id: app.client_id, client_secret: app.client_secret }) });
      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({});
      expect((await verify(token)).status).toBe(401);
      const unknown = await api(pictor, "POST", "/oauth/revoke", { json: { token: "never-issued" }, headers: { Authorization: basic(app.client_id, app.client_secret) } });
      expect(unknown.status).toBe(200);
      expect(unknown.body).toEqual({});
    });

    it("lists authorized apps in settings, and Revoke ends every token of that app (401 afterwards)", async () => {
      const app = await register({ client_name: "Shutterbug" });
      const kept = await register({ client_name: "Keeper" });
      const { client } = await signedIn();
      const first = (await exchange(app, { code: await codeFor(client, app, { scope: "read" }) })).body.access_token;
      const second = (await exchange(app, { code: await codeFor(client, app, { scope: "write" }) })).body.access_token;
      const keeper = (await exchange(kept, { code: await codeFor(client, kept) })).body.access_token;
      await verify(first);

      const settings = await client.page("/settings");
      expect(settings.html).toContain('href="/settings/apps"');
      const { res, html } = await client.page("/settings/apps");
      expect(res.status).toBe(200);
      expect(html).toContain("Shutterbug");
      expect(html).toContain("Keeper");
      expect(html).toContain(describeScope("read"));
      expect(html).toContain(describeScope("write"));
      expect(html).toMatch(/Authorized <time datetime="\d{4}-/);
      expect(html).toMatch(/last used <time datetime="\d{4}-/);

      // Someone else cannot revoke this person's app, nor learn of it.
      const stranger = (await signedIn()).client;
      await stranger.page("/settings/apps");
      expect((await stranger.form(`/settings/apps/${app.id}/revoke`, {})).status).toBe(404);
      expect((await verify(first)).status).toBe(200);

      await client.page("/settings/apps");
      const revoked = await client.form(`/settings/apps/${app.id}/revoke`, {});
      expect(revoked.status).toBe(303);
      expect((await verify(first)).status).toBe(401);
      expect((await verify(second)).status).toBe(401);
      expect((await verify(keeper)).status).toBe(200);
      const after = await client.page("/settings/apps");
      expect(after.html).not.toContain("Shutterbug");
      expect(after.html).toContain("Keeper");
      // Without the CSRF token nothing happens.
      expect((await client.form(`/settings/apps/${kept.id}/revoke`, { _csrf: "" })).status).toBe(403);
      expect((await verify(keeper)).status).toBe(200);
      // Signed out: to the sign-in page.
      expect((await new Client(pictor).request("/settings/apps")).status).toBe(303);
    });
  });
});
