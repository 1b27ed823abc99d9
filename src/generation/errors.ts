/** Why a generation failed, in terms a caller can branch on. */
export type GenerationErrorCode =
  | "content_policy"
  | "rate_limited"
  | "quota_exhausted"
  | "bad_api_key"
  | "timeout"
  | "unavailable"
  | "bad_request"
  | "invalid_image";

export const GENERATION_ERROR_CODES: readonly GenerationErrorCode[] = [
  "content_policy",
  "rate_limited",
  "quota_exhausted",
  "bad_api_key",
  "timeout",
  "unavailable",
  "bad_request",
  "invalid_image",
];

const RETRYABLE_BY_DEFAULT: ReadonlySet<GenerationErrorCode> = new Set(["rate_limited", "timeout", "unavailable"]);

const HTTP_STATUS: Record<GenerationErrorCode, 422 | 429 | 502 | 503 | 504> = {
  content_policy: 422,
  rate_limited: 429,
  quota_exhausted: 503,
  bad_api_key: 503,
  timeout: 504,
  unavailable: 503,
  bad_request: 422,
  invalid_image: 502,
};

export interface GenerationErrorOptions {
  /** Whether trying the same request again later may succeed; defaults by code. */
  retryable?: boolean;
  /** The provider's HTTP status, when there was one. */
  status?: number;
  /** How long the provider asked us to wait (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  /** The provider's request id, for support requests. */
  requestId?: string;
  cause?: unknown;
}

/**
 * A failed generation. The message is written for the person who asked for
 * the image (or, for key and quota problems, for the instance administrator)
 * and says what to do next; it never contains the API key.
 */
export class GenerationError extends Error {
  override name = "GenerationError";
  readonly retryable: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly requestId?: string;

  constructor(
    readonly code: GenerationErrorCode,
    message: string,
    options: GenerationErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.requestId = options.requestId;
  }

  /** The HTTP status a web handler should answer with. */
  get httpStatus(): 422 | 429 | 502 | 503 | 504 {
    return HTTP_STATUS[this.code];
  }
}

export const badRequest = (message: string) => new GenerationError("bad_request", message);

export function isGenerationError(e: unknown): e is GenerationError {
  return e instanceof GenerationError;
}
