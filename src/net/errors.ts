/** A connection was refused because the host is, or resolves to, a non-global address. */
export class PrivateAddressError extends Error {
  override name = "PrivateAddressError";
  readonly code = "ERR_PRIVATE_ADDRESS";
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(
      hostname === address
        ? `Refused to connect to ${address}: not a public address (ALLOW_PRIVATE_ADDRESS is off)`
        : `Refused to connect to ${hostname}: it resolves to ${address}, not a public address (ALLOW_PRIVATE_ADDRESS is off)`,
    );
  }
}

/** A response body was larger than the limit for what was being read. */
export class ResponseTooLargeError extends Error {
  override name = "ResponseTooLargeError";
  readonly code = "ERR_RESPONSE_TOO_LARGE";
  constructor(
    readonly limit: number,
    /** The Content-Length the server declared, when it was refused on that. */
    readonly declared?: number,
    what = "The response",
  ) {
    super(`${what} is larger than the ${formatBytes(limit)} limit${declared !== undefined ? ` (it declared ${formatBytes(declared)})` : ""}`);
  }
}

/** A whole request (connect, headers and body) took longer than allowed. */
export class RequestTimeoutError extends Error {
  override name = "RequestTimeoutError";
  readonly code = "ERR_REQUEST_TIMEOUT";
  constructor(readonly timeoutMs: number) {
    super(`The request took longer than ${timeoutMs} ms in all`);
  }
}

/** 1.5 MB, 300 KB, 12 bytes. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/**
 * The first error of a class in an error's cause chain (fetch wraps
 * connection errors as `TypeError("fetch failed", { cause })`, clients wrap
 * them again; happy-eyeballs failures are AggregateErrors).
 */
export function findCause<T extends Error>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length) {
    const e = queue.shift();
    if (e == null || seen.has(e)) continue;
    seen.add(e);
    if (e instanceof type) return e;
    if (e instanceof AggregateError) queue.push(...e.errors);
    if (typeof e === "object" && "cause" in e) queue.push((e as { cause?: unknown }).cause);
  }
  return undefined;
}

/**
 * An error's message with the reason underneath it, for logs: fetch and
 * Fedify report transport failures as "fetch failed", the guard's refusal
 * or the timeout being a cause or two further down.
 */
export function explain(error: unknown): string {
  const top = error instanceof Error ? error.message : String(error);
  const ours = findCause(error, PrivateAddressError) ?? findCause(error, ResponseTooLargeError) ?? findCause(error, RequestTimeoutError);
  let root: unknown = ours ?? error;
  if (!ours) {
    for (let i = 0; i < 5 && root instanceof Error && root.cause instanceof Error; i++) root = root.cause;
  }
  const reason = root instanceof Error ? root.message : "";
  return reason && reason !== top && !top.includes(reason) ? `${top} (${reason})` : top;
}
