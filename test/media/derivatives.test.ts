import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mediaColumns, storeDerivatives } from "../../src/media/derivatives.ts";
import { LocalDiskMediaStore } from "../../src/media/local-store.ts";
import { processImage } from "../../src/media/pipeline.ts";
import { mediaRoutes } from "../../src/media/routes.ts";
import type { MediaStore } from "../../src/media/store.ts";
import { parseProvenanceXmp, TRAINED_ALGORITHMIC_MEDIA } from "../../src/media/xmp.ts";
import { photoLikePng } from "./fixtures.ts";

const opts = { limits: { maxBytes: 20e6, maxPixels: 50e6 }, provenance: { provider: "builtin", model: "builtin-v1" } };

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name).sort();
}

/** A store whose puts fail for keys matching `failOn`. */
function failing(inner: MediaStore, failOn: RegExp): MediaStore {
  return {
    put: (key, bytes, type) => (failOn.test(key) ? Promise.reject(new Error("disk full")) : inner.put(key, bytes, type)),
    get: (key) => inner.get(key),
    stat: (key) => inner.stat(key),
    open: (key, range) => inner.open(key, range),
    delete: (key) => inner.delete(key),
    url: (key) => inner.url(key),
  };
}

describe("storeDerivatives", () => {
  let root: string;
  let store: LocalDiskMediaStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "pictor-deriv-"));
    store = new LocalDiskMediaStore({ root, baseUrl: new URL("https://pictor.example/media/") });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("writes all four files and returns their keys, URLs and sizes; they serve with provenance intact", async () => {
    const result = await processImage(await photoLikePng(640, 480), opts);
    const stored = await storeDerivatives(store, result);
    const sha = result.sha256;
    expect(stored.files.original).toMatchObject({ key: `${sha}.orig.png`, contentType: "image/png", size: result.original.bytes.length });
    expect(stored.files.full).toMatchObject({ key: `${sha}.jpg`, url: `https://pictor.example/media/${sha}.jpg`, width: 640, height: 480 });
    expect(stored.files.webp.size).toBe(result.webp.bytes.length);
    expect(stored.files.thumb).toMatchObject({ key: `${sha}.thumb.webp`, width: 400, height: 300 });
    expect(await files(root)).toEqual([`${sha}.jpg`, `${sha}.orig.png`, `${sha}.thumb.webp`, `${sha}.webp`]);
    expect(mediaColumns(stored)).toMatchObject({
      sha256: sha,
      file_key: `${sha}.jpg`,
      original_key: `${sha}.orig.png`,
      webp_key: `${sha}.webp`,
      thumb_key: `${sha}.thumb.webp`,
      media_type: "image/jpeg",
      width: 640,
      height: 480,
      blurhash: result.blurhash,
    });

    const res = await mediaRoutes(store).request(`/media/${sha}.jpg`);
    expect(res.status).toBe(200);
    const served = Buffer.from(await res.arrayBuffer());
    expect(served.equals(result.full.bytes)).toBe(true);
    expect(parseProvenanceXmp((await sharp(served).metadata()).xmp).digitalSourceType).toBe(TRAINED_ALGORITHMIC_MEDIA);

    // Storing the same image again is harmless.
    await storeDerivatives(store, result);
    expect((await files(root)).length).toBe(4);
  });

  it("leaves nothing behind when one write fails", async () => {
    const result = await processImage(await photoLikePng(300, 300, 3), opts);
    await expect(storeDerivatives(failing(store, /\.thumb\.webp$/), result)).rejects.toThrow("disk full");
    expect(await files(root)).toEqual([]);
  });

  it("does not delete files that were already stored for the same image when a later write fails", async () => {
    const result = await processImage(await photoLikePng(300, 300, 4), opts);
    await store.put(result.original.key, result.original.bytes, result.original.contentType);
    await expect(storeDerivatives(failing(store, /\.webp$/), result)).rejects.toThrow("disk full");
    expect(await files(root)).toEqual([result.original.key]);
  });
});
