import type { Context } from "hono";
import { unprocessable } from "./errors.ts";

/**
 * A request's parameters as Mastodon reads them: the query string, then the
 * body (JSON, urlencoded form or multipart), later ones winning. Array
 * parameters may come as `name[]` (forms, queries) or as JSON arrays; both
 * are read as `name`. Files (multipart) are kept as `File`s.
 */
export type Params = Record<string, unknown>;

const cache = new WeakMap<Request, Promise<Params>>();

export function params(c: Context): Promise<Params> {
  let p = cache.get(c.req.raw);
  if (!p) {
    p = readParams(c);
    cache.set(c.req.raw, p);
  }
  return p;
}

async function readParams(c: Context): Promise<Params> {
  const out: Params = {};
  const add = (key: string, value: unknown) => {
    const array = key.endsWith("[]");
    const name = array ? key.slice(0, -2) : key;
    if (array) out[name] = [...(Array.isArray(out[name]) ? (out[name] as unknown[]) : []), value];
    else out[name] = value;
  };
  const url = new URL(c.req.url);
  for (const [k, v] of url.searchParams) add(k, v);
  if (c.req.method === "GET" || c.req.method === "HEAD") return out;
  const type = (c.req.header("Content-Type") ?? "").toLowerCase();
  if (type.includes("application/json")) {
    const text = await c.req.text();
    if (text.trim() === "") return out;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw unprocessable("the body is not valid JSON");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw unprocessable("the JSON body must be an object");
    for (const [k, v] of Object.entries(body)) add(k, v);
  } else if (type.includes("multipart/form-data") || type.includes("application/x-www-form-urlencoded")) {
    const form = await c.req.formData().catch(() => {
      throw unprocessable("the form body could not be read");
    });
    for (const [k, v] of form.entries()) add(k, v);
  }
  return out;
}

/** Mastodon's boolean parsing: true, 1, on, yes (any case) are true; false, 0, off, no, "" are false. */
export function bool(value: unknown, fallback = false): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") {
    const v = value.trim().toLowerCase();
    if (["true", "1", "on", "yes", "t"].includes(v)) return true;
    if (["false", "0", "off", "no", "f", ""].includes(v)) return false;
  }
  throw unprocessable(`"${String(value).slice(0, 40)}" is not a boolean`);
}

/** A string parameter (numbers accepted as their text); undefined when absent. */
export function str(value: unknown, name: string, max = 100_000): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") throw unprocessable(`${name} must be a string`);
  if (value.length > max) throw unprocessable(`${name} must be at most ${max} characters`);
  return value;
}

/** An integer parameter within bounds; undefined when absent or empty. */
export function int(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw unprocessable(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** A list of strings (`name[]=a&name[]=b`, a JSON array, or a single value). */
export function list(value: unknown, name: string, maxItems = 100): string[] {
  if (value === undefined || value === null || value === "") return [];
  const items = Array.isArray(value) ? value : [value];
  if (items.length > maxItems) throw unprocessable(`${name} may have at most ${maxItems} items`);
  return items.map((v) => {
    const s = str(v, name, 1000);
    if (s === undefined) throw unprocessable(`${name} must be a list of strings`);
    return s;
  });
}

/** One of the given values, or undefined when absent. */
export function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T | undefined {
  const s = str(value, name, 100);
  if (s === undefined || s === "") return undefined;
  if (!allowed.includes(s as T)) throw unprocessable(`${name} must be one of ${allowed.join(", ")}`);
  return s as T;
}
