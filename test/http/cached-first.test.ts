import type { IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPictor, type Pictor } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { PostDetails } from "../../src/domain/posts.ts";
import { viewOfIncoming } from "../../src/http/cached-first.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { persistentStores } from "../../src/stores.ts";
import { type ListeningPictor, startListeningPictor } from "../helpers/api-server.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { AP } from "../helpers/pictor.ts";

// Issue #16: cached public pages and documents answered before Hono, by the same rules as the Hono middleware.

const nonceIn = (html: string) => /<script[^>]*nonce="([^"]+)"/.exec(html)?.[1];
const cspNonce = (headers: Headers) => /'nonce-([^']+)'/.exec(headers.get("Content-Security-Policy") ?? "")?.[1];
/** The headers both paths send, without those that differ per answer or per transport. */
const comparable = (headers: Headers) =>
  [...headers].filter(([name]) => !["date", "content-length", "connection", "keep-alive", "transfer-encoding", "content-security-policy"].includes(name)).sort();

/** A raw request (fetch cannot send HEAD's Content-Length check or a Host of our choosing). */
function raw(origin: string, path: string, headers: Record<string, string>, method = "GET"): Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(origin);
    const req = httpRequest({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("cached answers before Hono", () => {
  let server: ListeningPictor;
  let alice: AccountRow;
  let post: PostDetails;
  const create = async (caption: string) =>
    server.pictor.posts.create(alice, { mediaIds: [(await insertGeneratedMedia(server.pictor.db, alice.id, `prompt of ${caption}`)).id], caption });
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.origin}${path}`, { headers: { Accept: "text/html", ...headers } });

  beforeAll(async () => {
    server = await startListeningPictor();
    alice = await server.pictor.accounts.createLocal({ username: "alice", password: "correct horse battery" });
    post = await create("A lighthouse at dusk");
  });
  afterAll(() => server?.close());

  it("answers a stored page as the Hono middleware does, with a nonce of its own, 304 and HEAD", async () => {
    const path = `/@alice/${post.post.id}`;
    const renders = vi.spyOn(server.pictor.reader, "lookup");
    try {
      const first = await get(path);
      expect(first.status).toBe(200);
      const firstHtml = await first.text();
      expect(server.cachedHits()).toBe(0);
      const second = await get(path);
      const secondHtml = await second.text();
      expect(server.cachedHits()).toBe(1);
      expect(renders).toHaveBeenCalledTimes(1);
      // The same answer as a hit inside Hono gives (the in-process path), but for its nonce.
      const inHono = await server.pictor.http.request(`${server.origin}${path}`, { headers: { Accept: "text/html" } });
      const inHonoHtml = await inHono.text();
      expect(comparable(second.headers)).toEqual(comparable(inHono.headers));
      // As rendered, less the first visitor's own CSRF cookie.
      expect(comparable(second.headers)).toEqual(comparable(first.headers).filter(([name]) => name !== "set-cookie"));
      for (const [headers, html] of [
        [second.headers, secondHtml],
        [inHono.headers, inHonoHtml],
      ] as const) {
        expect(nonceIn(html)).toBeTruthy();
        expect(cspNonce(headers)).toBe(nonceIn(html));
      }
      expect(nonceIn(secondHtml)).not.toBe(nonceIn(firstHtml));
      expect(secondHtml.replaceAll(nonceIn(secondHtml)!, "N")).toBe(firstHtml.replaceAll(nonceIn(firstHtml)!, "N"));
      expect(second.headers.get("Set-Cookie")).toBeNull();
      expect(Number(second.headers.get("Content-Length"))).toBe(Buffer.byteLength(secondHtml));

      const etag = second.headers.get("ETag")!;
      const notModified = await raw(server.origin, path, { Accept: "text/html", "If-None-Match": etag });
      expect(notModified.status).toBe(304);
      expect(notModified.body.length).toBe(0);
      expect(notModified.headers.etag).toBe(etag);
      expect(notModified.headers["content-security-policy"]).toBeUndefined();
      const head = await raw(server.origin, path, { Accept: "text/html" }, "HEAD");
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(Number(head.headers["content-length"])).toBe(Buffer.byteLength(secondHtml));
      expect(server.cachedHits()).toBe(3);
      expect(renders).toHaveBeenCalledTimes(1);
    } finally {
      renders.mockRestore();
    }
  });

  it("answers stored ActivityPub documents, gzipped for those who ask", async () => {
    const outbox = "/users/alice/outbox?cursor=first";
    for (let i = 0; i < 3; i++) await create(`Tide ${i} ${"a long caption ".repeat(20)}`);
    const first = await raw(server.origin, outbox, { Accept: AP });
    expect(first.status).toBe(200);
    const hits = server.cachedHits();
    const plain = await raw(server.origin, outbox, { Accept: AP });
    const zipped = await raw(server.origin, outbox, { Accept: AP, "Accept-Encoding": "gzip" });
    expect(server.cachedHits()).toBe(hits + 2);
    expect(plain.body.equals(first.body)).toBe(true);
    expect(plain.headers["content-type"]).toBe(first.headers["content-type"]);
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(zipped.body).equals(first.body)).toBe(true);
    expect(JSON.parse(plain.body.toString()).orderedItems.length).toBeGreaterThan(0);
  });

  it("leaves to Hono: a session cookie, a changed or deleted post, URLs not in their plainest form, a database that does not answer", async () => {
    const doomed = await create("Soon gone");
    const path = `/@alice/${doomed.post.id}`;
    expect((await get(path)).status).toBe(200);
    let hits = server.cachedHits();
    // A visitor with a session cookie is never answered from the anonymous copy.
    expect((await get(path, { Cookie: "pictor_session=whoever" })).status).toBe(200);
    expect(server.cachedHits()).toBe(hits);
    // Dot segments and an upper-case host go the whole way (and still get the page).
    expect((await raw(server.origin, `/@alice/x/../${doomed.post.id}`, { Accept: "text/html" })).status).toBe(200);
    expect((await raw(server.origin, path, { Accept: "text/html", Host: "Pictor.Test" })).status).toBe(200);
    expect(server.cachedHits()).toBe(hits);
    // The version cannot be read: the copy is not used (Hono renders, and stores nothing it cannot date).
    const failing = vi.spyOn(server.pictor.contentVersion, "current").mockRejectedValue(new Error("database away"));
    try {
      expect((await get(path)).status).toBe(200);
      expect(server.cachedHits()).toBe(hits);
    } finally {
      failing.mockRestore();
    }
    // Hono dropped the copy it could not date: rendered and stored again, then answered before Hono.
    expect((await get(path)).status).toBe(200);
    expect(server.cachedHits()).toBe(hits);
    expect((await get(path)).status).toBe(200);
    expect(server.cachedHits()).toBe(++hits);
    // An edit shows at once; then the new copy answers.
    await server.pictor.posts.edit(alice, doomed.post.id, { caption: "Nearly gone" });
    expect(await (await get(path)).text()).toContain("Nearly gone");
    expect(server.cachedHits()).toBe(hits);
    expect(await (await get(path)).text()).toContain("Nearly gone");
    expect(server.cachedHits()).toBe(++hits);
    // Deleted: 410 at once, never the stored copy.
    await server.pictor.posts.delete(alice, doomed.post.id);
    expect((await get(path)).status).toBe(410);
    expect((await raw(server.origin, path, { Accept: "text/html" })).status).toBe(410);
    expect(server.cachedHits()).toBe(hits);
  });

  it("never answers from a copy another process's change made stale: delete, narrowed visibility, edit", async () => {
    // A second Pictor on the same database: a worker, a CLI command, another web process.
    const config = server.pictor.config;
    const other: Pictor = await createPictor(
      loadConfig({ PUBLIC_URL: server.origin, DATABASE_URL: config.databaseUrl, DATA_DIR: config.dataDir, ALLOW_PRIVATE_ADDRESS: "true" }),
      { stores: persistentStores, migrate: false },
    );
    try {
      const deleted = await create("Shipwreck");
      const narrowed = await create("Sandbar");
      const edited = await create("Low tide");
      const paths = (p: PostDetails) => [`/@alice/${p.post.id}`, `/posts/${p.post.id}`];
      const fetchAll = async () => {
        for (const p of [deleted, narrowed, edited]) {
          for (const path of paths(p)) expect((await get(path)).status, path).toBe(200);
          expect((await raw(server.origin, new URL(p.post.iri).pathname, { Accept: AP })).status).toBe(200);
        }
      };
      await fetchAll();
      const hits = server.cachedHits();
      await fetchAll();
      expect(server.cachedHits()).toBe(hits + 9);
      const otherAlice = (await other.accounts.getLocalByUsername("alice"))!;
      await other.posts.delete(otherAlice, deleted.post.id);
      // Straight to the row, as a command-line fix would (no service, no event): the triggers still see it.
      await other.db.kysely.updateTable("posts").set({ visibility: "followers" }).where("id", "=", narrowed.post.id).execute();
      await other.posts.edit(otherAlice, edited.post.id, { caption: "High tide" });
      for (const [p, status] of [
        [deleted, 410],
        [narrowed, 404],
      ] as const) {
        for (const path of paths(p)) {
          const res = await get(path);
          expect(res.status, path).toBe(status);
          expect(await res.text()).not.toMatch(/Shipwreck|Sandbar/);
        }
        const note = await raw(server.origin, new URL(p.post.iri).pathname, { Accept: AP });
        expect(note.status).not.toBe(200);
        expect(note.body.toString()).not.toMatch(/Shipwreck|Sandbar/);
      }
      // (Its prompt still says "Low tide": the caption is what changed.)
      for (const path of paths(edited)) expect(await (await get(path)).text(), path).toContain("High tide");
      expect((await raw(server.origin, new URL(edited.post.iri).pathname, { Accept: AP })).body.toString()).toContain("High tide");
      expect(server.cachedHits()).toBe(hits + 9);
    } finally {
      await other.close();
    }
  });
});

describe("viewOfIncoming", () => {
  const incoming = (url: string, headers: Record<string, string>, encrypted = false) => ({ method: "GET", url, headers, socket: { encrypted } }) as unknown as IncomingMessage;

  it("gives the URL @hono/node-server gives Hono, or the forwarded one behind a trusted proxy", () => {
    expect(viewOfIncoming(incoming("/@alice/1?x=1", { host: "pictor.example" }), false)).toMatchObject({ url: "http://pictor.example/@alice/1?x=1", path: "/@alice/1" });
    expect(viewOfIncoming(incoming("/@alice", { host: "pictor.example:8443" }, true), false)?.url).toBe("https://pictor.example:8443/@alice");
    const proxied = incoming("/@alice", { host: "127.0.0.1:3000", "x-forwarded-proto": "https", "x-forwarded-host": "pictor.example" });
    expect(viewOfIncoming(proxied, true)?.url).toBe("https://pictor.example/@alice");
    // Without TRUST_PROXY the forwarded headers mean nothing.
    expect(viewOfIncoming(proxied, false)?.url).toBe("http://127.0.0.1:3000/@alice");
  });

  it("declines what Hono would normalize: dot segments, odd characters, an unusual host, no host", () => {
    for (const [url, host] of [
      ["/@alice/../admin", "pictor.example"],
      ["/@alice/.", "pictor.example"],
      ["/@alice/\u00e9", "pictor.example"],
      ["@alice", "pictor.example"],
      ["/@alice", "Pictor.Example"],
      ["/@alice", "pictor.example@evil"],
      ["/@alice", ""],
    ]) {
      expect(viewOfIncoming(incoming(url, host ? { host } : {}), false), `${url} on ${host}`).toBeNull();
    }
  });
});
