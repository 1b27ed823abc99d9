/**
 * An error whose message is safe to show to the person who caused it, with
 * the HTTP status it maps to. Everything else is an internal error.
 */
export class DomainError extends Error {
  override name = "DomainError";
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429 | 502 | 503,
    message: string,
    readonly code: string = "invalid",
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new DomainError(404, `${what} not found`, "not_found");
export const invalid = (message: string) => new DomainError(422, message, "invalid");
export const conflict = (message: string) => new DomainError(409, message, "conflict");
