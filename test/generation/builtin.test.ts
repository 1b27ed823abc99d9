import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { composeSvg, promptWords } from "../../src/generation/builtin-art.ts";
import { BUILTIN_MODEL, createBuiltinProvider } from "../../src/generation/builtin.ts";
import { GenerationError } from "../../src/generation/errors.ts";
import { processImage } from "../../src/media/pipeline.ts";
import { parseProvenanceXmp, TRAINED_ALGORITHMIC_MEDIA } from "../../src/media/xmp.ts";

const limits = { maxBytes: 20 * 1024 * 1024, maxPixels: 50_000_000 };
const provider = createBuiltinProvider({ maxPromptLength: 4000, limits, random: () => 0.25 });

/** Distinct colours among a coarse sample of pixels. */
async function distinctColours(bytes: Uint8Array): Promise<number> {
  const { data } = await sharp(bytes).resize(64, 64, { fit: "fill", kernel: "nearest" }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const set = new Set<number>();
  for (let i = 0; i < data.length; i += 3) set.add((data[i] >> 3) * 1024 + (data[i + 1] >> 3) * 32 + (data[i + 2] >> 3));
  return set.size;
}

describe("builtin provider", () => {
  it("makes a PNG of the requested size, with the model, provider and seed", async () => {
    const [img] = await provider.generate({ prompt: "a mountain sunset", size: "1024x768", seed: 7 });
    expect(img).toMatchObject({ mediaType: "image/png", width: 1024, height: 768, model: BUILTIN_MODEL, provider: "builtin", seed: 7 });
    const meta = await sharp(img.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 1024, 768]);
  });

  it("is deterministic for prompt, seed and size, and varies with each", async () => {
    const gen = async (prompt: string, seed: number, size = "256x256") => Buffer.from((await provider.generate({ prompt, seed, size }))[0].bytes);
    const a = await gen("ocean waves at night", 1);
    expect(a.equals(await gen("ocean waves at night", 1))).toBe(true);
    expect(a.equals(await gen("ocean waves at night", 2))).toBe(false);
    expect(a.equals(await gen("a field of sunflowers", 1))).toBe(false);
    expect(a.equals(await gen("ocean waves at night", 1, "256x320"))).toBe(false);
    // Case and punctuation do not change the picture.
    expect(a.equals(await gen("Ocean waves, at NIGHT!", 1))).toBe(true);
  });

  it("draws pictures, not noise: a handful of colour areas that compress well", async () => {
    for (const prompt of ["mountain sunset", "night sea", "geometric city", "cosmic bubbles", "a cat in a hat"]) {
      const [img] = await provider.generate({ prompt, seed: 3, size: "512x512" });
      const colours = await distinctColours(img.bytes);
      expect(colours, prompt).toBeGreaterThan(3);
      expect(colours, prompt).toBeLessThan(1500);
      const stats = await sharp(img.bytes).stats();
      expect(stats.entropy, prompt).toBeLessThan(7.5);
    }
  });

  it("numbers seeds for several images and picks one when none is given", async () => {
    const images = await provider.generate({ prompt: "bubbles", n: 3, seed: 4294967295, size: "256x256" });
    expect(images.map((i) => i.seed)).toEqual([4294967295, 0, 1]);
    const [picked] = await provider.generate({ prompt: "bubbles", size: "256x256" });
    expect(picked.seed).toBe(0x40000000); // random() = 0.25
  });

  it("leaves the background transparent when asked", async () => {
    const [img] = await provider.generate({ prompt: "planets", background: "transparent", size: "256x256", seed: 1 });
    const stats = await sharp(img.bytes).stats();
    expect(stats.isOpaque).toBe(false);
    const [opaque] = await provider.generate({ prompt: "planets", size: "256x256", seed: 1 });
    expect((await sharp(opaque.bytes).stats()).isOpaque).toBe(true);
  });

  it("refuses sizes outside 256–2048, unknown models and bad seeds", async () => {
    for (const [req, msg] of [
      [{ prompt: "x", size: "255x512" }, /between 256 and 2048/],
      [{ prompt: "x", size: "2049x1024" }, /between 256 and 2048/],
      [{ prompt: "x", size: "1024" }, /WIDTHxHEIGHT/],
      [{ prompt: "x", model: "gpt-image-1" }, /Unknown model/],
      [{ prompt: "x", seed: -1 }, /seed/],
      [{ prompt: "x", n: 5 }, /1 to 4/],
      [{ prompt: "" }, /empty/],
    ] as const) {
      const e = await provider.generate(req).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(GenerationError);
      expect((e as GenerationError).code).toBe("bad_request");
      expect((e as GenerationError).message).toMatch(msg);
    }
  });

  it("edits an image by drawing over it", async () => {
    const source = await sharp({ create: { width: 300, height: 200, channels: 3, background: "#ff0000" } }).png().toBuffer();
    const [img] = await provider.edit!({ prompt: "blue bubbles", image: source, size: "256x256", seed: 2 });
    expect([img.width, img.height]).toEqual([256, 256]);
    const { channels } = await sharp(img.bytes).stats();
    expect(channels[0].mean).toBeGreaterThan(60); // the red source shows through
    const e = await provider.edit!({ prompt: "x", image: Buffer.from("nope") }).catch((err: unknown) => err);
    expect((e as GenerationError).code).toBe("bad_request");
  });

  it("feeds the media pipeline", async () => {
    const [img] = await provider.generate({ prompt: "a red fox in a forest", seed: 9 });
    const r = await processImage(img.bytes, { limits, provenance: { provider: img.provider, model: img.model } });
    expect(r.full.contentType).toBe("image/jpeg");
    const p = parseProvenanceXmp((await sharp(r.full.bytes).metadata()).xmp);
    expect(p).toMatchObject({ digitalSourceType: TRAINED_ALGORITHMIC_MEDIA, aiSystemUsed: BUILTIN_MODEL });
  });

  it("derives words from prompts and writes well-formed SVG", () => {
    expect(promptWords("A Cat, on the MAT — très chic!")).toEqual(["cat", "mat", "très", "chic"]);
    const svg = composeSvg({ prompt: "<script>alert(1)</script>", seed: 1, width: 300, height: 200 });
    expect(svg).not.toContain("<script");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"')).toBe(true);
  });
});
