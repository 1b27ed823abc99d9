import { readBodyCapped } from "../net/body.ts";
import { findCause, formatBytes, PrivateAddressError, RequestTimeoutError, ResponseTooLargeError } from "../net/errors.ts";

/** Why a remote image was not fetched. Only `unreachable`, `timeout` and a 5xx/429 `http_error` are worth another try. */
export type RemoteImageFailure = "bad_url" | "private_address" | "too_large" | "not_an_image" | "http_error" | "unreachable" | "timeout";

export class RemoteImageError extends Error {
  override name = "RemoteImageError";
  constructor(
    readonly code: RemoteImageFailure,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface RemoteFetchOptions {
  /** The guarded client's fetch (src/net): non-global addresses refused after DNS and on every redirect. */
  fetch: typeof fetch;
  /** Refused on Content-Length, and while streaming as soon as it is passed. */
  maxBytes: number;
  /** For the whole download, headers and body. */
  timeoutMs: number;
}

/**
 * Downloads a remote image (an attachment, avatar or header) through the
 * guarded client: http(s) only, an `image/*` answer only, within a byte cap
 * enforced while streaming and a timeout. Throws a RemoteImageError saying
 * why not; the caller decides about pixels and formats (the pipeline does).
 */
export async function fetchRemoteImage(url: string, options: RemoteFetchOptions): Promise<Uint8Array> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RemoteImageError("bad_url", "not a valid URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new RemoteImageError("bad_url", `a ${parsed.protocol} URL`);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const failed = (e: unknown): RemoteImageError => {
    if (e instanceof RemoteImageError) return e;
    const refused = findCause(e, PrivateAddressError);
    if (refused) return new RemoteImageError("private_address", `${refused.hostname} is not a public address`, false, { cause: e });
    const tooLarge = findCause(e, ResponseTooLargeError);
    if (tooLarge) return new RemoteImageError("too_large", `larger than ${formatBytes(options.maxBytes)}`, false, { cause: e });
    if (timeout.aborted || findCause(e, RequestTimeoutError)) return new RemoteImageError("timeout", `no answer within ${options.timeoutMs} ms`, true, { cause: e });
    return new RemoteImageError("unreachable", `${parsed.host} could not be reached`, true, { cause: e });
  };
  let res: Response;
  try {
    res = await options.fetch(parsed, { signal: timeout, redirect: "follow", headers: { accept: "image/*" } });
  } catch (e) {
    throw failed(e);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    throw new RemoteImageError("http_error", `HTTP ${res.status}`, retryable);
  }
  const type = res.headers.get("content-type")?.split(";")[0].trim().toLowerCase();
  if (type && !type.startsWith("image/") && type !== "application/octet-stream") {
    await res.body?.cancel().catch(() => {});
    throw new RemoteImageError("not_an_image", `answered with ${type}`);
  }
  try {
    return await readBodyCapped(res, options.maxBytes, { what: "The image" });
  } catch (e) {
    throw failed(e);
  }
}
