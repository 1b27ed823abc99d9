import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { StreamEventStore } from "../../src/api/stream/store.ts";
import { streamingUpgradeHandler } from "../../src/api/stream/websocket.ts";
import { createPictor, type Pictor } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { AccountRow } from "../../src/storage/schema.ts";
import { newId } from "../../src/storage/time.ts";
import { persistentStores } from "../../src/stores.ts";
import { api, apiToken, apiUser } from "../helpers/api.ts";
import { remoteAccount, remotePost } from "../helpers/fixtures.ts";
import { insertGeneratedMedia } from "../helpers/media.ts";
import { startTestPictor, TEST_ORIGIN, waitFor } from "../helpers/pictor.ts";

interface Message {
  stream: string[];
  event: string;
  payload: string;
}

/** A WebSocket client that keeps what it receives. */
async function connect(url: string, protocols?: string | string[]): Promise<{ ws: WebSocket; messages: Message[]; errors: any[] }> {
  const ws = new WebSocket(url, protocols);
  const messages: Message[] = [];
  const errors: any[] = [];
  ws.on("message", (data) => {
    const m = JSON.parse(data.toString());
    if (m.error) errors.push(m);
    else messages.push(m);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
  return { ws, messages, errors };
}

/** The status code an upgrade is refused with. */
function refusal(url: string, protocols?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.once("open", () => {
      ws.close();
      reject(new Error("the upgrade was accepted"));
    });
    ws.once("error", () => {});
  });
}

const updates = (messages: Message[], stream?: string) =>
  messages.filter((m) => m.event === "update" && (!stream || m.stream[0] === stream)).map((m) => JSON.parse(m.payload));

