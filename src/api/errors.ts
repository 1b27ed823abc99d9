import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * An error the API answers as Mastodon does: `{"error": "…"}` with its status.
 * Domain errors (src/domain/errors.ts) are mapped to this shape in one place, `apiRoutes`' onError.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

export const unauthorized = (message = "The access token is invalid") => new ApiError(401, message);
export const forbidden = (message = "This action is outside the authorized scopes") => new ApiError(403, message);
export const apiNotFound = (message = "Record not found") => new ApiError(404, message);
export const unprocessable = (message: string) => new ApiError(422, `Validation failed: ${message}`);

export { HTTPException };
