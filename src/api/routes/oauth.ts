import { type Context, Hono } from "hono";
import { OAuthError } from "../../domain/oauth.ts";
import type { OAuthAppRow } from "../../storage/schema.ts";
import { KNOWN_SCOPES, parseScopes } from "../../domain/scopes.ts";
import type { ApiEnv } from "../env.ts";
import { ApiError, unauthorized, unprocessable } from "../errors.ts";
import type { ApiDeps } from "../index.ts";
import { list, type Params, params, str } from "../params.ts";

/** The Application entity (Mastodon 4.3) without its credentials: what verify_credentials shows. */
export function applicationEntity(app: OAuthAppRow) {
  const uris = app.redirect_uris.split("\n").filter(Boolean);
  return {
    id: app.id,
    name: app.name,
    website: app.website,
    scopes: app.scopes.split(" ").filter(Boolean),
    redirect_uri: uris.join("\n"),
    redirect_uris: uris,
    vapid_key: "",
  };
}

/** Client credentials a token or revocation request carries: HTTP Basic, the body, or both when they agree. */
interface ClientCredentials {
  clientId: string | undefined;
  clientSecret: string | undefined;
  basic: boolean;
}

function decodeFormComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

function clientCredentials(c: Context, p: Params): ClientCredentials {
  const bodyId = str(p.client_id, "client_id", 1000);
  const bodySecret = str(p.client_secret, "client_secret", 1000);
  const header = c.req.header("Authorization");
  const m = header ? /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header) : null;
  if (!m) {
    if (header && /^Basic\b/i.test(header)) throw new OAuthError("invalid_client", "The Authorization header is malformed");
    return { clientId: bodyId, clientSecret: bodySecret, basic: false };
  }
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw new OAuthError("invalid_client", "The Authorization header is malformed");
  // RFC 6749, 2.3.1: both parts are form-encoded before they are joined.
  const clientId = decodeFormComponent(decoded.slice(0, colon));
  const clientSecret = decodeFormComponent(decoded.slice(colon + 1));
  if ((bodyId !== undefined && bodyId !== clientId) || (bodySecret !== undefined && bodySecret !== clientSecret)) {
    throw new OAuthError("invalid_request", "The client credentials in the Authorization header and in the body differ");
  }
  return { clientId, clientSecret, basic: true };
}

/** An OAuth endpoint's answer to an error (RFC 6749, 5.2): never cached; a failed Basic authentication asks for Basic again. */
function oauthFailure(c: Context, error: unknown, basic: boolean): Response {
  let e: OAuthError;
  if (error instanceof OAuthError) e = error;
  else if (error instanceof ApiError) e = new OAuthError("invalid_request", error.message.replace(/^Validation failed: /, ""));
  else throw error;
  c.header("Cache-Control", "no-store");
  c.header("Pragma", "no-cache");
  if (e.status === 401 && basic) c.header("WWW-Authenticate", 'Basic realm="Pictor", error="invalid_client"');
  return c.json({ error: e.code, error_description: e.description }, e.status);
}

/**
 * App registration, the token and revocation endpoints, and the
 * authorization server's metadata. The consent page (GET/POST
 * /oauth/authorize) is a web page: src/http/web/oauth.tsx.
 */
