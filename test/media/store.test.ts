import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalDiskMediaStore } from "../../src/media/local-store.ts";
import { isSafeKey, MediaKeyError } from "../../src/media/store.ts";

const SHA = "ab".repeat(32);

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

describe("local disk media store", () => {
  let root: string;
  let store: LocalDiskMediaStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "pictor-media-"));
    store = new LocalDiskMediaStore({ root, baseUrl: new URL("https://pictor.example/media/") });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("puts, stats, gets, reads ranges and deletes", async () => {
    const bytes = Buffer.from("0123456789abcdef");
    const key = `${SHA}.webp`;
    const put = await store.put(key, bytes, "image/webp");
    expect(put).toMatchObject({ key, size: 16, contentType: "image/webp", etag: `"${key}"` });

    expect(await store.stat(key)).toMatchObject({ size: 16, contentType: "image/webp" });
    const got = await store.get(key);
    expect(got && Buffer.from(got.bytes).toString()).toBe("0123456789abcdef");

    const whole = await store.open(key);
    expect(whole && (await readAll(whole.body)).toString()).toBe("0123456789abcdef");
    const part = await store.open(key, { start: 4, end: 7 });
    expect(part && (await readAll(part.body)).toString()).toBe("4567");

    await store.delete(key);
    expect(await store.stat(key)).toBeNull();
    expect(await store.get(key)).toBeNull();
    expect(await store.open(key)).toBeNull();
    await store.delete(key); // deleting twice is fine
  });

  it("is idempotent and replaces files atomically, leaving no temporary files", async () => {
    const key = `${SHA}.jpg`;
    await store.put(key, Buffer.from("same"), "image/jpeg");
    await store.put(key, Buffer.from("same"), "image/jpeg");
    expect(await listFiles(root)).toEqual([key]);

    // Readers racing a writer see one whole version or the other, never a mix or a partial file.
    const a = Buffer.alloc(2 * 1024 * 1024, 0x61);
    const b = Buffer.alloc(3 * 1024 * 1024, 0x62);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 10; i++) await store.put(key, i % 2 ? a : b, "image/jpeg");
      writing = false;
    })();
    while (writing) {
      const got = await store.get(key);
      expect(got).not.toBeNull();
      const buf = Buffer.from(got!.bytes);
      const ok = buf.equals(a) || buf.equals(b) || buf.toString() === "same";
      expect(ok).toBe(true);
    }
    await writer;
    expect(await listFiles(root)).toEqual([key]);
  });

  it("removes its temporary file when a write fails", async () => {
    const key = `${SHA}.png`;
    // A directory where the file should go makes the final rename fail.
    await mkdir(join(root, "ab", key), { recursive: true });
    await expect(store.put(key, Buffer.from("x"), "image/png")).rejects.toThrow();
    expect(await listFiles(root)).toEqual([]);
    expect(await store.stat(key)).toBeNull();
  });

  it("refuses unsafe keys and content types that do not match the key", async () => {
    for (const key of ["../etc/passwd.png", "a/b.png", ".hidden.png", "a\\b.png", "x..png", "", "noext", "file.html", "a\0.png"]) {
      expect(isSafeKey(key)).toBe(false);
      await expect(store.put(key, Buffer.from("x"), "image/png")).rejects.toBeInstanceOf(MediaKeyError);
      await expect(store.stat(key)).rejects.toBeInstanceOf(MediaKeyError);
    }
    await expect(store.put(`${SHA}.png`, Buffer.from("x"), "text/html")).rejects.toBeInstanceOf(MediaKeyError);
    expect(await listFiles(root)).toEqual([]);
  });

  it("builds public URLs", () => {
    expect(store.url(`${SHA}.thumb.webp`).href).toBe(`https://pictor.example/media/${SHA}.thumb.webp`);
    const noSlash = new LocalDiskMediaStore({ root, baseUrl: new URL("https://pictor.example/files") });
    expect(noSlash.url("a.png").href).toBe("https://pictor.example/files/a.png");
    expect(() => store.url("../x.png")).toThrow(MediaKeyError);
  });
});
