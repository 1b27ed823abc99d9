import type { LocalAccount } from "../domain/accounts.ts";
import type { TokenInfo } from "../domain/oauth.ts";

/** What the API's auth middleware leaves on the context. */
export type ApiEnv = {
  Variables: {
    /** The bearer token's details, when one was sent and is valid. */
    auth: TokenInfo | null;
    /** The signed-in account behind the token (null for anonymous requests and app-only tokens). */
    account: LocalAccount | null;
  };
};
