import { ResponseTooLargeError } from "./errors.ts";

export interface CapOptions {
  /** Names what is being read in the error ("The image", "The image service's answer"). */
  what?: string;
}

function declaredLength(res: Response): number | undefined {
  const raw = res.headers.get("content-length");
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw);
}

/**
 * Reads a response body, refusing it before reading when its Content-Length
 * is over `maxBytes` and aborting the download as soon as more than
 * `maxBytes` have arrived, so no more than the cap is ever held.
 */
export async function readBodyCapped(res: Response, maxBytes: number, options: CapOptions = {}): Promise<Uint8Array> {
  const declared = declaredLength(res);
  if (declared !== undefined && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new ResponseTooLargeError(maxBytes, declared, options.what);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new ResponseTooLargeError(maxBytes, undefined, options.what);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
  return Buffer.concat(chunks, total);
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * The same response with a body that errors (and stops the download) past
 * `maxBytes`, for code that reads the body itself, like an API client
 * parsing JSON. Refused at once when the Content-Length is over the cap.
 */
export async function capResponse(res: Response, maxBytes: number, options: CapOptions = {}): Promise<Response> {
  const declared = declaredLength(res);
  if (declared !== undefined && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new ResponseTooLargeError(maxBytes, declared, options.what);
  }
  if (!res.body || NULL_BODY_STATUS.has(res.status)) return res;
  let total = 0;
  const capped = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength;
        if (total > maxBytes) controller.error(new ResponseTooLargeError(maxBytes, undefined, options.what));
        else controller.enqueue(chunk);
      },
    }),
  );
  const out = new Response(capped, { status: res.status, statusText: res.statusText, headers: res.headers });
  // Keep what callers look at besides the body.
  Object.defineProperty(out, "url", { value: res.url });
  Object.defineProperty(out, "redirected", { value: res.redirected });
  return out;
}

/** A fetch whose responses are capped with capResponse. */
export function cappedFetch(base: typeof fetch, maxBytes: number, options: CapOptions = {}): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => capResponse(await base(input, init), maxBytes, options)) as typeof fetch;
}
