import { createHash } from "node:crypto";
import { decode, isBlurhashValid } from "blurhash";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { MediaError } from "../../src/media/inspect.ts";
import { blurhashComponents, processImage } from "../../src/media/pipeline.ts";
import { parseProvenanceXmp, TRAINED_ALGORITHMIC_MEDIA } from "../../src/media/xmp.ts";
import { headerOnlyBombPng, photoLikePng, photoLikeRaw, realBombPng } from "./fixtures.ts";

const limits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 };
const provenance = { provider: "openai", model: "gpt-image-1" };
const opts = { limits, provenance };

/** Decodes the blurhash's component counts from its first character. */
function blurhashSize(hash: string): { x: number; y: number } {
  const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
  const v = chars.indexOf(hash[0]);
  return { x: (v % 9) + 1, y: Math.floor(v / 9) + 1 };
}

describe("media pipeline", () => {
  it("keeps the original, makes JPEG, WebP and thumbnail with provenance, and names them by content hash", async () => {
    const png = await photoLikePng(1024, 768);
    const r = await processImage(png, opts);
    const sha = createHash("sha256").update(png).digest("hex");

    expect(r.sha256).toBe(sha);
    expect(r.width).toBe(1024);
    expect(r.height).toBe(768);
    expect(r.hasAlpha).toBe(false);
    expect(Buffer.compare(r.original.bytes, png)).toBe(0);
    expect(r.original).toMatchObject({ key: `${sha}.orig.png`, contentType: "image/png" });
    expect(r.full).toMatchObject({ key: `${sha}.jpg`, contentType: "image/jpeg", width: 1024, height: 768 });
    expect(r.webp).toMatchObject({ key: `${sha}.webp`, contentType: "image/webp", width: 1024, height: 768 });
    expect(r.thumb).toMatchObject({ key: `${sha}.thumb.webp`, contentType: "image/webp", width: 400, height: 300 });

    for (const [variant, format] of [
      [r.full, "jpeg"],
      [r.webp, "webp"],
      [r.thumb, "webp"],
    ] as const) {
      const meta = await sharp(variant.bytes).metadata();
      expect(meta.format).toBe(format);
      expect([meta.width, meta.height]).toEqual([variant.width, variant.height]);
      expect(meta.exif).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      const p = parseProvenanceXmp(meta.xmp);
      expect(p.digitalSourceType).toBe(TRAINED_ALGORITHMIC_MEDIA);
      expect(p.aiSystemUsed).toBe("gpt-image-1");
      expect(p.creatorTool).toContain("openai");
    }
  });

  it("computes a valid blurhash of at most 5×5 components that looks like the image", async () => {
    for (const [w, h] of [
      [1024, 1024],
      [1536, 640],
      [300, 1200],
    ]) {
      const r = await processImage(await photoLikePng(w, h), opts);
      expect(isBlurhashValid(r.blurhash).result).toBe(true);
      const size = blurhashSize(r.blurhash);
      expect(size).toEqual(blurhashComponents(w, h));
      expect(size.x).toBeLessThanOrEqual(5);
      expect(size.y).toBeLessThanOrEqual(5);
    }
    // A solid red image gives a red blurhash.
    const red = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#d01010" } }).png().toBuffer();
    const { blurhash } = await processImage(red, opts);
    const px = decode(blurhash, 4, 4);
    expect(px[0]).toBeGreaterThan(180);
    expect(px[1]).toBeLessThan(60);
  });

  it("caps the federated JPEG at 4096 px and the WebP at 2048 px on the longest side", async () => {
    // A large but cheap image: a flat colour encodes to a small PNG.
    const big = await sharp({ create: { width: 6000, height: 3000, channels: 3, background: "#336699" } }).png().toBuffer();
    const r = await processImage(big, opts);
    expect([r.width, r.height]).toEqual([6000, 3000]);
    expect([r.full.width, r.full.height]).toEqual([4096, 2048]);
    expect([r.webp.width, r.webp.height]).toEqual([2048, 1024]);
    expect([r.thumb.width, r.thumb.height]).toEqual([400, 200]);
    // Over 4096² the pixels are not held in memory; the outputs are the same kind.
    const meta = await sharp(r.full.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 4096, 2048]);
    expect(parseProvenanceXmp(meta.xmp).digitalSourceType).toBe(TRAINED_ALGORITHMIC_MEDIA);
    expect(isBlurhashValid(r.blurhash).result).toBe(true);
  });

  it("makes a PNG, not a JPEG, when the image is transparent, and a JPEG when its alpha is all opaque", async () => {
    const raw = photoLikeRaw(256, 256);
    const translucent = await sharp(raw, { raw: { width: 256, height: 256, channels: 3 } }).ensureAlpha(0.5).png().toBuffer();
    const r = await processImage(translucent, opts);
    expect(r.hasAlpha).toBe(true);
    expect(r.full.contentType).toBe("image/png");
    expect(r.full.key.endsWith(".png")).toBe(true);
    expect((await sharp(r.full.bytes).metadata()).hasAlpha).toBe(true);
    expect((await sharp(r.webp.bytes).metadata()).hasAlpha).toBe(true);
    expect(parseProvenanceXmp((await sharp(r.full.bytes).metadata()).xmp).digitalSourceType).toBe(TRAINED_ALGORITHMIC_MEDIA);

    const opaque = await sharp(raw, { raw: { width: 256, height: 256, channels: 3 } }).ensureAlpha(1).png().toBuffer();
    const o = await processImage(opaque, opts);
    expect(o.hasAlpha).toBe(false);
    expect(o.full.contentType).toBe("image/jpeg");
    expect((await sharp(o.webp.bytes).metadata()).hasAlpha).toBe(false);
  });

  it("strips EXIF and other metadata but keeps the colour profile", async () => {
    const raw = photoLikeRaw(320, 240);
    const jpeg = await sharp(raw, { raw: { width: 320, height: 240, channels: 3 } })
      .withIccProfile("p3")
      .withExif({ IFD0: { Artist: "Someone", Copyright: "Someone else" } })
      .jpeg()
      .toBuffer();
    const inMeta = await sharp(jpeg).metadata();
    expect(inMeta.exif).toBeDefined();
    expect(inMeta.icc).toBeDefined();

    const r = await processImage(jpeg, opts);
    expect(r.original.key.endsWith(".orig.jpg")).toBe(true);
    for (const v of [r.full, r.webp, r.thumb]) {
      const meta = await sharp(v.bytes).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.icc?.equals(inMeta.icc as Buffer)).toBe(true);
      expect(parseProvenanceXmp(meta.xmp).digitalSourceType).toBe(TRAINED_ALGORITHMIC_MEDIA);
    }
  });

  it("handles 16-bit and greyscale images", async () => {
    const grey = await sharp(photoLikeRaw(200, 100), { raw: { width: 200, height: 100, channels: 3 } }).greyscale().png().toBuffer();
    const g = await processImage(grey, opts);
    expect(g.full.contentType).toBe("image/jpeg");
    expect((await sharp(g.full.bytes).metadata()).width).toBe(200);

    const sixteen = await sharp(photoLikeRaw(200, 100), { raw: { width: 200, height: 100, channels: 3 } })
      .toColourspace("rgb16")
      .png()
      .toBuffer();
    expect((await sharp(sixteen).metadata()).depth).toBe("ushort");
    const s = await processImage(sixteen, opts);
    const stats = await sharp(s.full.bytes).stats();
    // Not black: the 16-bit samples were scaled to 8 bits, not truncated.
    expect(stats.channels[0].mean).toBeGreaterThan(50);
  });

  it("produces the same files for the same image", async () => {
    const png = await photoLikePng(300, 200, 7);
    const a = await processImage(png, opts);
    const b = await processImage(png, opts);
    expect(a.full.key).toBe(b.full.key);
    expect(Buffer.compare(a.full.bytes, b.full.bytes)).toBe(0);
    expect(Buffer.compare(a.thumb.bytes, b.thumb.bytes)).toBe(0);
    expect(a.blurhash).toBe(b.blurhash);
  });

  it("refuses a tiny PNG declaring huge dimensions before decoding it", async () => {
    const bomb = headerOnlyBombPng(100_000, 100_000);
    expect(bomb.length).toBeLessThan(1000);
    const err = await processImage(bomb, opts).catch((e) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect(err.code).toBe("too_many_pixels");
    expect(err.message).toMatch(/100000×100000/);
  });

  it("refuses a valid, highly compressed PNG over the pixel limit", async () => {
    const bomb = realBombPng(8000, 8000); // 64 megapixels in well under a megabyte
    expect(bomb.length).toBeLessThan(200_000);
    const err = await processImage(bomb, opts).catch((e) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect(err.code).toBe("too_many_pixels");
    // …while a lower limit applies just the same to ordinary images.
    const small = await photoLikePng(200, 200);
    await expect(processImage(small, { ...opts, limits: { ...limits, maxPixels: 30_000 } })).rejects.toMatchObject({
      code: "too_many_pixels",
    });
  });

  it("refuses input over the byte limit", async () => {
    const png = await photoLikePng(300, 300);
    const err = await processImage(png, { ...opts, limits: { ...limits, maxBytes: 1000 } }).catch((e) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect(err.code).toBe("too_large");
  });

  it("refuses bytes that are not an image, and image formats it does not accept", async () => {
    const text = Buffer.from("<html><body>Sorry, something went wrong</body></html>");
    await expect(processImage(text, opts)).rejects.toMatchObject({ name: "MediaError", code: "not_an_image" });
    await expect(processImage(new Uint8Array(0), opts)).rejects.toMatchObject({ code: "not_an_image" });

    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    await expect(processImage(svg, opts)).rejects.toMatchObject({ code: "unsupported_format" });
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#fff" } }).gif().toBuffer();
    await expect(processImage(gif, opts)).rejects.toMatchObject({ code: "unsupported_format" });

    const png = await photoLikePng(128, 128);
    const truncated = png.subarray(0, Math.floor(png.length / 2));
    await expect(processImage(truncated, opts)).rejects.toMatchObject({ name: "MediaError", code: "not_an_image" });
  });
});
