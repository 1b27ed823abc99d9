import { createHash } from "node:crypto";
import { encode as encodeBlurhash } from "blurhash";
import type { Sharp, SharpOptions } from "sharp";
import { sharp } from "./sharp.ts";
import { type ImageInfo, type InputLimits, inspectImage, MediaError } from "./inspect.ts";
import { buildProvenanceXmp, type Provenance } from "./xmp.ts";

/** Longest side of the JPEG/PNG other servers get (Mastodon and Pixelfed take 4096). */
export const FULL_MAX_SIDE = 4096;
/** Longest side of the WebP the web app shows. */
export const WEBP_MAX_SIDE = 2048;
/** Longest side of the thumbnail. */
export const THUMB_MAX_SIDE = 400;
/** Longest side of the downscale the blurhash is computed from. */
const BLURHASH_SAMPLE_SIDE = 32;

export interface PipelineOptions {
  limits: InputLimits;
  /** The AI label written into every output as XMP; null for images not made here (remote media), which get none. */
  provenance: Provenance | null;
}

export type VariantName = "original" | "full" | "webp" | "thumb";

export interface ImageVariant {
  /** Storage key, named by the original's content hash: `<sha256>.<suffix>`. */
  key: string;
  bytes: Buffer;
  contentType: string;
  width: number;
  height: number;
}

export interface PipelineResult {
  /** SHA-256 (hex) of the original bytes; every key starts with it. */
  sha256: string;
  /** Upright dimensions of the original. */
  width: number;
  height: number;
  /** Whether the image has any transparent pixel (then `full` is a PNG). */
  hasAlpha: boolean;
  /** At most 5×5 components, computed from a small downscale. */
  blurhash: string;
  /** The bytes exactly as received. */
  original: ImageVariant;
  /** JPEG (PNG when transparent), longest side ≤ 4096: what federation serves. */
  full: ImageVariant;
  /** WebP, longest side ≤ 2048, for the web app. */
  webp: ImageVariant;
  /** WebP, longest side ≤ 400. */
  thumb: ImageVariant;
}

/** Colour spaces whose embedded profile we keep as is (others are converted to sRGB). */
const KEEPABLE_SPACES = new Set(["srgb", "rgb", "rgb16"]);
/** Larger images are not held decoded in memory (4096² RGBA is 64 MB). */
const IN_MEMORY_MAX_PIXELS = 4096 * 4096;

/** Blurhash components for an aspect ratio: 4 along the longer side, at least 3 along the shorter. */
export function blurhashComponents(width: number, height: number): { x: number; y: number } {
  const clamp = (n: number) => Math.min(5, Math.max(3, Math.round(n)));
  return width >= height ? { x: 4, y: clamp((4 * height) / width) } : { x: clamp((4 * width) / height), y: 4 };
}

/**
 * Turns one generated image into everything Pictor stores and serves:
 * the original as received, a federation-friendly JPEG (or PNG with
 * transparency), a WebP, a thumbnail, dimensions, blurhash and content hash.
 *
 * All metadata is stripped except the ICC colour profile, and each output
 * carries XMP provenance (IPTC trainedAlgorithmicMedia, provider, model) unless
 * `provenance` is null (remote images, which Pictor did not make).
 * Input over the byte or pixel limit, and anything that is not a PNG, JPEG,
 * WebP or AVIF, is refused with a MediaError before any pixel is decoded.
 *
 * The pixels are decoded once into memory and each output is encoded from
 * them, unless the image carries its own RGB colour profile (then each output
 * is made from the file so libvips can carry the profile across) or is larger
 * than 4096×4096 (then decoding per output, streamed, keeps memory bounded).
 */
