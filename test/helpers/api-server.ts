import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { streamingUpgradeHandler } from "../../src/api/stream/websocket.ts";
import type { Pictor } from "../../src/app.ts";
import { createPictorServer } from "../../src/http/server.ts";
import { freePort } from "./net.ts";
import { startTestPictor } from "./pictor.ts";

export interface ListeningPictor {
  pictor: Pictor & { stop(): Promise<void> };
  /** How many requests the server answered from a cache before Hono. */
  cachedHits(): number;
  /** http://127.0.0.1:port, also Pictor's PUBLIC_URL. */
  origin: string;
  close(): Promise<void>;
}

/**
 * A whole Pictor on a fresh database, listening on 127.0.0.1 as `cmdServe`
 * does (src/cli/main.ts): the HTTP app plus the streaming API's WebSocket on
 * the server's upgrades. For clients that need a real address: browsers and
 * Mastodon client libraries.
 */
export async function startListeningPictor(env: Record<string, string> = {}): Promise<ListeningPictor> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const pictor = await startTestPictor({ PUBLIC_URL: origin, ...env });
  const server = createPictorServer(pictor, { trustProxy: false, hostname: "127.0.0.1" });
  server.listen(port, "127.0.0.1");
  const upgrades = streamingUpgradeHandler(pictor);
  server.on("upgrade", upgrades);
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve();
    server.once("listening", resolve);
    server.once("error", reject);
  });
  return {
    pictor,
    origin,
    cachedHits: () => server.cachedHits(),
    async close() {
      upgrades.close();
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise((r) => server.close(r));
      await pictor.stop();
    },
  };
}

/**
 * The redirect URI of an app under test: a tiny HTTP server on 127.0.0.1
 * that answers every request with a short page and keeps the URLs it was
 * sent to, so a test reads the authorization code (or error) from them.
 */
export async function startCallbackServer(): Promise<{ url: string; received: URL[]; close(): Promise<void> }> {
  const received: URL[] = [];
  const server: Server = createServer((req, res) => {
    received.push(new URL(req.url ?? "/", "http://127.0.0.1"));
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end("<!doctype html><title>Signed in</title><p>You can close this window.</p>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    received,
    close() {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
