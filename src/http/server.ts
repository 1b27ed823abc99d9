import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { getRequestListener } from "@hono/node-server";
import type { Pictor } from "../app.ts";
import { cachedFirst } from "./cached-first.ts";
import { behindProxy } from "./proxy.ts";

export interface PictorServerOptions {
  /** TRUST_PROXY: URLs as X-Forwarded-Proto and X-Forwarded-Host give them. */
  trustProxy: boolean;
  /** The host name a request without a Host header is taken to be for. */
  hostname?: string;
  tls?: { cert: Buffer; key: Buffer };
}

/**
 * The node server for a web process (`pictor serve`, and tests that need a
 * real address): cached public documents and pages answered before Hono
 * (src/http/cached-first.ts), everything else by the Hono app. Not listening yet.
 */
export function createPictorServer(pictor: Pick<Pictor, "http" | "apCache" | "pageCache">, options: PictorServerOptions): Server & { cachedHits(): number } {
  const fetch = options.trustProxy ? behindProxy(pictor.http.fetch) : pictor.http.fetch;
  const listener = cachedFirst(getRequestListener(fetch, { hostname: options.hostname }), {
    caches: [pictor.apCache, pictor.pageCache],
    trustProxy: options.trustProxy,
  });
  const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createHttpServer(listener);
  return Object.assign(server, { cachedHits: () => listener.hits() });
}