export async function processImage(input: Uint8Array, options: PipelineOptions): Promise<PipelineResult> {
  const info = await inspectImage(input, options.limits);
  const original = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const sha256 = createHash("sha256").update(original).digest("hex");
  const xmp = options.provenance ? buildProvenanceXmp(options.provenance) : null;
  const decodeOptions: SharpOptions = {
    limitInputPixels: options.limits.maxPixels,
    failOn: "error",
    autoOrient: true,
  };

  try {
    const keepProfile = info.hasProfile && KEEPABLE_SPACES.has(info.space);
    const source =
      keepProfile || info.width * info.height > IN_MEMORY_MAX_PIXELS
        ? await fromFile(original, decodeOptions, info, keepProfile)
        : await fromPixels(original, decodeOptions);

    const { transparent } = source;
    const resized = (max: number) => {
      let s = source.image();
      if (source.alphaChannel && !transparent) s = s.removeAlpha();
      if (info.width > max || info.height > max) s = s.resize(max, max, { fit: "inside", withoutEnlargement: true });
      const out = source.keepProfile ? s.keepIccProfile() : s;
      return xmp ? out.withXmp(xmp) : out;
    };
    const encode = async (s: Sharp) => {
      const { data, info: out } = await s.toBuffer({ resolveWithObject: true });
      return { bytes: data, width: out.width, height: out.height };
    };

    const [full, webp, thumb, blurhash] = await Promise.all([
      encode(
        transparent
          ? resized(FULL_MAX_SIDE).png({ compressionLevel: 6 })
          : resized(FULL_MAX_SIDE).jpeg({ quality: 85 }),
      ),
      encode(resized(WEBP_MAX_SIDE).webp({ quality: 75, effort: 0 })),
      encode(resized(THUMB_MAX_SIDE).webp({ quality: 75, effort: 2 })),
      computeBlurhash(source, info),
    ]);

    return {
      sha256,
      width: info.width,
      height: info.height,
      hasAlpha: transparent,
      blurhash,
      original: { key: `${sha256}.orig.${info.ext}`, bytes: original, contentType: info.mediaType, width: info.width, height: info.height },
      full: transparent
        ? { key: `${sha256}.png`, contentType: "image/png", ...full }
        : { key: `${sha256}.jpg`, contentType: "image/jpeg", ...full },
      webp: { key: `${sha256}.webp`, contentType: "image/webp", ...webp },
      thumb: { key: `${sha256}.thumb.webp`, contentType: "image/webp", ...thumb },
    };
  } catch (e) {
    if (e instanceof MediaError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    if (/pixel limit/i.test(message)) {
      throw new MediaError("too_many_pixels", `The image has more than ${options.limits.maxPixels} pixels.`, { cause: e });
    }
    throw new MediaError("not_an_image", "The image could not be decoded (it may be damaged or truncated).", { cause: e });
  }
}

interface Source {
  /** A fresh sharp pipeline over the source, ready for resizing and encoding. */
  image(): Sharp;
  /** Whether the pixels have an alpha channel. */
  alphaChannel: boolean;
  /** Whether any pixel is not fully opaque. */
  transparent: boolean;
  /** Whether outputs keep the input's ICC profile. */
  keepProfile: boolean;
  /** Whether the pixels are decoded sRGB in memory (rather than read from the file each time). */
  inMemory: boolean;
}

/** Decodes once to 8-bit sRGB(A) pixels; every output then starts from memory. */
async function fromPixels(bytes: Buffer, options: SharpOptions): Promise<Source> {
  const { data, info } = await sharp(bytes, options)
    .toColourspace("srgb")
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  let transparent = false;
  if (info.channels === 4) {
    for (let i = 3; i < data.length; i += 4) {
      if (data[i] !== 255) {
        transparent = true;
        break;
      }
    }
  }
  return { image: () => sharp(data, raw), alphaChannel: info.channels === 4, transparent, keepProfile: false, inMemory: true };
}

/** Each output decodes the file again (keeping its colour profile, if asked). */
async function fromFile(bytes: Buffer, options: SharpOptions, info: ImageInfo, keepProfile: boolean): Promise<Source> {
  const transparent = info.hasAlpha ? !(await sharp(bytes, options).stats()).isOpaque : false;
  return { image: () => sharp(bytes, options), alphaChannel: info.hasAlpha, transparent, keepProfile, inMemory: false };
}

async function computeBlurhash(source: Source, info: ImageInfo): Promise<string> {
  let small = source.image().resize(BLURHASH_SAMPLE_SIDE, BLURHASH_SAMPLE_SIDE, { fit: "inside", kernel: "linear" });
  if (source.transparent) small = small.flatten({ background: "#ffffff" });
  // Pixels decoded in memory are sRGB already; pixels from the file are converted here.
  if (!source.inMemory) small = small.toColourspace("srgb");
  const { data, info: out } = await small.ensureAlpha().raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  const c = blurhashComponents(info.width, info.height);
  return encodeBlurhash(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), out.width, out.height, c.x, c.y);
}
