import type { MiddlewareHandler } from "hono";
import type { LocalAccount } from "../domain/accounts.ts";
import type { OAuthService } from "../domain/oauth.ts";
import { grants } from "../domain/scopes.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError, forbidden, unauthorized } from "./errors.ts";

/** The bearer token of a request: the Authorization header, or `access_token` (streaming, as Mastodon allows). */
export function bearerToken(req: { header(name: string): string | undefined; query(name: string): string | undefined }): string | undefined {
  const header = req.header("Authorization");
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1];
  }
  return req.query("access_token") || undefined;
}

/**
 * Reads the bearer token, when one is sent: an unknown or revoked token is a
 * 401 at once (as Mastodon answers), even on endpoints that anonymous
 * requests may use.
 */
export function authenticate(oauth: OAuthService): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req);
    const hasAuthorization = c.req.header("Authorization") !== undefined;
    if (!token) {
      if (hasAuthorization) throw unauthorized();
      c.set("auth", null);
      c.set("account", null);
      return next();
    }
    const info = await oauth.verify(token);
    if (!info) throw unauthorized();
    c.set("auth", info);
    c.set("account", info.account);
    await next();
  };
}

/**
 * Requires a token with one of the scopes (any one suffices; e.g. `read:statuses` or `profile`).
 * No token: 401. A token without the scope: 403.
 */
export function scope(...anyOf: string[]): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const auth = c.get("auth");
    if (!auth) throw unauthorized("This method requires an authenticated user");
    if (!anyOf.some((s) => grants(auth.scopes, s))) throw forbidden();
    await next();
  };
}

/** Requires a token with one of the scopes and a signed-in user behind it (not an app-only token). */
export function user(...anyOf: string[]): MiddlewareHandler<ApiEnv> {
  const check = scope(...anyOf);
  return async (c, next) =>
    check(c, async () => {
      if (!c.get("account")) throw new ApiError(422, "This method requires an authenticated user");
      await next();
    });
}

/** When a token is sent, it must carry one of the scopes (public reads work without a token). */
export function optionalScope(...anyOf: string[]): MiddlewareHandler<ApiEnv> {
  const check = scope(...anyOf);
  return async (c, next) => (c.get("auth") ? check(c, next) : next());
}

/** The signed-in account (after `user(...)`). */
export function me(c: { get(key: "account"): LocalAccount | null }): LocalAccount {
  const account = c.get("account");
  if (!account) throw unauthorized("This method requires an authenticated user");
  return account;
}
