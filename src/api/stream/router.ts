import type { PostDetails } from "../../domain/posts.ts";
import { isListedPublicly, reachesFollowers, type Viewer } from "../../domain/visibility.ts";
import type { ApiDeps } from "../index.ts";
import { presentNotifications } from "../routes/notifications.ts";
import type { StreamListener, StreamMessage, StreamRouter } from "./hub.ts";
import type { StreamEvent, StreamEventPayloads } from "./store.ts";
import { type Subscription, streamLabel } from "./streams.ts";

const viewerKey = (v: Viewer) => (v.kind === "account" ? v.id : v.kind);

/** Whether a post (public and listed, which the caller checked) belongs on a public or hashtag stream. */
function onPublicStream(s: Subscription, d: PostDetails): boolean {
  const local = d.author.domain === null;
  const media = d.media.length > 0;
  switch (s.stream) {
    case "public":
      return true;
    case "public:media":
      return media;
    case "public:local":
      return local;
    case "public:local:media":
      return local && media;
    case "public:remote":
      return !local;
    case "public:remote:media":
      return !local && media;
    case "hashtag":
      return d.tags.includes(s.tag ?? "");
    case "hashtag:local":
      return local && d.tags.includes(s.tag ?? "");
    default:
      return false;
  }
}

/**
 * Renders stream events for listeners: each listener gets an event only on the streams it
 * subscribed to that would hold it, and only when the visibility rule lets it see the post
 * (as in its lists), rendered as it sees it. Entities are built once per viewer and event.
 */
export class StreamDelivery implements StreamRouter {
  constructor(private readonly deps: ApiDeps) {}

  async deliver(event: StreamEvent, listeners: StreamListener[]): Promise<void> {
    switch (event.kind) {
      case "status":
      case "status.update":
        return this.#post(event.payload.postId, event.kind === "status" ? "update" : "status.update", listeners);
      case "delete":
        return this.#deleted(event.payload.postId, listeners, event.payload.gone);
      case "boost":
        return this.#boost(event.payload.interactionId, event.payload.boosterId, listeners);
      case "unboost":
        return this.#unboost(event.payload, listeners);
      case "notification":
        return this.#notification(event.payload.notificationId, event.payload.accountId, listeners);
    }
  }

  /** Who has the post's author (or, for a direct post, themselves among its mentions) on their home timeline. */
  async #homeAudience(d: PostDetails, listeners: StreamListener[]): Promise<Set<string>> {
    const ids = listeners.filter((l) => l.accountId && l.subscriptions.has("user")).map((l) => l.accountId!);
    const audience = await this.deps.timelines.homeAudience(d.author.id, ids);
    if (!reachesFollowers(d.post.visibility)) for (const m of d.mentions) audience.add(m.id);
    return audience;
  }

  /** The subscriptions of a listener that would carry a post. */
  #streamsFor(l: StreamListener, d: PostDetails, home: Set<string>): Subscription[] {
    const listed = isListedPublicly(d.post.visibility);
    return [...l.subscriptions.values()].filter((s) => (s.stream === "user" ? Boolean(l.accountId && home.has(l.accountId)) : listed && onPublicStream(s, d)));
  }

  async #post(postId: string, kind: "update" | "status.update", listeners: StreamListener[]): Promise<void> {
    const d = await this.deps.posts.details(postId);
    if (!d || d.post.deleted_at) return;
    const home = await this.#homeAudience(d, listeners);
    const rendered = new Map<string, Promise<string | null>>();
    for (const l of listeners) {
      const streams = this.#streamsFor(l, d, home);
      if (streams.length === 0) continue;
      const key = viewerKey(l.viewer);
      let payload = rendered.get(key);
      if (!payload) {
        payload = this.deps.visibility
          .check(l.viewer, d, "list")
          .then(async (ok) => (ok ? JSON.stringify(await this.deps.present.status(l.viewer, d)) : null));
        rendered.set(key, payload);
      }
      const text = await payload;
      if (text !== null) send(l, streams, kind, text);
    }
  }

  async #deleted(postId: string, listeners: StreamListener[], gone?: PostDetails): Promise<void> {
    const d = (await this.deps.posts.details(postId)) ?? gone;
    if (!d) return;
    // Told only to those who could see it before, on the streams that could have carried it.
    const before: PostDetails = { ...d, post: { ...d.post, deleted_at: null } };
    const home = await this.#homeAudience(before, listeners);
    const could = new Map<string, Promise<boolean>>();
    for (const l of listeners) {
      const streams = this.#streamsFor(l, before, home);
      if (streams.length === 0) continue;
      const key = viewerKey(l.viewer);
      if (!could.has(key)) could.set(key, this.deps.visibility.check(l.viewer, before, "list"));
      if (await could.get(key)) send(l, streams, "delete", d.post.id);
    }
  }

  async #boostAudience(boosterId: string, listeners: StreamListener[]): Promise<Array<StreamListener>> {
    const ids = listeners.filter((l) => l.accountId && l.subscriptions.has("user")).map((l) => l.accountId!);
    const audience = await this.deps.timelines.homeAudience(boosterId, ids);
    return listeners.filter((l) => l.accountId && l.subscriptions.has("user") && audience.has(l.accountId));
  }

  async #boost(interactionId: string, boosterId: string, listeners: StreamListener[]): Promise<void> {
    for (const l of await this.#boostAudience(boosterId, listeners)) {
      const entry = await this.deps.timelines.boost(l.viewer, interactionId);
      if (!entry) continue;
      const [status] = await this.deps.present.statuses(l.viewer, [entry]);
      send(l, [l.subscriptions.get("user")!], "update", JSON.stringify(status));
    }
  }

  async #unboost(p: StreamEventPayloads["unboost"], listeners: StreamListener[]): Promise<void> {
    const audience = await this.#boostAudience(p.boosterId, listeners);
    if (audience.length === 0) return;
    const d = await this.deps.posts.details(p.postId);
    if (!d) return;
    for (const l of audience) {
      if (await this.deps.visibility.check(l.viewer, { ...d, post: { ...d.post, deleted_at: null } }, "list")) send(l, [l.subscriptions.get("user")!], "delete", p.interactionId);
    }
  }

  async #notification(notificationId: string, accountId: string, listeners: StreamListener[]): Promise<void> {
    const mine = listeners.filter((l) => l.accountId === accountId && (l.subscriptions.has("user") || l.subscriptions.has("user:notification")));
    if (mine.length === 0) return;
    const item = await this.deps.notifications.get(accountId, notificationId);
    if (!item) return;
    const [entity] = await presentNotifications(this.deps, mine[0].viewer, [item]);
    if (!entity) return;
    const text = JSON.stringify(entity);
    for (const l of mine) {
      const streams = (["user", "user:notification"] as const).flatMap((s) => (l.subscriptions.has(s) ? [l.subscriptions.get(s)!] : []));
      send(l, streams, "notification", text);
    }
  }
}

function send(l: StreamListener, streams: Subscription[], event: StreamMessage["event"], payload: string): void {
  for (const s of streams) l.send({ stream: streamLabel(s), event, payload });
}
