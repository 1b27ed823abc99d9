import type { Metadata } from "sharp";
import { sharp } from "./sharp.ts";

export type MediaErrorCode = "too_large" | "too_many_pixels" | "not_an_image" | "unsupported_format";

/** An image the pipeline refuses; the message can be shown to whoever supplied it. */
export class MediaError extends Error {
  override name = "MediaError";
  constructor(
    readonly code: MediaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface InputLimits {
  /** Larger inputs are refused before they are parsed. */
  maxBytes: number;
  /** Images declaring more pixels (width × height) are refused before they are decoded. */
  maxPixels: number;
}

export type InputFormat = "png" | "jpeg" | "webp" | "avif";

export interface ImageInfo {
  format: InputFormat;
  mediaType: "image/png" | "image/jpeg" | "image/webp" | "image/avif";
  /** The file extension for this format, without the dot. */
  ext: "png" | "jpg" | "webp" | "avif";
  /** Upright dimensions (EXIF orientation applied). */
  width: number;
  height: number;
  /** Whether the image has an alpha channel (it may still be fully opaque). */
  hasAlpha: boolean;
  /** Whether an ICC colour profile is embedded. */
  hasProfile: boolean;
  /** libvips' name for the colour space, e.g. "srgb", "b-w", "cmyk", "rgb16". */
  space: string;
}

const FORMATS = {
  png: { mediaType: "image/png", ext: "png" },
  jpeg: { mediaType: "image/jpeg", ext: "jpg" },
  webp: { mediaType: "image/webp", ext: "webp" },
  avif: { mediaType: "image/avif", ext: "avif" },
} as const;

const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
const mp = (n: number) => `${Math.round(n / 1e5) / 10} megapixels`;

/**
 * Reads an image's header (without decoding its pixels) and checks it against
 * the limits: size in bytes, declared pixel count, and format (PNG, JPEG, WebP
 * or AVIF only — never SVG, PDF, TIFF or anything else libvips could parse).
 * Throws a MediaError for anything it refuses.
 */
export async function inspectImage(bytes: Uint8Array, limits: InputLimits): Promise<ImageInfo> {
  if (bytes.byteLength === 0) throw new MediaError("not_an_image", "The file is empty.");
  if (bytes.byteLength > limits.maxBytes) {
    throw new MediaError("too_large", `The image is ${mb(bytes.byteLength)}; the limit is ${mb(limits.maxBytes)}.`);
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new MediaError("not_an_image", "The file is not an image (or it is damaged).", { cause: e });
  }
  let format: InputFormat | undefined;
  if (meta.format === "heif") format = meta.compression === "av1" ? "avif" : undefined;
  else if (meta.format === "png" || meta.format === "jpeg" || meta.format === "webp") format = meta.format;
  if (!format) {
    throw new MediaError("unsupported_format", `${String(meta.format).toUpperCase()} images are not accepted; use PNG, JPEG, WebP or AVIF.`);
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new MediaError("not_an_image", "The image has no dimensions.");
  if (width * height > limits.maxPixels) {
    throw new MediaError(
      "too_many_pixels",
      `The image declares ${width}×${height} pixels (${mp(width * height)}); the limit is ${mp(limits.maxPixels)}.`,
    );
  }
  return {
    format,
    ...FORMATS[format],
    width,
    height,
    hasAlpha: meta.hasAlpha,
    hasProfile: meta.hasProfile,
    space: meta.space,
  };
}
