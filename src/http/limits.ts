import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

/** Deeper than any real activity (a Create of a Note with tags, attachments and a proof is about 8). */
export const MAX_JSON_DEPTH = 64;

/** Whether JSON text nests arrays and objects deeper than `max` (strings are skipped; the text need not be valid). */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) return true;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return false;
}

/**
 * Inbox bodies: refused above `maxBytes` (413) before anything reads them
 * whole, and refused when nested deeper than MAX_JSON_DEPTH (400), which
 * would otherwise overflow the JSON-LD processor's stack.
 */
export function inboxGuard(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({ maxSize: maxBytes, onError: (c) => c.json({ error: `Request body exceeds ${maxBytes} bytes` }, 413) });
  return (c, next) =>
    limit(c, async () => {
      if (c.req.raw.body && jsonTooDeep(await c.req.raw.clone().text())) {
        c.res = c.json({ error: `JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted` }, 400);
        return;
      }
      await next();
    });
}

const INBOX_PATH = /^\/(?:inbox|users\/[^/]+\/inbox)\/?$/;

/**
 * Every other request with a body (web forms): refused above `maxBytes` with
 * 413 before the CSRF check or a handler parses it. No web form uploads
 * files, so one small cap fits them all.
 */
export function formLimit(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => c.text(`The request is too large: forms may send at most ${Math.floor(maxBytes / 1024)} KiB.`, 413),
  });
  return (c, next) => (c.req.method === "GET" || c.req.method === "HEAD" || INBOX_PATH.test(c.req.path) ? next() : limit(c, next));
}
