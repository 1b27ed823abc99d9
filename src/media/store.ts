/**
 * Where media files live. Keys are flat names such as
 * `<sha256>.webp` (no slashes); a store may shard them however it likes.
 * The local-disk store implements this; an S3-compatible one can too
 * (put → PutObject, open with a range → GetObject with Range, stat →
 * HeadObject, url → the bucket's public or CDN URL), and callers only ever
 * see this interface.
 */
export interface MediaStore {
  /**
   * Stores the bytes under `key`, replacing what was there. Idempotent:
   * putting the same bytes twice leaves one file. Readers never see a
   * partly written file. The content type must match the key's extension.
   */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<MediaStat>;
  /** The whole file, or null when there is none. */
  get(key: string): Promise<{ bytes: Uint8Array; stat: MediaStat } | null>;
  stat(key: string): Promise<MediaStat | null>;
  /**
   * A stream of the file, or of the inclusive byte range [start, end] of it
   * (the caller has checked the range against stat().size). Null when absent.
   */
  open(key: string, range?: ByteRange): Promise<{ body: ReadableStream<Uint8Array>; stat: MediaStat } | null>;
  /** Removes the file; removing an absent file is not an error. */
  delete(key: string): Promise<void>;
  /** Where browsers and other servers fetch the file. */
  url(key: string): URL;
}

export interface MediaStat {
  key: string;
  size: number;
  contentType: string;
  /** A strong entity tag, quoted as in the ETag header. */
  etag: string;
  lastModified: Date;
}

/** Inclusive byte positions, as in HTTP Content-Range. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Thrown for a key that is not a safe flat name, or a type that does not match it. */
export class MediaKeyError extends Error {
  override name = "MediaKeyError";
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  avif: "image/avif",
};

/**
 * Safe keys: 1 to 200 of [A-Za-z0-9._-], starting with a letter or digit,
 * without "..", ending in a known image extension. No slash, backslash or
 * NUL can appear, so a key can never step outside the store.
 */
const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function isSafeKey(key: string): boolean {
  return KEY.test(key) && !key.includes("..") && contentTypeForKey(key) !== undefined;
}

export function assertSafeKey(key: string): void {
  if (!isSafeKey(key)) throw new MediaKeyError(`Not a valid media key: ${JSON.stringify(key).slice(0, 80)}`);
}

/** The content type a key's extension implies, or undefined for unknown extensions. */
export function contentTypeForKey(key: string): string | undefined {
  const dot = key.lastIndexOf(".");
  if (dot < 0) return undefined;
  const ext = key.slice(dot + 1).toLowerCase();
  return Object.hasOwn(CONTENT_TYPES, ext) ? CONTENT_TYPES[ext] : undefined;
}

/** Checks that `contentType` is what the key's extension implies. */
export function assertContentType(key: string, contentType: string): void {
  assertSafeKey(key);
  const expected = contentTypeForKey(key);
  if (contentType.split(";")[0].trim().toLowerCase() !== expected) {
    throw new MediaKeyError(`The key ${key} implies ${expected}, not ${contentType}`);
  }
}

/**
 * The ETag of a stored file. Keys written by the pipeline are content
 * addressed (`<sha256 of the original>.<variant>`), so the key itself is the
 * content hash; other keys fall back to size and modification time.
 */
export function etagFor(key: string, size: number, lastModified: Date): string {
  if (/^[0-9a-f]{64}\./.test(key)) return `"${key}"`;
  return `"${size.toString(16)}-${Math.floor(lastModified.getTime()).toString(16)}"`;
}
