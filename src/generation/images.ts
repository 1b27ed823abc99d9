import { type InputLimits, inspectImage, MediaError } from "../media/inspect.ts";
import { readBodyCapped } from "../net/body.ts";
import { findCause, PrivateAddressError, ResponseTooLargeError } from "../net/errors.ts";
import { GenerationError } from "./errors.ts";
import type { ImageMediaType } from "./types.ts";

export interface DownloadOptions {
  /** Bodies larger than this are refused (checked on Content-Length and while reading). */
  maxBytes: number;
  /** For the whole download, headers and body. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** The guarded client's fetch (src/net), which refuses private addresses on every hop; the global fetch by default. */
  fetch?: typeof fetch;
  /** Names the image in messages ("The generated image", "The image to remix"). */
  what?: string;
}

const kb = (n: number) => `${Math.round(n / 1024)} KB`;

/**
 * Downloads an image (a provider's answer given as a URL, or a remote post's
 * image to remix): http and https only, within a byte cap enforced while
 * streaming and a timeout. Failures are GenerationErrors: a slow or
 * unreachable host is retryable; a refused, oversized or private-address
 * answer is not.
 */
export async function downloadImage(url: string, options: DownloadOptions): Promise<Uint8Array> {
  const what = options.what ?? "The generated image";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GenerationError("invalid_image", `${what} has a link that is not a valid URL.`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new GenerationError(
      "invalid_image",
      `${what} has a ${parsed.protocol.replace(/:$/, "")}: link; only http and https links are downloaded.`,
    );
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const failed = (e: unknown): GenerationError => {
    if (e instanceof GenerationError) return e;
    const tooLarge = findCause(e, ResponseTooLargeError);
    if (tooLarge) {
      return new GenerationError("invalid_image", `${what} is larger than the ${kb(options.maxBytes)} limit.`, { retryable: false, cause: e });
    }
    const refused = findCause(e, PrivateAddressError);
    if (refused) {
      const where = refused.hostname === refused.address ? refused.address : `${refused.hostname}, which resolves to ${refused.address}`;
      return new GenerationError("invalid_image", `${what} is not at a public address (${where}), so it was not downloaded.`, { retryable: false, cause: e });
    }
    if (options.signal?.aborted) return new GenerationError("timeout", "The generation was cancelled.", { retryable: false, cause: e });
    if (timeout.aborted) {
      return new GenerationError("timeout", `Downloading ${what.replace(/^The /, "the ")} took longer than ${Math.round(options.timeoutMs / 100) / 10} seconds. Try again.`, { cause: e });
    }
    return new GenerationError("unavailable", `${what} could not be downloaded from ${parsed.host}. Try again.`, { cause: e });
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
      `Downloading ${what.replace(/^The /, "the ")} failed with HTTP ${res.status}${retryable ? "; try again" : ""}.`,
      { status: res.status },
    );
  }
  try {
    return await readBodyCapped(res, options.maxBytes, { what });
  } catch (e) {
    throw failed(e);
  }
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