describe("streaming API", () => {
  let pictor: Pictor & { stop(): Promise<void> };
  let server: ReturnType<typeof serve>;
  let upgrades: ReturnType<typeof streamingUpgradeHandler>;
  let base: string;
  let alice: { account: AccountRow; token: string };
  let dave: { account: AccountRow; token: string };
  let carol: { account: AccountRow; token: string };
  const sockets: WebSocket[] = [];
  let n = 0;
  const post = async (p: Pictor, author: AccountRow, extra: Record<string, unknown> = {}) =>
    p.posts.create(author, { mediaIds: [(await insertGeneratedMedia(p.db, author.id, `p${++n}`)).id], ...extra });
  const open = async (query: string, protocols?: string) => {
    const c = await connect(`${base}/api/v1/streaming${query}`, protocols);
    sockets.push(c.ws);
    return c;
  };

  beforeAll(async () => {
    pictor = await startTestPictor();
    alice = await apiUser(pictor, "alice");
    dave = await apiUser(pictor, "dave");
    carol = await apiUser(pictor, "carol");
    await pictor.follows.follow(alice.account, dave.account);
    server = serve({ fetch: pictor.http.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    upgrades = streamingUpgradeHandler(pictor);
    server.on("upgrade", upgrades);
    base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    upgrades?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await pictor?.stop();
  });

  it("answers the health check", async () => {
    const res = await api(pictor, "GET", "/api/v1/streaming/health");
    expect(res.status).toBe(200);
    expect(res.body).toBe("OK");
  });

  it("refuses bad tokens, user streams without a token, unknown streams and missing scopes", async () => {
    expect(await refusal(`${base}/api/v1/streaming?access_token=nope&stream=public`)).toBe(401);
    expect(await refusal(`${base}/api/v1/streaming?stream=user`)).toBe(401);
    expect(await refusal(`${base}/api/v1/streaming?access_token=${alice.token}&stream=list`)).toBe(400);
    expect(await refusal(`${base}/api/v1/streaming?access_token=${alice.token}&stream=hashtag`)).toBe(400);
    const writeOnly = await apiToken(pictor, alice.account, "write");
    expect(await refusal(`${base}/api/v1/streaming?access_token=${writeOnly}&stream=user`)).toBe(403);
    const statusesOnly = await apiToken(pictor, alice.account, "read:statuses");
    expect(await refusal(`${base}/api/v1/streaming?access_token=${statusesOnly}&stream=user:notification`)).toBe(403);
    expect(await refusal(`${base}/api/v1/streaming/elsewhere`)).toBe(404);
    // Through the HTTP app, the event streams answer the same way.
    expect((await api(pictor, "GET", "/api/v1/streaming/user")).status).toBe(401);
    expect((await api(pictor, "GET", "/api/v1/streaming/hashtag")).status).toBe(400);
  });

  it("sends updates to the user stream and public streams, and never a followers-only post to a public stream or a non-follower", async () => {
    const home = await open(`?access_token=${alice.token}&stream=user`);
    const anonymous = await open("?stream=public");
    const stranger = await open(`?stream=user`, carol.token); // token as the WebSocket protocol
    stranger.ws.send(JSON.stringify({ type: "subscribe", stream: "public:local" }));
    await new Promise((r) => setTimeout(r, 100));
    const secret = await post(pictor, dave.account, { caption: "for followers", visibility: "followers" });
    const open_ = await post(pictor, dave.account, { caption: "for everyone" });
    await waitFor(() => updates(home.messages).some((s) => s.id === open_.post.id), 10_000, "the public post on alice's home");
    await waitFor(() => updates(anonymous.messages).some((s) => s.id === open_.post.id), 10_000, "the public post on the public stream");
    await waitFor(() => updates(stranger.messages, "public:local").some((s) => s.id === open_.post.id), 10_000, "the public post on carol's public:local");
    // Events arrive in order: by now the followers-only post has been judged for everyone.
    expect(updates(home.messages).map((s) => s.id)).toEqual([secret.post.id, open_.post.id]);
    expect(home.messages[0].stream).toEqual(["user"]);
    expect(updates(home.messages)[0].visibility).toBe("private");
    expect(updates(home.messages)[0].account.username).toBe("dave");
    expect(updates(anonymous.messages).map((s) => s.id)).toEqual([open_.post.id]);
    expect(anonymous.messages[0].stream).toEqual(["public"]);
    // carol follows nobody: nothing on her user stream, and the followers-only post nowhere.
    expect(updates(stranger.messages, "user")).toEqual([]);
    expect(stranger.messages.map((m) => JSON.parse(m.payload).id)).toEqual([open_.post.id]);
    // Rendered for each viewer: alice sees her own view of the status.
    expect(updates(home.messages)[1].favourited).toBe(false);
    expect(updates(anonymous.messages)[0].favourited).toBeUndefined();
  });

  it("tells listeners when another server deletes a post, only those who could see it", async () => {
    const bob = await pictor.accounts.upsertRemote(remoteAccount("bobstream"));
    const listener = await open("?stream=public");
    const open1 = remotePost(`${bob.iri}/notes/open`, { contentHtml: "<p>hello</p>" });
    const hidden = remotePost(`${bob.iri}/notes/hidden`, { visibility: "followers" });
    const shown = (await pictor.posts.receiveRemote(bob, open1))!;
    const secret = (await pictor.posts.receiveRemote(bob, hidden))!;
    await waitFor(() => updates(listener.messages).some((st) => st.id === shown.post.id), 10_000, "the remote post");
    await pictor.posts.deleteRemote(bob, secret.post.iri);
    await pictor.posts.deleteRemote(bob, shown.post.iri);
    const deleted = await waitFor(() => listener.messages.find((m) => m.event === "delete"), 10_000, "the delete");
    expect(deleted).toEqual({ stream: ["public"], event: "delete", payload: shown.post.id });
    await new Promise((r) => setTimeout(r, 800));
    expect(listener.messages.filter((m) => m.event === "delete").map((m) => m.payload)).toEqual([shown.post.id]);
    expect(listener.messages.some((m) => m.payload.includes(secret.post.id))).toBe(false);
  });

  it("sends a notification for a like, and a delete when a post is deleted", async () => {
    const mine = await post(pictor, alice.account, { caption: "like me" });
    const home = await open(`?access_token=${alice.token}&stream=user`);
    const onlyNotifications = await open(`?access_token=${alice.token}&stream=user:notification`);
    await pictor.interactions.act("like", dave.account, mine);
    const note = await waitFor(() => onlyNotifications.messages.find((m) => m.event === "notification"), 10_000, "the notification");
    expect(note.stream).toEqual(["user:notification"]);
    const entity = JSON.parse(note.payload);
    expect(entity.type).toBe("favourite");
    expect(entity.account.username).toBe("dave");
    expect(entity.status.id).toBe(mine.post.id);
    await waitFor(() => home.messages.find((m) => m.event === "notification"), 10_000, "the notification on the user stream");
    // dave's post, then its deletion.
    const daves = await post(pictor, dave.account, { caption: "soon gone" });
    await waitFor(() => updates(home.messages).some((s) => s.id === daves.post.id), 10_000, "dave's post");
    await pictor.posts.delete(dave.account, daves.post.id);
    const deleted = await waitFor(() => home.messages.find((m) => m.event === "delete"), 10_000, "the delete");
    expect(deleted).toEqual({ stream: ["user"], event: "delete", payload: daves.post.id });
    expect(onlyNotifications.messages.filter((m) => m.event !== "notification")).toEqual([]);
  });

  it("sends boosts as reblogs to the booster's followers", async () => {
    const home = await open(`?access_token=${alice.token}&stream=user`);
    const carols = await post(pictor, carol.account, { caption: "boost me" });
    await pictor.interactions.act("boost", dave.account, carols);
    const reblog = await waitFor(() => updates(home.messages).find((s) => s.reblog), 10_000, "the reblog");
    expect(reblog.account.username).toBe("dave");
    expect(reblog.reblog.id).toBe(carols.post.id);
    expect(updates(home.messages).some((s) => s.id === carols.post.id)).toBe(false);
    await pictor.interactions.undo("boost", dave.account, carols);
    const undone = await waitFor(() => home.messages.find((m) => m.event === "delete"), 10_000, "the boost's delete");
    expect(undone.payload).toBe(reblog.id);
  });

  it("follows subscribe and unsubscribe messages, for hashtags too", async () => {
    const c = await open(`?access_token=${carol.token}`);
    c.ws.send(JSON.stringify({ type: "subscribe", stream: "hashtag", tag: "Cats" }));
    c.ws.send(JSON.stringify({ type: "subscribe", stream: "nonsense" }));
    c.ws.send("not json");
    await waitFor(() => c.errors.length >= 2, 5000, "the errors");
    expect(c.errors[0]).toEqual({ error: "Unknown stream type", status: 400 });
    const cats = await post(pictor, dave.account, { caption: "#cats again" });
    await post(pictor, dave.account, { caption: "#dogs" });
    await waitFor(() => updates(c.messages).some((s) => s.id === cats.post.id), 10_000, "the #cats post");
    expect(c.messages[0].stream).toEqual(["hashtag", "cats"]);
    c.ws.send(JSON.stringify({ type: "unsubscribe", stream: "hashtag", tag: "cats" }));
    await new Promise((r) => setTimeout(r, 100));
    const later = await post(pictor, dave.account, { caption: "#cats later" });
    const marker = await open("?stream=hashtag&tag=cats");
    const more = await post(pictor, dave.account, { caption: "#cats last" });
    await waitFor(() => updates(marker.messages).some((s) => s.id === more.post.id), 10_000, "the last #cats post");
    expect(updates(c.messages).map((s) => s.id)).toEqual([cats.post.id]);
    expect(updates(c.messages).map((s) => s.id)).not.toContain(later.post.id);
  });

  it("closes streams whose token is revoked, over WebSocket and server-sent events", async () => {
    const erin = await apiUser(pictor, "erin");
    const socket = await open(`?access_token=${erin.token}&stream=user`);
    const closed = new Promise<number>((resolve) => socket.ws.once("close", (code) => resolve(code)));
    const res = await pictor.http.request(`${TEST_ORIGIN}/api/v1/streaming/user`, { headers: { Authorization: `Bearer ${erin.token}` } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })();
    const anonymous = await open("?stream=public");
    // Nothing to close while the token holds.
    expect(await pictor.streams.recheck()).toBe(0);
    const [app] = await pictor.oauth.authorizedApps(erin.account.id);
    await pictor.oauth.revokeApp(erin.account.id, app.app.id);
    expect(await pictor.streams.recheck()).toBe(2);
    expect(await closed).toBe(1008);
    expect(await ended).toBe(true);
    expect(anonymous.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("serves server-sent events", async () => {
    const res = await pictor.http.request(`${TEST_ORIGIN}/api/v1/streaming/public/local`, { headers: { Authorization: `Bearer ${alice.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    let text = "";
    const read = (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value);
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const p = await post(pictor, dave.account, { caption: "by events" });
    await post(pictor, dave.account, { caption: "secret", visibility: "followers" });
    await waitFor(() => text.includes(p.post.id), 10_000, "the event");
    const event = /event: update\ndata: (.+)\n\n/.exec(text);
    expect(event).not.toBeNull();
    expect(JSON.parse(event![1]).id).toBe(p.post.id);
    expect(text.startsWith(":")).toBe(true);
    await reader.cancel();
    await read.catch(() => {});
    // The listener is gone once the client leaves.
    await waitFor(() => pictor.streams.listenerCount === sockets.filter((s) => s.readyState === WebSocket.OPEN).length, 5000, "the listener to go");
  });

  it("delivers events made by another process on the same database", async () => {
    const home = await open(`?access_token=${alice.token}&stream=user`);
    const other = await createPictor(
      loadConfig({ PUBLIC_URL: TEST_ORIGIN, DATABASE_URL: pictor.config.databaseUrl, DATA_DIR: pictor.config.dataDir, ALLOW_PRIVATE_ADDRESS: "true" }),
      { stores: persistentStores },
    );
    try {
      const dave2 = (await other.accounts.getLocalByUsername("dave"))!;
      const made = await post(other, dave2, { caption: "from the other process" });
      const got = await waitFor(() => updates(home.messages).find((s) => s.id === made.post.id), 10_000, "the other process's post");
      expect(got.content).toContain("from the other process");
    } finally {
      await other.close();
    }
  });

  it("delivers an event whose transaction committed late (after later polls)", async () => {
    const earlier = await post(pictor, dave.account, { caption: "made before listening" });
    const home = await open(`?access_token=${alice.token}&stream=user`);
    const id = newId();
    await new Promise((r) => setTimeout(r, 1000));
    await pictor.db.kysely
      .insertInto("stream_events")
      .values({ id, kind: "status", payload: JSON.stringify({ postId: earlier.post.id }), created_at: new Date().toISOString() })
      .execute();
    await waitFor(() => updates(home.messages).some((s) => s.id === earlier.post.id), 10_000, "the late event");
    await new Promise((r) => setTimeout(r, 700));
    // Once only, though later polls read it again.
    expect(updates(home.messages).filter((s) => s.id === earlier.post.id).length).toBe(1);
  });

  it("sweeps old stream events", async () => {
    const store = new StreamEventStore(pictor.db);
    const before = await pictor.db.kysely.selectFrom("stream_events").select((e) => e.fn.countAll().as("n")).executeTakeFirstOrThrow();
    expect(Number(before.n)).toBeGreaterThan(0);
    expect(await store.sweep(60_000)).toBe(0);
    expect(await store.sweep(0)).toBe(Number(before.n));
  });
});
