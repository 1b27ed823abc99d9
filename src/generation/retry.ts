import { GenerationError } from "./errors.ts";

export interface RetryOptions {
  /** Attempts in all, the first included (1 means no retry). */
  maxAttempts: number;
  /** The wait before the first retry; it doubles for each further one. */
  baseDelayMs: number;
  /** No wait is longer than this, Retry-After included. */
  maxDelayMs: number;
  /** Waits; injectable so tests need not. Must reject when the signal aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** 0 ≤ x < 1, for jitter; Math.random by default. */
  random?: () => number;
  /** Told before each wait. */
  onRetry?: (info: { attempt: number; delayMs: number; error: GenerationError }) => void;
  signal?: AbortSignal;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The wait before retry number `retry` (1-based): exponential with "equal
 * jitter" (half fixed, half random), never shorter than the provider's
 * Retry-After, never longer than maxDelayMs.
 */
export function backoffDelay(retry: number, error: GenerationError, opts: RetryOptions): number {
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (retry - 1));
  const random = opts.random ?? Math.random;
  const jittered = exp / 2 + (exp / 2) * random();
  return Math.round(Math.min(opts.maxDelayMs, Math.max(jittered, error.retryAfterMs ?? 0)));
}

/**
 * Runs `fn`, turning whatever it throws into a GenerationError with
 * `classify`, and tries again only when that error is retryable and attempts
 * remain. The last error is thrown as is.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  classify: (error: unknown) => GenerationError,
  opts: RetryOptions,
): Promise<T> {
  const wait = opts.sleep ?? sleep;
  const attempts = Math.max(1, Math.floor(opts.maxAttempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const error = classify(e);
      if (!error.retryable || attempt >= attempts || opts.signal?.aborted) throw error;
      const delayMs = backoffDelay(attempt, error, opts);
      opts.onRetry?.({ attempt, delayMs, error });
      try {
        await wait(delayMs, opts.signal);
      } catch {
        throw error;
      }
    }
  }
}
