import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../storage/db.ts";
import type { OAuthAppRow, OAuthTokenRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import type { LocalAccount } from "./accounts.ts";
import { coveredBy, parseScopes, unknownScopes } from "./scopes.ts";

/** The out-of-band redirect: the code is shown on the page instead of sent anywhere. */
export const OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob";
/** Authorization codes live this long and work once. */
export const CODE_TTL_MS = 10 * 60 * 1000;
/** A token's last use is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 5 * 60 * 1000;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const secret = () => randomBytes(32).toString("base64url");

/** The error responses RFC 6749 names (section 5.2 and 4.1.2.1), with the HTTP status to answer. */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "access_denied"
  | "unsupported_response_type";

export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status: 400 | 401 | 403 = code === "invalid_client" ? 401 : 400,
  ) {
    super(description);
  }
}

/** What a valid access token stands for. */
export interface TokenInfo {
  token: OAuthTokenRow;
  app: OAuthAppRow;
  scopes: string[];
  /** The signed-in account; null for an app's own token (client_credentials). */
  account: LocalAccount | null;
}

export interface AuthorizedApp {
  app: OAuthAppRow;
  scopes: string[];
  authorizedAt: string;
  lastUsedAt: string | null;
}

/** Checks a redirect URI an app registers: absolute, no fragment (or the out-of-band one). */
function checkRedirectUri(uri: string): string {
  if (uri === OOB_REDIRECT) return uri;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new OAuthError("invalid_request", `redirect_uris: "${uri.slice(0, 100)}" is not an absolute URI`);
  }
  if (url.hash) throw new OAuthError("invalid_request", "redirect_uris must not carry a fragment");
  if (/^(javascript|data|vbscript|file):$/i.test(url.protocol)) throw new OAuthError("invalid_request", `redirect_uris: the ${url.protocol} scheme is not allowed`);
  return uri;
}

