import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Pictor } from "../../src/app.ts";
import { behindProxy } from "../../src/http/proxy.ts";
import { remoteAccount } from "../helpers/fixtures.ts";
import { AP, startTestPictor, TEST_ORIGIN } from "../helpers/pictor.ts";
import { Client } from "./browser-client.ts";

const FORM_CAP = 64 * 1024;
const PASSWORD = "a long password";

/** A client whose requests arrive from `address`, as the Node server reports the socket's peer. */
function from(pictor: Pictor, address: string): Client {
  const env = { incoming: { socket: { remoteAddress: address } } };
  return new Client({ http: { request: (url: string, init: RequestInit) => pictor.http.request(url, init, env) } } as unknown as Pictor);
}

/** A form body that starts with real fields and then streams `padBytes` more, counting what was read. */
function streamedForm(fields: Record<string, string>, padBytes: number) {
  const head = new TextEncoder().encode(`${new URLSearchParams(fields)}&pad=`);
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  const total = head.length + padBytes;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) {
        controller.enqueue(head);
        sent += head.length;
      } else if (sent < total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        controller.enqueue(piece);
        sent += piece.length;
      } else controller.close();
    },
  });
  return { body, read: () => sent, total };
}

describe("resilience of the web surface", () => {
  let pictor: Pictor & { stop(): Promise<void> };

  beforeAll(async () => {
    pictor = await startTestPictor({ FORM_MAX_BYTES: String(FORM_CAP) });
    await pictor.accounts.createLocal({ username: "root", password: PASSWORD, admin: true });
    for (const username of ["bob", "carl", "ann", "nina"]) await pictor.accounts.createLocal({ username, password: PASSWORD });
  });
  afterAll(() => pictor?.stop());

  it("refuses a form body over the cap with 413 before anything parses it", async () => {
    const client = from(pictor, "192.0.2.1");
    await client.page("/login");
    const spy = vi.spyOn(pictor.accounts, "checkPassword");
    try {
      // Correct credentials first, then 4 MiB of padding, with no Content-Length (chunked).
      const form = streamedForm({ _csrf: client.csrf, username: "root", password: PASSWORD }, 4 * 1024 * 1024);
      const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
      const res = await pictor.http.request(`${TEST_ORIGIN}/login`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
        body: form.body,
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(await res.text()).toMatch(/too large/i);
      expect(res.headers.getSetCookie().some((c) => c.startsWith("pictor_session="))).toBe(false);
      expect(spy).not.toHaveBeenCalled();
      // Reading stopped soon after the cap: the body was never buffered whole.
      expect(form.read()).toBeLessThan(FORM_CAP + 3 * 64 * 1024);
      expect(form.read()).toBeLessThan(form.total);

      // A declared length over the cap is refused without reading at all.
      const declared = await pictor.http.request(`${TEST_ORIGIN}/signup`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(FORM_CAP + 1) },
        body: "x".repeat(FORM_CAP + 1),
      });
      expect(declared.status).toBe(413);

      // Behind a proxy (TRUST_PROXY), the body still streams into the limit instead of being buffered first.
      const proxied = streamedForm({ _csrf: client.csrf, username: "root", password: PASSWORD }, 4 * 1024 * 1024);
      const viaProxy = await behindProxy(pictor.http.fetch)(
        new Request("http://127.0.0.1:3000/login", {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie, "X-Forwarded-Host": "pictor.test", "X-Forwarded-Proto": "http" },
          body: proxied.body,
          duplex: "half",
        } as RequestInit),
      );
      expect(viaProxy.status).toBe(413);
      expect(proxied.read()).toBeLessThan(FORM_CAP + 3 * 64 * 1024);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    // A form under the cap still works.
    expect((await client.form("/login", { username: "root", password: PASSWORD })).status).toBe(303);
  });

  it("limits logins by the normalized username whatever X-Forwarded-For says", async () => {
    const client = from(pictor, "192.0.2.2");
    await client.page("/login");
    const texts: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await client.form("/login", { username: "bob", password: "not the password" }, { "X-Forwarded-For": `198.51.100.${i}` });
      texts.push(await res.text());
    }
    expect(texts.filter((t) => t.includes("Wrong username or password"))).toHaveLength(5);
    expect(texts.filter((t) => t.includes("Too many attempts"))).toHaveLength(15);
    // The right password, typed another way, from another address, is refused too.
    const other = from(pictor, "192.0.2.3");
    await other.page("/login");
    for (const username of ["bob", "@BOB ", "Bob"]) {
      const res = await other.form("/login", { username, password: PASSWORD }, { "X-Forwarded-For": "203.0.113.99" });
      expect(res.status).not.toBe(303);
      expect(await res.text()).toContain("Too many attempts");
    }
  });

  it("limits logins by the client's address (the socket's, X-Forwarded-For ignored without TRUST_PROXY)", async () => {
    const client = from(pictor, "192.0.2.4");
    await client.page("/login");
    // 25 attempts at once, each at another username and claiming another address.
    const answers = await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        const res = await client.form("/login", { username: `nobody${i}`, password: "not the password" }, { "X-Forwarded-For": `198.51.100.${i}` });
        return res.text();
      }),
    );
    expect(answers.filter((t) => t.includes("Wrong username or password"))).toHaveLength(20);
    expect(answers.filter((t) => t.includes("Too many attempts"))).toHaveLength(5);
    const again = await client.form("/login", { username: "carl", password: PASSWORD });
    expect(await again.text()).toContain("Too many attempts");
    // Another address is not affected.
    const elsewhere = from(pictor, "192.0.2.5");
    await elsewhere.page("/login");
    expect((await elsewhere.form("/login", { username: "carl", password: PASSWORD })).status).toBe(303);
  });

  it("verifies a password for unknown usernames too, and runs few hashes at once", async () => {
    const hasher = pictor.accounts.hasher;
    const client = from(pictor, "192.0.2.6");
    await client.page("/login");
    const before = hasher.verifications;
    expect(await (await client.form("/login", { username: "no_such_user", password: "whatever it is" })).text()).toContain("Wrong username or password");
    expect(hasher.verifications).toBe(before + 1);
    expect(await (await client.form("/login", { username: "carl", password: "not the password" })).text()).toContain("Wrong username or password");
    expect(hasher.verifications).toBe(before + 2);

    // Twelve logins at once from twelve addresses: every one is verified, at most two hashes at a time.
    hasher.peak = 0;
    const clients = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const c = from(pictor, `192.0.2.${100 + i}`);
        await c.page("/login");
        return c;
      }),
    );
    const answers = await Promise.all(clients.map((c, i) => c.form("/login", { username: i % 2 ? `ghost${i}` : "nina", password: "not the password" }).then((r) => r.text())));
    expect(answers.filter((t) => t.includes("Wrong username or password")).length + answers.filter((t) => t.includes("Too many attempts")).length).toBe(12);
    expect(hasher.verifications).toBeGreaterThanOrEqual(before + 2 + 5 + 6);
    expect(hasher.peak).toBeGreaterThan(0);
    expect(hasher.peak).toBeLessThanOrEqual(2);
  });

  it("keeps `next` through the login form and follows only same-origin paths", async () => {
    const client = from(pictor, "192.0.2.7");
    const { html } = await client.page("/login?next=%2Fsettings%3Ftab%3Da");
    expect(html).toContain('name="next" value="/settings?tab=a"');
    const ok = await client.form("/login", { username: "ann", password: PASSWORD, next: "/settings?tab=a" });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/settings?tab=a");
    // Being sent to log in from a page comes back to it.
    const visitor = from(pictor, "192.0.2.8");
    const redirect = await visitor.request("/settings");
    expect(redirect.headers.get("location")).toBe("/login?next=%2Fsettings");
    const form = await visitor.page(redirect.headers.get("location")!);
    expect(form.html).toContain('name="next" value="/settings"');
    expect((await visitor.form("/login", { username: "ann", password: PASSWORD, next: "/settings" })).headers.get("location")).toBe("/settings");

    for (const next of ["/\\evil.example", "//evil.example", "/\\/evil.example", "https://evil.example/", "javascript:alert(1)", "/%0d%0aSet-Cookie:x", "/ok\r\nX: y", "/\tx", "\\\\evil.example"]) {
      const c = from(pictor, "192.0.2.9");
      const page = await c.page(`/login?next=${encodeURIComponent(next)}`);
      expect(page.html).not.toContain("evil.example");
      const res = await c.form("/login", { username: "ann", password: PASSWORD, next });
      expect(res.status).toBe(303);
      expect(res.headers.get("location"), next).toBe("/");
    }
  });

  it("answers JSON nested 1,000 levels deep with 400, not 500", async () => {
    let object = "1";
    for (let i = 0; i < 1000; i++) object = `{"a":${object}}`;
    const body = `{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","actor":"https://remote.example/users/x","object":${object}}`;
    for (const path of ["/inbox", "/users/root/inbox"]) {
      const res = await pictor.http.request(`${TEST_ORIGIN}${path}`, { method: "POST", headers: { "Content-Type": AP, Accept: AP }, body });
      expect(res.status, path).toBe(400);
      expect((await res.json()).error).toMatch(/nested/i);
    }
    // Ordinary depths go on to Fedify (here: refused for the missing signature, not for depth).
    let shallow = "1";
    for (let i = 0; i < 20; i++) shallow = `{"a":${shallow}}`;
    const res = await pictor.http.request(`${TEST_ORIGIN}/inbox`, {
      method: "POST",
      headers: { "Content-Type": AP, Accept: AP },
      body: body.replace(object, shallow),
    });
    expect(res.status).toBeLessThan(500);
    expect(await res.text()).not.toMatch(/nested/i);
  });

  it("refuses unsigned and absurd inbox posts before any JSON-LD work", async () => {
    // The finding: an unsigned 780 KB Create with 8,000 attachments cost seconds of expansion before its 401.
    const attachment = Array.from({ length: 8000 }, (_, i) => ({ type: "Image", mediaType: "image/png", url: `https://remote.example/${i}.png`, name: "x".repeat(40) }));
    const create = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: "https://remote.example/activities/1",
      type: "Create",
      actor: "https://remote.example/users/x",
      object: { id: "https://remote.example/notes/1", type: "Note", attributedTo: "https://remote.example/users/x", content: "hi", attachment },
    };
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      pictor.http.request(`${TEST_ORIGIN}/inbox`, { method: "POST", headers: { "Content-Type": AP, Accept: AP, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
    // Too many attachments: refused whatever the signature says.
    const big = await post(create, { Signature: 'keyId="https://remote.example/users/x#main-key",signature="AAAA"' });
    expect(big.status).toBe(400);
    expect((await big.json()).error).toMatch(/attachments/);
    // An ordinary activity with no signature at all: refused by the cheap check, with its own message.
    const unsigned = await post({ ...create, object: { ...create.object, attachment: attachment.slice(0, 2) } });
    expect(unsigned.status).toBe(401);
    expect((await unsigned.json()).error).toMatch(/must be signed/);
    const notJson = await post("{not json", { Signature: "x" });
    expect(notJson.status).toBe(400);
    // Signed ones go on to Fedify, which checks the signature itself (this one is forged: 401 from Fedify, not from us).
    const forged = await post({ ...create, object: { ...create.object, attachment: [] } }, { Signature: 'keyId="https://remote.example/users/x#main-key",headers="(request-target) host date",signature="AAAA"' });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
    expect(await forged.text()).not.toMatch(/must be signed/);
  });

  it("renders only http(s) report links as links on /admin", async () => {
    const reporter = await pictor.accounts.upsertRemote(remoteAccount("reporter"));
    await pictor.moderation.report({
      iri: "https://remote.example/reports/1",
      reporter,
      target: null,
      objectIris: ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "JAVASCRIPT:alert(2)", "https://remote.example/objects/1", "http://remote.example/objects/2"],
      comment: "look",
    });
    const admin = from(pictor, "192.0.2.10");
    await admin.page("/login");
    expect((await admin.form("/login", { username: "root", password: PASSWORD })).status).toBe(303);
    const { html } = await admin.page("/admin");
    expect(html).toContain('href="https://remote.example/objects/1"');
    expect(html).toContain('href="http://remote.example/objects/2"');
    expect(html).not.toMatch(/href="(javascript|data):/i);
    expect(html).toContain("javascript:alert(1)");
    expect(html).not.toContain("<script>alert(1)</script>");
  });

  it("ends every other session when the password changes, keeping the current one", async () => {
    const here = from(pictor, "192.0.2.11");
    const there = from(pictor, "192.0.2.12");
    for (const c of [here, there]) {
      await c.page("/login");
      expect((await c.form("/login", { username: "carl", password: PASSWORD })).status).toBe(303);
      expect((await c.request("/settings")).status).toBe(200);
    }
    await here.page("/settings");
    const changed = await here.form("/settings/password", { current: PASSWORD, next: "a new long password" });
    expect(await changed.text()).toContain("Password changed");
    expect((await here.request("/settings")).status).toBe(200);
    expect((await there.request("/settings")).status).toBe(303);
    expect(await pictor.accounts.checkPassword("carl", "a new long password")).toBeDefined();
  });
});
