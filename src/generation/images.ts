import { type InputLimits, inspectImage, MediaError } from "../media/inspect.ts";
import { GenerationError } from "./errors.ts";
import type { ImageMediaType } from "./types.ts";

export interface DownloadOptions {
  /** Bodies larger than this are refused (checked on Content-Length and while reading). */
  maxBytes: number;
  /** For the whole download, headers and body. */
  timeoutMs: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

const kb = (n: number) => `${Math.round(n / 1024)} KB`;

/**
 * Downloads an image a provider answered with as a URL: http and https only,
 * within a byte cap and a timeout. Failures are GenerationErrors: a slow or
 * unreachable host is retryable, a refused or oversized answer is not.
 */
export async function downloadImage(url: string, options: DownloadOptions): Promise<Uint8Array> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GenerationError("invalid_image", "The image service answered with a link that is not a valid URL.");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new GenerationError(
      "invalid_image",
      `The image service answered with a ${parsed.protocol.replace(/:$/, "")}: link; only http and https links are downloaded.`,
    );
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const failed = (e: unknown): GenerationError => {
    if (e instanceof GenerationError) return e;
    if (options.signal?.aborted) return new GenerationError("timeout", "The generation was cancelled.", { retryable: false, cause: e });
    if (timeout.aborted) {
      return new GenerationError("timeout", `Downloading the generated image took longer than ${Math.round(options.timeoutMs / 100) / 10} seconds. Try again.`, { cause: e });
    }
    return new GenerationError("unavailable", `The generated image could not be downloaded from ${parsed.host}. Try again.`, { cause: e });
  };

  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(parsed, { signal, redirect: "follow", headers: { accept: "image/*" } });
  } catch (e) {
    throw failed(e);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    throw new GenerationError(
      retryable ? "unavailable" : "invalid_image",
      `Downloading the generated image failed with HTTP ${res.status}${retryable ? "; try again" : ""}.`,
      { status: res.status },
    );
  }
  const declared = Number(res.headers.get("content-length") ?? NaN);
  const tooLarge = () =>
    new GenerationError("invalid_image", `The generated image is larger than the ${kb(options.maxBytes)} limit.`, { retryable: false });
  if (declared > options.maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }

  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    if (res.body) {
      for await (const chunk of res.body) {
        total += chunk.byteLength;
        if (total > options.maxBytes) throw tooLarge();
        chunks.push(chunk);
      }
    }
  } catch (e) {
    await res.body?.cancel().catch(() => {});
    throw failed(e);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Checks that a provider's answer is really a PNG, JPEG or WebP image within
 * the limits (reading its header with sharp), and reports what it is.
 */
export async function verifyImage(
  bytes: Uint8Array,
  limits: InputLimits,
): Promise<{ mediaType: ImageMediaType; width: number; height: number }> {
  try {
    const info = await inspectImage(bytes, limits);
    if (info.format === "avif") throw new MediaError("unsupported_format", "AVIF is not accepted from providers.");
    return { mediaType: info.mediaType as ImageMediaType, width: info.width, height: info.height };
  } catch (e) {
    if (!(e instanceof MediaError)) throw e;
    throw new GenerationError("invalid_image", `The image service answered with something that is not a usable image: ${e.message}`, {
      cause: e,
    });
  }
}

/** A source image for an edit must be a PNG, JPEG or WebP within the limits. */
export async function checkSource(bytes: Uint8Array, limits: InputLimits): Promise<{ mediaType: string; ext: string }> {
  try {
    const info = await inspectImage(bytes, limits);
    if (info.format === "avif") throw new MediaError("unsupported_format", "AVIF images cannot be edited; use PNG, JPEG or WebP.");
    return { mediaType: info.mediaType, ext: info.ext };
  } catch (e) {
    if (e instanceof MediaError) throw new GenerationError("bad_request", `The image to edit was refused: ${e.message}`, { cause: e });
    throw e;
  }
}