export function oauthRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const { oauth, urls } = deps;
  const app = new Hono<ApiEnv>();

  app.post("/api/v1/apps", async (c) => {
    const p = await params(c);
    const name = str(p.client_name, "client_name", 1000)?.trim();
    if (!name) throw unprocessable("client_name can't be blank");
    const rawUris = Array.isArray(p.redirect_uris) ? list(p.redirect_uris, "redirect_uris", 20) : [str(p.redirect_uris, "redirect_uris", 20_000) ?? ""];
    const redirectUris = rawUris.flatMap((u) => u.split(/\s+/)).filter(Boolean);
    const rawScopes = Array.isArray(p.scopes) ? list(p.scopes, "scopes").join(" ") : str(p.scopes, "scopes", 2000);
    const scopes = parseScopes(rawScopes, "read");
    const website = str(p.website, "website", 2000);
    try {
      const { app: row, clientSecret } = await oauth.registerApp({ name, redirectUris, scopes, website });
      return c.json({ ...applicationEntity(row), client_id: row.client_id, client_secret: clientSecret, client_secret_expires_at: 0 });
    } catch (error) {
      // Mastodon answers a bad registration as a validation failure.
      if (error instanceof OAuthError) throw unprocessable(error.description);
      throw error;
    }
  });

  app.get("/api/v1/apps/verify_credentials", (c) => {
    const auth = c.get("auth");
    if (!auth) throw unauthorized();
    return c.json(applicationEntity(auth.app));
  });

  app.post("/oauth/token", async (c) => {
    let basic = /^Basic\b/i.test(c.req.header("Authorization") ?? "");
    try {
      const p = await params(c);
      const creds = clientCredentials(c, p);
      basic = creds.basic;
      const grantType = str(p.grant_type, "grant_type", 100);
      if (!grantType) throw new OAuthError("invalid_request", "grant_type is required");
      if (grantType !== "authorization_code" && grantType !== "client_credentials") {
        throw new OAuthError("unsupported_grant_type", `The grant type ${grantType.slice(0, 50)} is not supported`);
      }
      if (!creds.clientId) throw new OAuthError("invalid_client", "client_id is required");
      const client = await oauth.authenticateClient(creds.clientId, creds.clientSecret);
      let issued: Awaited<ReturnType<typeof oauth.issueToken>>;
      if (grantType === "authorization_code") {
        const code = str(p.code, "code", 1000);
        if (!code) throw new OAuthError("invalid_request", "code is required");
        issued = await oauth.exchangeCode({
          app: client,
          code,
          redirectUri: str(p.redirect_uri, "redirect_uri", 2000) || undefined,
          codeVerifier: str(p.code_verifier, "code_verifier", 1000) || undefined,
        });
      } else {
        issued = await oauth.issueToken(client, null, oauth.scopesFor(client, str(p.scope, "scope", 2000)));
      }
      c.header("Cache-Control", "no-store");
      c.header("Pragma", "no-cache");
      return c.json({
        access_token: issued.token,
        token_type: "Bearer",
        scope: issued.row.scopes,
        created_at: Math.floor(Date.parse(issued.row.created_at) / 1000),
      });
    } catch (error) {
      return oauthFailure(c, error, basic);
    }
  });

  // RFC 7009: a token the app holds is revoked; an unknown one is no error.
  app.post("/oauth/revoke", async (c) => {
    let basic = /^Basic\b/i.test(c.req.header("Authorization") ?? "");
    try {
      const p = await params(c);
      const creds = clientCredentials(c, p);
      basic = creds.basic;
      const token = str(p.token, "token", 1000);
      if (!token) throw new OAuthError("invalid_request", "token is required");
      const client = await oauth.authenticateClient(creds.clientId, creds.clientSecret);
      await oauth.revoke(client, token);
      c.header("Cache-Control", "no-store");
      return c.json({});
    } catch (error) {
      return oauthFailure(c, error, basic);
    }
  });

  app.get("/.well-known/oauth-authorization-server", (c) => {
    const origin = urls.origin.origin;
    return c.json(
      {
        issuer: `${origin}/`,
        service_documentation: "https://docs.joinmastodon.org/",
        authorization_endpoint: `${origin}/oauth/authorize`,
        token_endpoint: `${origin}/oauth/token`,
        app_registration_endpoint: `${origin}/api/v1/apps`,
        revocation_endpoint: `${origin}/oauth/revoke`,
        scopes_supported: [...KNOWN_SCOPES],
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        code_challenge_methods_supported: ["S256"],
        grant_types_supported: ["authorization_code", "client_credentials"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      },
      200,
      { "Cache-Control": "public, max-age=3600" },
    );
  });

  return app;
}