/** An S256 (or plain) PKCE check: does the verifier match the challenge? */
export function pkceMatches(verifier: string, challenge: string, method: string | null): boolean {
  const computed = method === "plain" ? verifier : createHash("sha256").update(verifier).digest("base64url");
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * OAuth 2.0 for the client API: apps, single-use authorization codes, access
 * tokens. Client secrets, codes and tokens are random and stored only as
 * SHA-256 hashes.
 */
export class OAuthService {
  constructor(private readonly db: Db) {}

  /** Registers an app (POST /api/v1/apps); the client secret is returned once, here. */
  async registerApp(input: { name: string; redirectUris: string[]; scopes: string[]; website?: string | null }): Promise<{ app: OAuthAppRow; clientSecret: string }> {
    const name = input.name.trim();
    if (!name) throw new OAuthError("invalid_request", "client_name is required");
    if (name.length > 200) throw new OAuthError("invalid_request", "client_name must be at most 200 characters");
    if (input.redirectUris.length === 0) throw new OAuthError("invalid_request", "redirect_uris is required");
    if (input.redirectUris.length > 10) throw new OAuthError("invalid_request", "at most 10 redirect_uris");
    const uris = input.redirectUris.map((u) => checkRedirectUri(u.trim()));
    const unknown = unknownScopes(input.scopes);
    if (unknown.length) throw new OAuthError("invalid_scope", `Unknown scope: ${unknown.join(" ")}`);
    const website = input.website?.trim() || null;
    if (website && (website.length > 2000 || !/^https?:\/\//i.test(website))) throw new OAuthError("invalid_request", "website must be an http(s) URL");
    const clientSecret = secret();
    const app: OAuthAppRow = {
      id: newId(),
      client_id: secret(),
      client_secret_hash: sha256(clientSecret),
      name,
      website,
      redirect_uris: uris.join("\n"),
      scopes: input.scopes.join(" "),
      created_at: nowIso(),
    };
    await this.db.kysely.insertInto("oauth_apps").values(app).execute();
    return { app, clientSecret };
  }

  async appByClientId(clientId: string | null | undefined): Promise<OAuthAppRow | undefined> {
    if (!clientId || clientId.length > 200) return undefined;
    return this.db.kysely.selectFrom("oauth_apps").selectAll().where("client_id", "=", clientId).executeTakeFirst();
  }

  /** The app whose id and secret these are, or an `invalid_client` error. */
  async authenticateClient(clientId: string | null | undefined, clientSecret: string | null | undefined): Promise<OAuthAppRow> {
    const app = await this.appByClientId(clientId);
    const given = Buffer.from(sha256(clientSecret ?? ""));
    const stored = Buffer.from(app?.client_secret_hash ?? sha256(secret()));
    if (!app || !clientSecret || !timingSafeEqual(given, stored)) throw new OAuthError("invalid_client", "Client authentication failed");
    return app;
  }

  /** The redirect URI to use for an authorization request: one the app registered (the only one when not given). */
  redirectUriFor(app: OAuthAppRow, requested: string | null | undefined): string {
    const registered = app.redirect_uris.split("\n");
    if (!requested) {
      if (registered.length === 1) return registered[0];
      throw new OAuthError("invalid_request", "redirect_uri is required when the app registered several");
    }
    if (!registered.includes(requested)) throw new OAuthError("invalid_request", "redirect_uri was not registered by this app");
    return requested;
  }

  /** The scopes an authorization or client-credentials request may have: known, and within what the app registered. */
  scopesFor(app: OAuthAppRow, requested: string | null | undefined): string[] {
    const scopes = parseScopes(requested, app.scopes.split(" ").includes("read") || !app.scopes ? "read" : app.scopes);
    const unknown = unknownScopes(scopes);
    if (unknown.length) throw new OAuthError("invalid_scope", `Unknown scope: ${unknown.join(" ")}`);
    if (!coveredBy(scopes, app.scopes.split(" ").filter(Boolean))) throw new OAuthError("invalid_scope", "The requested scope is more than the app registered");
    return scopes;
  }

  /** A code for an approved authorization request; single-use, short-lived. */
  async createCode(input: {
    app: OAuthAppRow;
    account: { id: string };
    scopes: string[];
    redirectUri: string;
    codeChallenge?: string | null;
    codeChallengeMethod?: string | null;
  }): Promise<string> {
    const method = input.codeChallenge ? (input.codeChallengeMethod ?? "plain") : null;
    if (method && method !== "S256" && method !== "plain") throw new OAuthError("invalid_request", "code_challenge_method must be S256");
    if (input.codeChallenge && !/^[A-Za-z0-9._~-]{43,128}$/.test(input.codeChallenge)) throw new OAuthError("invalid_request", "code_challenge is malformed");
    const code = secret();
    const now = Date.now();
    await this.db.kysely
      .insertInto("oauth_codes")
      .values({
        code_hash: sha256(code),
        app_id: input.app.id,
        account_id: input.account.id,
        scopes: input.scopes.join(" "),
        redirect_uri: input.redirectUri,
        code_challenge: input.codeChallenge ?? null,
        code_challenge_method: method,
        created_at: nowIso(new Date(now)),
        expires_at: nowIso(new Date(now + CODE_TTL_MS)),
        used_at: null,
      })
      .execute();
    return code;
  }

  /** Trades a code for a token (grant_type=authorization_code). The code is used up even when the exchange fails later. */
  async exchangeCode(input: { app: OAuthAppRow; code: string; redirectUri: string | null | undefined; codeVerifier?: string | null }): Promise<{ token: string; row: OAuthTokenRow }> {
    const k = this.db.kysely;
    const hash = sha256(input.code);
    const row = await k.selectFrom("oauth_codes").selectAll().where("code_hash", "=", hash).executeTakeFirst();
    if (!row || row.app_id !== input.app.id) throw new OAuthError("invalid_grant", "The authorization code is invalid");
    // Used up atomically: of two concurrent exchanges, one wins.
    const used = await k.updateTable("oauth_codes").set({ used_at: nowIso() }).where("code_hash", "=", hash).where("used_at", "is", null).executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) {
      // A code presented twice may have leaked: the tokens it gave are revoked too (RFC 6749, 4.1.2).
      await k
        .updateTable("oauth_tokens")
        .set({ revoked_at: nowIso() })
        .where("app_id", "=", row.app_id)
        .where("account_id", "=", row.account_id)
        .where("created_at", ">=", row.created_at)
        .where("revoked_at", "is", null)
        .execute();
      throw new OAuthError("invalid_grant", "The authorization code was already used");
    }
    if (row.expires_at <= nowIso()) throw new OAuthError("invalid_grant", "The authorization code has expired");
    if ((input.redirectUri ?? row.redirect_uri) !== row.redirect_uri) throw new OAuthError("invalid_grant", "redirect_uri does not match the authorization request");
    if (row.code_challenge) {
      if (!input.codeVerifier) throw new OAuthError("invalid_grant", "code_verifier is required");
      if (!pkceMatches(input.codeVerifier, row.code_challenge, row.code_challenge_method)) throw new OAuthError("invalid_grant", "code_verifier does not match the code challenge");
    }
    return this.issueToken(input.app, row.account_id, row.scopes.split(" "));
  }

  /** A new access token for an account (or for the app itself when `accountId` is null). */
  async issueToken(app: Pick<OAuthAppRow, "id">, accountId: string | null, scopes: string[]): Promise<{ token: string; row: OAuthTokenRow }> {
    const token = secret();
    const row: OAuthTokenRow = {
      id: newId(),
      token_hash: sha256(token),
      app_id: app.id,
      account_id: accountId,
      scopes: scopes.join(" "),
      created_at: nowIso(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.kysely.insertInto("oauth_tokens").values(row).execute();
    return { token, row };
  }

  /** What a bearer token stands for, when it is valid (not revoked; its account alive). */
  async verify(token: string | null | undefined): Promise<TokenInfo | undefined> {
    if (!token || token.length > 200) return undefined;
    const k = this.db.kysely;
    const row = await k
      .selectFrom("oauth_tokens as t")
      .innerJoin("oauth_apps as a", "a.id", "t.app_id")
      .selectAll("t")
      .select(["a.client_id", "a.client_secret_hash", "a.name", "a.website", "a.redirect_uris", "a.scopes as app_scopes", "a.created_at as app_created_at"])
      .where("t.token_hash", "=", sha256(token))
      .where("t.revoked_at", "is", null)
      .executeTakeFirst();
    if (!row) return undefined;
    let account: LocalAccount | null = null;
    if (row.account_id) {
      account =
        (await k
          .selectFrom("accounts")
          .innerJoin("local_users", "local_users.account_id", "accounts.id")
          .selectAll("accounts")
          .select("local_users.is_admin")
          .where("accounts.id", "=", row.account_id)
          .where("accounts.deleted_at", "is", null)
          .where("accounts.suspended_at", "is", null)
          .executeTakeFirst()) ?? null;
      if (!account) return undefined;
    }
    const { client_id, client_secret_hash, name, website, redirect_uris, app_scopes, app_created_at, ...t } = row;
    if (!t.last_used_at || Date.parse(t.last_used_at) < Date.now() - TOUCH_EVERY_MS) {
      await k.updateTable("oauth_tokens").set({ last_used_at: nowIso() }).where("id", "=", t.id).execute();
    }
    return {
      token: t,
      app: { id: t.app_id, client_id, client_secret_hash, name, website, redirect_uris, scopes: app_scopes, created_at: app_created_at },
      scopes: t.scopes.split(" ").filter(Boolean),
      account,
    };
  }

  /** Revokes a token the app holds (POST /oauth/revoke); unknown tokens are not an error (RFC 7009). */
  async revoke(app: OAuthAppRow, token: string): Promise<void> {
    await this.db.kysely
      .updateTable("oauth_tokens")
      .set({ revoked_at: nowIso() })
      .where("token_hash", "=", sha256(token))
      .where("app_id", "=", app.id)
      .where("revoked_at", "is", null)
      .execute();
  }

  /** The apps an account has authorized (with a live token), newest first. */
  async authorizedApps(accountId: string): Promise<AuthorizedApp[]> {
    const rows = await this.db.kysely
      .selectFrom("oauth_tokens as t")
      .innerJoin("oauth_apps as a", "a.id", "t.app_id")
      .selectAll("a")
      .select(["t.scopes as token_scopes", "t.created_at as token_created_at", "t.last_used_at"])
      .where("t.account_id", "=", accountId)
      .where("t.revoked_at", "is", null)
      .orderBy("t.created_at", "desc")
      .execute();
    const byApp = new Map<string, AuthorizedApp>();
    for (const r of rows) {
      const { token_scopes, token_created_at, last_used_at, ...app } = r;
      const seen = byApp.get(app.id);
      if (!seen) byApp.set(app.id, { app, scopes: token_scopes.split(" "), authorizedAt: token_created_at, lastUsedAt: last_used_at });
      else {
        seen.scopes = [...new Set([...seen.scopes, ...token_scopes.split(" ")])];
        if (last_used_at && (!seen.lastUsedAt || last_used_at > seen.lastUsedAt)) seen.lastUsedAt = last_used_at;
      }
    }
    return [...byApp.values()];
  }

  /** Revokes every token an account gave an app (the settings page's "Revoke"). */
  async revokeApp(accountId: string, appId: string): Promise<number> {
    const r = await this.db.kysely
      .updateTable("oauth_tokens")
      .set({ revoked_at: nowIso() })
      .where("account_id", "=", accountId)
      .where("app_id", "=", appId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
