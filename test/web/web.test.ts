import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noteToRemotePost } from "../../federation/mappers/note.ts";
import { Note } from "@fedify/vocab";
import type { Pictor } from "../../src/app.ts";
import { startTestPictor, waitFor } from "../helpers/pictor.ts";
import { Client } from "./browser-client.ts";

describe("web app", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let admin: Client;
  let postUrl: string;

  beforeAll(async () => {
    pictor = await startTestPictor({ GENERATION_MAX_CONCURRENT: "5" });
    admin = new Client(pictor);
  });
  afterAll(() => pictor?.stop());

  it("leads the first visitor to create the admin account, with CSRF protection", async () => {
    const first = await admin.request("/");
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/setup");
    const { html } = await admin.page("/setup");
    expect(html).toContain("first one is its administrator");
    // A missing or foreign token is refused.
    expect((await admin.form("/setup", { username: "root", password: "a long password", _csrf: "forged-token-forged-token" })).status).toBe(403);
    // Bad input keeps what was typed and explains.
    const bad = await admin.form("/setup", { username: "bad name!", password: "a long password" });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain("Username must be");
    expect(badHtml).toContain('value="bad name!"');
    const ok = await admin.form("/setup", { username: "root", password: "a long password" });
    expect(ok.status).toBe(303);
    const setCookie = ok.headers.getSetCookie().find((c) => c.startsWith("pictor_session="))!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const home = await admin.page("/");
    expect(home.html).toContain("@root");
    expect((await pictor.accounts.getLocalByUsername("root"))?.is_admin).toBe(1);
    // Setup is closed once an account exists; so are sign-ups by default.
    expect((await admin.request("/setup")).headers.get("location")).toBe("/login");
    expect((await new Client(pictor).request("/signup")).status).toBe(404);
  });

  it("sends a strict Content-Security-Policy with a nonce, and other security headers", async () => {
    const res = await admin.request("/explore");
    const csp = res.headers.get("content-security-policy")!;
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(await res.text()).toContain(`nonce="${nonce}"`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });

  it("logs out and in, and rate-limits wrong passwords", async () => {
    await admin.form("/logout", {});
    // Logged out, / is the landing page (no longer a jump to Explore).
    expect((await admin.request("/")).status).toBe(200);
    expect(admin.cookies.has("pictor_session")).toBe(false);
    await admin.page("/login");
    const wrong = await admin.form("/login", { username: "root", password: "not the password" });
    expect(await wrong.text()).toContain("Wrong username or password");
    for (let i = 0; i < 4; i++) await admin.form("/login", { username: "root", password: "not the password" });
    expect(await (await admin.form("/login", { username: "root", password: "a long password" })).text()).toContain("Too many attempts");
    // Another account is not affected.
    await pictor.accounts.createLocal({ username: "zed", password: "a long password" });
    const zed = new Client(pictor);
    await zed.page("/login");
    expect((await zed.form("/login", { username: "zed", password: "a long password" })).status).toBe(303);
  });

  it("creates: prompt → progress → choose images, caption, alt text → post, then shows it everywhere", async () => {
    const zed = new Client(pictor);
    await zed.page("/login");
    await zed.form("/login", { username: "zed", password: "a long password" });
    await zed.page("/create");
    const empty = await zed.form("/create", { prompt: "  ", size: "256x256", n: "2" });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("The prompt is empty");
    const started = await zed.form("/create", { prompt: "a paper boat on a pond", size: "256x256", n: "2" });
    expect(started.status).toBe(303);
    const jobPath = started.headers.get("location")!;
    const jobId = jobPath.split("/").pop()!;
    const api = await (await zed.request(`/api/generations/${jobId}`, { headers: { Accept: "application/json" } })).json();
    expect(["queued", "running", "done"]).toContain(api.state);
    const done = await waitFor(async () => {
      const { html } = await zed.page(jobPath);
      return html.includes("Post your images") ? html : undefined;
    }, 20_000, "the images");
    const mediaIds = [...done.matchAll(/name="media" value="([^"]+)"/g)].map((m) => m[1]);
    expect(mediaIds).toHaveLength(2);
    // Progress as server-sent events ends with the final state.
    const sse = await (await zed.request(`/api/generations/${jobId}/events`, { headers: { Accept: "text/event-stream" } })).text();
    expect(sse).toContain("event: status");
    expect(sse).toContain('"state":"done"');
    // Over-long alt text is refused, keeping the caption typed.
    const tooLong = await zed.form("/posts", { job: jobId, media: mediaIds, caption: "Keep me", [`alt_${mediaIds[0]}`]: "x".repeat(1501), visibility: "public", show_prompt: "1" });
    expect(tooLong.status).toBe(422);
    expect(await tooLong.text()).toContain("Keep me");
    const posted = await zed.form("/posts", { job: jobId, media: [mediaIds[0]], caption: "Boats #paper", [`alt_${mediaIds[0]}`]: "A folded paper boat", visibility: "public", show_prompt: "1" });
    expect(posted.status).toBe(303);
    postUrl = new URL(posted.headers.get("location")!).pathname;
    const page = await zed.page(postUrl);
    expect(page.html).toContain('alt="A folded paper boat"');
    expect(page.html).toContain("AI-generated");
    expect(page.html).toContain("Prompt: <q>a paper boat on a pond</q>");
    expect(page.html).toContain('property="og:image"');
    const profile = await zed.page("/@zed");
    expect(profile.html).toContain('class="grid"');
    expect(profile.html).toContain("A folded paper boat");
    expect((await zed.page("/")).html).toContain("Boats");
    const atom = await (await zed.request("/@zed.atom")).text();
    expect(atom).toContain("<feed");
    expect(atom).toContain("Boats #paper");
  });

  it("likes and boosts with plain forms and with the script's JSON, and follows", async () => {
    // root is still rate-limited from the test above: another account acts.
    await pictor.accounts.createLocal({ username: "amy", password: "a long password" });
    const root = new Client(pictor);
    await root.page("/login");
    expect((await root.form("/login", { username: "amy", password: "a long password" })).status).toBe(303);
    const { html } = await root.page(postUrl);
    const id = postUrl.split("/").pop()!;
    expect(html).toContain(`action="/posts/${id}/like"`);
    const like = await root.form(`/posts/${id}/like`, { action: "do" });
    expect(like.status).toBe(303);
    const boost = await root.form(`/posts/${id}/boost`, { action: "do" }, { "X-Requested-With": "fetch" });
    expect(await boost.json()).toEqual({ pressed: true, label: "Boosted", next: "undo" });
    const details = (await pictor.posts.details(id))!;
    expect([details.post.likes_count, details.post.boosts_count]).toEqual([1, 1]);
    await root.page("/@zed");
    expect((await root.form("/follow", { target: "@zed@pictor.test", action: "follow" })).status).toBe(303);
    expect((await root.page("/@zed")).html).toContain("Following");
    const zedAccount = (await pictor.accounts.getLocalByUsername("zed"))!;
    // Local interactions need no federation, but they notify as remote ones do (newest first).
    const n = await pictor.notifications.list(zedAccount.id);
    expect(n.items.map((x) => `${x.type} ${x.actor.username}`)).toEqual(["follow amy", "boost amy", "like amy"]);
    expect(await pictor.follows.countFollowers(zedAccount.id)).toBe(1);
  });

  it("renders a remote post with script payloads inert, and unknown pages as 404s in the same design", async () => {
    const bob = await pictor.accounts.upsertRemote({
      iri: "https://remote.example/users/bob", username: "bob", domain: "remote.example", display_name: "<img src=x onerror=alert(1)>Bob",
      bio_html: "", avatar_url: null, header_url: null, url: null, inbox_url: "https://remote.example/users/bob/inbox", shared_inbox_url: null, followers_url: null, fetched_at: null,
    });
    const note = new Note({
      id: new URL("https://remote.example/users/bob/statuses/1"),
      attribution: new URL(bob.iri),
      content: '<p>hi<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a><iframe src="https://evil.example"></iframe></p>',
      tos: [new URL("https://www.w3.org/ns/activitystreams#Public")],
    });
    const input = await noteToRemotePost(note, null);
    const stored = await pictor.posts.receiveRemote(bob, input!);
    const html = await (await new Client(pictor).request(`/posts/${stored!.post.id}`)).text();
    expect(html).toContain("hi");
    expect(html).not.toMatch(/<script>alert|<img[^>]*onerror|javascript:alert|<iframe/);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;Bob");
    const missing = await new Client(pictor).request("/@nobody");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('href="/assets/app.css"');
  });
});
