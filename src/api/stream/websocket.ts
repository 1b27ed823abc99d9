import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { OAuthService, TokenInfo } from "../../domain/oauth.ts";
import { grants } from "../../domain/scopes.ts";
import { viewerOf } from "../../domain/visibility.ts";
import type { StreamHub, StreamListener } from "./hub.ts";
import { parseSubscription, StreamRequestError, type Subscription, subscriptionKey } from "./streams.ts";

const PATHS = new Set(["/api/v1/streaming", "/api/v1/streaming/"]);
const PING_MS = 30_000;
const MAX_MESSAGE_BYTES = 4096;
const MAX_SUBSCRIPTIONS = 100;

export interface StreamingSocketDeps {
  oauth: Pick<OAuthService, "verify">;
  streams: StreamHub;
}

/** The token of an upgrade request: `access_token`, the `Sec-WebSocket-Protocol` header (as Mastodon's clients send it), or a bearer header. */
function tokenOf(req: IncomingMessage, url: URL): { token: string | undefined; viaProtocol: boolean } {
  const query = url.searchParams.get("access_token");
  if (query) return { token: query, viaProtocol: false };
  const protocol = req.headers["sec-websocket-protocol"];
  if (typeof protocol === "string" && protocol.trim()) return { token: protocol.split(",")[0].trim(), viaProtocol: true };
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return { token: m?.[1], viaProtocol: false };
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  const reason = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found" }[status] ?? "Error";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The streaming API's WebSocket, for a Node server's `upgrade` event: authenticates the upgrade
 * (401 for a bad token), subscribes to `?stream=` (and `tag`), then follows Mastodon's
 * `{"type": "subscribe" | "unsubscribe", "stream", "tag"}` messages; events come from the hub
 * as `{"stream": [...], "event", "payload"}`. Upgrades to other paths are refused with 404.
 */
export function streamingUpgradeHandler(deps: StreamingSocketDeps): ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) & { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, handleProtocols: (protocols) => [...protocols][0] ?? false });

  const handler = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {});
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (!PATHS.has(url.pathname)) return refuse(socket, 404, "Not found");
      const { token } = tokenOf(req, url);
      let auth: TokenInfo | undefined;
      if (token) {
        auth = await deps.oauth.verify(token);
        if (!auth) return refuse(socket, 401, "Invalid access token");
      }
      const who = {
        signedIn: Boolean(auth?.account),
        hasToken: Boolean(auth),
        grants: (s: string) => Boolean(auth && grants(auth.scopes, s)),
      };
      // The stream asked for on connect must be allowed before the upgrade (as Mastodon answers).
      let first: Subscription | undefined;
      const stream = url.searchParams.get("stream");
      if (stream) {
        try {
          first = parseSubscription(stream, url.searchParams.get("tag") ?? undefined, who);
        } catch (error) {
          if (error instanceof StreamRequestError) return refuse(socket, error.status, error.message);
          throw error;
        }
      }
      wss.handleUpgrade(req, socket, head, (ws) => connected(ws, auth, who, first, token));
    })().catch(() => refuse(socket, 400, "Bad request"));
  };

  const connected = (ws: WebSocket, auth: TokenInfo | undefined, who: Parameters<typeof parseSubscription>[2], first?: Subscription, token?: string) => {
    const account = auth?.account ?? null;
    const listener: StreamListener = {
      viewer: viewerOf(account),
      accountId: account?.id ?? null,
      subscriptions: new Map(first ? [[subscriptionKey(first), first]] : []),
      send: (m) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
      },
      ...(auth && token
        ? {
            revalidate: async () => Boolean(await deps.oauth.verify(token)),
            close: () => ws.close(1008, "The access token is no longer valid"),
          }
        : {}),
    };
    const remove = deps.streams.add(listener);
    const error = (status: number, message: string) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ error: message, status }));
    };
    let alive = true;
    ws.on("pong", () => {
      alive = true;
    });
    const ping = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, PING_MS);
    ping.unref?.();
    ws.on("message", (data, isBinary) => {
      if (isBinary) return error(400, "Messages must be text");
      let message: { type?: unknown; stream?: unknown; tag?: unknown };
      try {
        message = JSON.parse(data.toString());
      } catch {
        return error(400, "Could not parse message");
      }
      if (typeof message !== "object" || message === null) return error(400, "Could not parse message");
      if (message.type !== "subscribe" && message.type !== "unsubscribe") return error(400, "Unknown message type");
      let subscription: Subscription;
      try {
        subscription = parseSubscription(message.stream, message.tag, who);
      } catch (e) {
        if (e instanceof StreamRequestError) return error(e.status, e.message);
        return error(400, "Bad request");
      }
      const key = subscriptionKey(subscription);
      if (message.type === "unsubscribe") listener.subscriptions.delete(key);
      else if (listener.subscriptions.size >= MAX_SUBSCRIPTIONS && !listener.subscriptions.has(key)) error(400, "Too many subscriptions");
      else listener.subscriptions.set(key, subscription);
    });
    ws.on("error", () => {});
    ws.on("close", () => {
      clearInterval(ping);
      remove();
    });
  };

  return Object.assign(handler, {
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  });
}
