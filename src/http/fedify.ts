import type { Federation } from "@fedify/fedify";
import type { MiddlewareHandler } from "hono";

/**
 * Hands requests to Fedify first. Fedify answers ActivityPub requests
 * (JSON, WebFinger, NodeInfo, inboxes); anything it does not serve, or a
 * browser asking for HTML, falls through to the Hono routes. 406 only when
 * nothing else served the path either.
 */
export function fedifyMiddleware(federation: Federation<void>): MiddlewareHandler {
  return async (c, next) => {
    return federation.fetch(c.req.raw, {
      contextData: undefined,
      onNotFound: async () => {
        await next();
        return c.res;
      },
      onNotAcceptable: async () => {
        await next();
        if (c.res.status !== 404) return c.res;
        return new Response("Not acceptable", {
          status: 406,
          headers: { "Content-Type": "text/plain; charset=utf-8", Vary: "Accept" },
        });
      },
    });
  };
}
