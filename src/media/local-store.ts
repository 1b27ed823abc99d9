import { randomUUID } from "node:crypto";
import { type FileHandle, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  assertContentType,
  assertSafeKey,
  type ByteRange,
  contentTypeForKey,
  etagFor,
  type MediaStat,
  type MediaStore,
} from "./store.ts";

export interface LocalDiskMediaStoreOptions {
  /** The directory files live in, e.g. `<DATA_DIR>/media`; created when needed. */
  root: string;
  /** The URL keys are resolved against, ending in a slash: e.g. `https://pictor.example/media/`. */
  baseUrl: URL;
  /** Flush each file to disk before it becomes visible (default true). */
  fsync?: boolean;
}

/**
 * Media files on the local disk, under `root/<first two characters of the
 * key>/<key>`. Every write goes to a hidden temporary file in the same
 * directory and is renamed into place, so a reader sees the old file, the new
 * file, or none — never a partial one. Temporary names start with a dot and
 * can never be asked for, because keys cannot start with one.
 */
export class LocalDiskMediaStore implements MediaStore {
  readonly root: string;
  readonly #baseUrl: URL;
  readonly #fsync: boolean;

  constructor(options: LocalDiskMediaStoreOptions) {
    this.root = options.root;
    this.#baseUrl = options.baseUrl.href.endsWith("/") ? options.baseUrl : new URL(`${options.baseUrl.href}/`);
    this.#fsync = options.fsync ?? true;
  }

  #dir(key: string): string {
    return join(this.root, key.slice(0, 2).toLowerCase());
  }

  #path(key: string): string {
    assertSafeKey(key);
    return join(this.#dir(key), key);
  }

  #stat(key: string, size: number, mtime: Date): MediaStat {
    return {
      key,
      size,
      contentType: contentTypeForKey(key) as string,
      etag: etagFor(key, size, mtime),
      lastModified: mtime,
    };
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<MediaStat> {
    assertContentType(key, contentType);
    const dir = this.#dir(key);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${key}.${randomUUID()}.tmp`);
    const fh = await open(tmp, "wx", 0o644);
    try {
      try {
        await fh.writeFile(bytes);
        if (this.#fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.#path(key));
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    const s = await stat(this.#path(key));
    return this.#stat(key, s.size, s.mtime);
  }

  async stat(key: string): Promise<MediaStat | null> {
    try {
      const s = await stat(this.#path(key));
      return s.isFile() ? this.#stat(key, s.size, s.mtime) : null;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async get(key: string): Promise<{ bytes: Uint8Array; stat: MediaStat } | null> {
    let fh: FileHandle;
    try {
      fh = await open(this.#path(key), "r");
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
    try {
      const s = await fh.stat();
      const bytes = await fh.readFile();
      return { bytes, stat: this.#stat(key, bytes.byteLength, s.mtime) };
    } finally {
      await fh.close();
    }
  }

  async open(key: string, range?: ByteRange): Promise<{ body: ReadableStream<Uint8Array>; stat: MediaStat } | null> {
    let fh: FileHandle;
    try {
      fh = await open(this.#path(key), "r");
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
    try {
      const s = await fh.stat();
      if (!s.isFile()) {
        await fh.close();
        return null;
      }
      // The open handle keeps this version of the file readable even if it is replaced or deleted meanwhile.
      const stream = fh.createReadStream(range ? { start: range.start, end: range.end } : {});
      return { body: Readable.toWeb(stream) as ReadableStream<Uint8Array>, stat: this.#stat(key, s.size, s.mtime) };
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  url(key: string): URL {
    assertSafeKey(key);
    return new URL(encodeURIComponent(key), this.#baseUrl);
  }
}

function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
