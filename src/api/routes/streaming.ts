import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { grants } from "../../domain/scopes.ts";
import { viewerOf } from "../../domain/visibility.ts";
import { bearerToken } from "../auth.ts";
import type { ApiEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import type { ApiDeps } from "../index.ts";
import type { StreamListener } from "../stream/hub.ts";
import { StreamDelivery } from "../stream/router.ts";
import { parseSubscription, StreamRequestError, subscriptionKey } from "../stream/streams.ts";

/** How often an idle event stream gets a comment, so proxies and clients keep it open. */
const HEARTBEAT_MS = 15_000;

/**
 * The streaming API over HTTP: health, and the server-sent-events endpoints (the WebSocket at
 * /api/v1/streaming is src/api/stream/websocket.ts, attached to the server's upgrades).
 * Listeners are fed by the StreamHub, whose events this module's router renders.
 */
export function streamingRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  deps.streams.use(new StreamDelivery(deps));

  app.get("/api/v1/streaming/health", (c) => c.text("OK"));

  const eventStream = (stream: string, tagParam = false) => async (c: Context<ApiEnv>) => {
    const auth = c.get("auth");
    const account = c.get("account");
    let name = stream;
    if (c.req.query("only_media") && /^(1|true|on|yes)$/i.test(c.req.query("only_media") ?? "") && name.startsWith("public")) name = `${name}:media`;
    let subscription: ReturnType<typeof parseSubscription>;
    try {
      subscription = parseSubscription(name, tagParam ? c.req.query("tag") : undefined, {
        signedIn: Boolean(account),
        hasToken: Boolean(auth),
        grants: (s) => Boolean(auth && grants(auth.scopes, s)),
      });
    } catch (error) {
      if (error instanceof StreamRequestError) throw new ApiError(error.status, error.message);
      throw error;
    }
    return streamSSE(c, async (sse) => {
      let writes: Promise<unknown> = Promise.resolve();
      const write = (fn: () => Promise<unknown>) => {
        writes = writes.then(fn).catch(() => {});
      };
      let end = () => {};
      const done = new Promise<void>((resolve) => {
        end = resolve;
        sse.onAbort(resolve);
      });
      const token = bearerToken(c.req);
      const listener: StreamListener = {
        viewer: viewerOf(account),
        accountId: account?.id ?? null,
        subscriptions: new Map([[subscriptionKey(subscription), subscription]]),
        send: (m) => write(() => sse.writeSSE({ event: m.event, data: m.payload })),
        ...(auth && token ? { revalidate: async () => Boolean(await deps.oauth.verify(token)), close: () => end() } : {}),
      };
      const remove = deps.streams.add(listener);
      // A first comment, so clients see the stream open at once; then one now and then.
      write(() => sse.write(":)\n\n"));
      const heartbeat = setInterval(() => write(() => sse.write(":thump\n\n")), HEARTBEAT_MS);
      try {
        await done;
      } finally {
        clearInterval(heartbeat);
        remove();
      }
    });
  };

  app.get("/api/v1/streaming/user", eventStream("user"));
  app.get("/api/v1/streaming/user/notification", eventStream("user:notification"));
  app.get("/api/v1/streaming/public", eventStream("public"));
  app.get("/api/v1/streaming/public/local", eventStream("public:local"));
  app.get("/api/v1/streaming/public/remote", eventStream("public:remote"));
  app.get("/api/v1/streaming/hashtag", eventStream("hashtag", true));
  app.get("/api/v1/streaming/hashtag/local", eventStream("hashtag:local", true));

  return app;
}
