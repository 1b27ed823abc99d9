import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generateCryptoKeyPair } from "@fedify/fedify";
import { signRequest } from "@fedify/fedify/sig";

/**
 * A canned remote fediverse server on 127.0.0.1 (a test rig in the spirit of
 * GoToSocial's): serves Mastodon-shaped actor documents with real keys,
 * records what is POSTed to its inboxes, and signs requests as its actors.
 */
export interface FakeRemote {
  origin: string;
  actorIri(name: string): string;
  addActor(name: string, extra?: Record<string, unknown>): Promise<void>;
  /** Activities received, newest last. */
  received: Array<{ path: string; body: any; signed: boolean }>;
  /** A request to `url` carrying `activity`, signed by `name`'s key (draft-cavage, as Mastodon does by default). */
  signedPost(url: string, activity: unknown, name: string, spec?: "draft-cavage-http-signatures-12" | "rfc9421"): Promise<Request>;
  /** Answers POSTs to `path` with `status` (e.g. 410 for a deleted account). */
  failInbox(path: string, status: number): void;
  /** Serves a JSON-LD document at a path of this server. */
  serve(path: string, doc: Record<string, unknown>): void;
  /** Serves an HTML page at a path of this server (a profile page with a rel="alternate" link, say). */
  servePage(path: string, html: string): void;
  /** GETs answered from documents, pages and actors, oldest first. */
  fetched: Array<{ path: string; signed: boolean }>;
  /** A GET of `url` signed by `name`'s key (an authorized fetch). */
  signedGet(url: string, name: string): Promise<Request>;
  close(): Promise<void>;
}

async function pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey("spki", key));
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startFakeRemote(options: { inboxDelayMs?: number } = {}): Promise<FakeRemote> {
  const actors = new Map<string, { doc: Record<string, unknown>; privateKey: CryptoKey }>();
  const received: FakeRemote["received"] = [];
  const documents = new Map<string, Record<string, unknown>>();
  const pages = new Map<string, string>();
  const fetched: FakeRemote["fetched"] = [];
  const failing = new Map<string, number>();
  let origin = "";
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", origin);
    if (req.method === "POST") {
      const text = await readBody(req);
      const failStatus = failing.get(url.pathname);
      if (failStatus) {
        res.writeHead(failStatus).end();
        return;
      }
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {}
      // A slow inbox answers late, but records what arrived at once.
      received.push({ path: url.pathname, body, signed: Boolean(req.headers.signature || req.headers["signature-input"]) });
      if (options.inboxDelayMs) await new Promise((r) => setTimeout(r, options.inboxDelayMs));
      res.writeHead(202).end();
      return;
    }
    fetched.push({ path: url.pathname, signed: Boolean(req.headers.signature || req.headers["signature-input"]) });
    const page = pages.get(url.pathname);
    if (page !== undefined) {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(page);
      return;
    }
    const doc = documents.get(url.pathname);
    if (doc) {
      res.writeHead(200, { "Content-Type": "application/activity+json" }).end(JSON.stringify(doc));
      return;
    }
    const m = /^\/users\/([^/]+)$/.exec(url.pathname);
    const actor = m && actors.get(m[1]);
    if (actor) {
      res.writeHead(200, { "Content-Type": "application/activity+json" }).end(JSON.stringify(actor.doc));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const actorIri = (name: string) => `${origin}/users/${name}`;

  return {
    origin,
    actorIri,
    received,
    fetched,
    async addActor(name, extra = {}) {
      const pair = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
      const id = actorIri(name);
      actors.set(name, {
        privateKey: pair.privateKey,
        doc: {
          "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
          id,
          type: "Person",
          preferredUsername: name,
          name: `${name} remote`,
          summary: "<p>Remote bio</p>",
          url: `${origin}/@${name}`,
          inbox: `${id}/inbox`,
          outbox: `${id}/outbox`,
          followers: `${id}/followers`,
          following: `${id}/following`,
          endpoints: { sharedInbox: `${origin}/inbox` },
          manuallyApprovesFollowers: false,
          publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: await pem(pair.publicKey) },
          ...extra,
        },
      });
    },
    async signedPost(url, activity, name, spec = "draft-cavage-http-signatures-12") {
      const actor = actors.get(name);
      if (!actor) throw new Error(`no actor ${name}`);
      const req = new Request(url, {
        method: "POST",
        headers: { "Content-Type": "application/activity+json", Accept: "application/activity+json" },
        body: JSON.stringify(activity),
      });
      return signRequest(req, actor.privateKey, new URL(`${actorIri(name)}#main-key`), { spec });
    },
    failInbox(path, status) {
      failing.set(path, status);
    },
    serve(path, doc) {
      documents.set(path, doc);
    },
    servePage(path, html) {
      pages.set(path, html);
    },
    async signedGet(url, name) {
      const actor = actors.get(name);
      if (!actor) throw new Error(`no actor ${name}`);
      const req = new Request(url, { headers: { Accept: "application/activity+json" } });
      return signRequest(req, actor.privateKey, new URL(`${actorIri(name)}#main-key`));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
