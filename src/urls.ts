/**
 * Where local things live. The federation module registers the same paths
 * with Fedify, so the IRIs we store and the ones Fedify builds agree.
 */
export const paths = {
  actor: "/users/{identifier}",
  inbox: "/users/{identifier}/inbox",
  sharedInbox: "/inbox",
  outbox: "/users/{identifier}/outbox",
  followers: "/users/{identifier}/followers",
  following: "/users/{identifier}/following",
  featured: "/users/{identifier}/featured",
  note: "/users/{identifier}/posts/{id}",
  replies: "/users/{identifier}/posts/{id}/replies",
  likes: "/users/{identifier}/posts/{id}/likes",
  shares: "/users/{identifier}/posts/{id}/shares",
  quoteStamp: "/quotes/{id}",
  nodeinfo: "/nodeinfo/2.1",
} as const;

/** The identifier of the instance actor; it cannot be a username (usernames have no dots). */
export const INSTANCE_ACTOR = "instance.actor";

export class LocalUrls {
  constructor(readonly origin: URL) {}
  #u(path: string): URL {
    return new URL(path, this.origin);
  }
  actor(username: string): URL {
    return this.#u(`/users/${encodeURIComponent(username)}`);
  }
  profile(username: string): URL {
    return this.#u(`/@${encodeURIComponent(username)}`);
  }
  followers(username: string): URL {
    return this.#u(`/users/${encodeURIComponent(username)}/followers`);
  }
  /** The IRI of a local post (its Note). */
  post(username: string, id: string): URL {
    return this.#u(`/users/${encodeURIComponent(username)}/posts/${encodeURIComponent(id)}`);
  }
  /** The HTML page of a local post. */
  postPage(username: string, id: string): URL {
    return this.#u(`/@${encodeURIComponent(username)}/${encodeURIComponent(id)}`);
  }
  /** A file in the local media store. */
  media(key: string): URL {
    return this.#u(`/media/${encodeURIComponent(key)}`);
  }
  /** A QuoteAuthorization stamp we issued. */
  quoteStamp(id: string): URL {
    return this.#u(`/quotes/${encodeURIComponent(id)}`);
  }
  tag(tag: string): URL {
    return this.#u(`/tags/${encodeURIComponent(tag)}`);
  }
  /** The IRI of a Follow activity sent by a local account. */
  follow(id: string): URL {
    return this.#u(`/follows/${encodeURIComponent(id)}`);
  }
  /** A fresh IRI for an activity we send that is not stored (Accept, Reject, Undo). */
  activity(kind: string, id: string): URL {
    return this.#u(`/activities/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`);
  }
  get host(): string {
    return this.origin.host;
  }
}
