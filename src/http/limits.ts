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

/** More items than any real activity carries in one list (Mastodon sends at most 4 attachments, Misskey 16). */
export const MAX_ATTACHMENTS = 64;
export const MAX_ARRAY_ITEMS = 1000;

/** What is wrong with an inbox body's shape, checked on plain JSON (cheap) before any JSON-LD work; null when nothing. */
export function inboxShapeProblem(body: unknown): string | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "An activity must be a JSON object";
  const stack: unknown[] = [body];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      if (node.length > MAX_ARRAY_ITEMS) return `Lists longer than ${MAX_ARRAY_ITEMS} items are not accepted`;
      stack.push(...node);
    } else if (typeof node === "object" && node !== null) {
      const attachment = (node as Record<string, unknown>).attachment;
      if (Array.isArray(attachment) && attachment.length > MAX_ATTACHMENTS) return `More than ${MAX_ATTACHMENTS} attachments are not accepted`;
      stack.push(...Object.values(node));
    }
  }
  return null;
}

/** Whether a request carries an HTTP signature (draft-cavage `Signature`, or RFC 9421 `Signature-Input`). */
function hasHttpSignature(headers: Headers): boolean {
  return headers.has("signature") || headers.has("signature-input");
}

/**
 * Inbox bodies, cheapest refusals first, before Fedify expands any JSON-LD:
 * above `maxBytes` (413) before anything reads them whole; nested deeper than
 * MAX_JSON_DEPTH (400), which would overflow the JSON-LD processor's stack;
 * not JSON, or with absurdly long lists or too many attachments (400); and
 * with no HTTP signature and no Object Integrity Proof (401) — Fedify would
 * refuse those too, but only after expanding them.
 */
export function inboxGuard(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({ maxSize: maxBytes, onError: (c) => c.json({ error: `Request body exceeds ${maxBytes} bytes` }, 413) });
  return (c, next) =>
    limit(c, async () => {
      if (!c.req.raw.body) return next();
      const text = await c.req.raw.clone().text();
      if (jsonTooDeep(text)) {
        c.res = c.json({ error: `JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted` }, 400);
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        c.res = c.json({ error: "The body is not JSON" }, 400);
        return;
      }
      const problem = inboxShapeProblem(body);
      if (problem) {
        c.res = c.json({ error: problem }, 400);
        return;
      }
      if (!hasHttpSignature(c.req.raw.headers) && !(body as Record<string, unknown>).proof) {
        c.res = c.json({ error: "Activities must be signed (HTTP Signatures or an Object Integrity Proof)" }, 401);
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
