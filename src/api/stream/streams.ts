/**
 * The streams a listener may subscribe to, as Mastodon names them, and what each needs.
 */
export const STREAM_NAMES = [
  "user",
  "user:notification",
  "public",
  "public:media",
  "public:local",
  "public:local:media",
  "public:remote",
  "public:remote:media",
  "hashtag",
  "hashtag:local",
] as const;

export type StreamName = (typeof STREAM_NAMES)[number];

export interface Subscription {
  stream: StreamName;
  /** For hashtag streams: the tag, lowercase, without `#`. */
  tag?: string;
}

/** A subscription's key (one per stream and tag). */
export const subscriptionKey = (s: Subscription) => (s.tag !== undefined ? `${s.stream}#${s.tag}` : s.stream);

/** The `stream` array of a message: the name, and the tag for hashtag streams. */
export const streamLabel = (s: Subscription): string[] => (s.tag !== undefined ? [s.stream, s.tag] : [s.stream]);

/** Streams only a signed-in user may follow. */
export const isUserStream = (s: StreamName) => s === "user" || s === "user:notification";

/** The scopes (any one) a token needs for a stream. */
export const streamScopes = (s: StreamName): string[] => (s === "user:notification" ? ["read:notifications"] : ["read:statuses"]);

export class StreamRequestError extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a subscription request (`stream`, and `tag` for hashtag streams) and checks the listener
 * may make it: 400 for an unknown stream or a missing tag, 401 for a user stream without a user,
 * 403 for a token without the scope.
 */
export function parseSubscription(
  stream: unknown,
  tag: unknown,
  who: { signedIn: boolean; hasToken: boolean; grants(scope: string): boolean },
): Subscription {
  if (typeof stream !== "string" || !(STREAM_NAMES as readonly string[]).includes(stream)) throw new StreamRequestError(400, "Unknown stream type");
  const name = stream as StreamName;
  if (isUserStream(name) && !who.signedIn) throw new StreamRequestError(401, "Missing access token");
  if (who.hasToken && !streamScopes(name).some((s) => who.grants(s))) throw new StreamRequestError(403, "This action is outside the authorized scopes");
  if (name === "hashtag" || name === "hashtag:local") {
    const t = typeof tag === "string" ? tag.trim().replace(/^#/, "").toLowerCase() : "";
    if (!t || t.length > 100) throw new StreamRequestError(400, "No tag for stream provided");
    return { stream: name, tag: t };
  }
  return { stream: name };
}
