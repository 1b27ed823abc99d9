import { type Context, Hono, type MiddlewareHandler } from "hono";
import { OAuthError, OOB_REDIRECT } from "../../domain/oauth.ts";
import { describeScope } from "../../domain/scopes.ts";
import type { OAuthAppRow } from "../../storage/schema.ts";
import type { HttpDeps } from "../app.tsx";
import { Layout, type PageContext } from "../views/layout.tsx";
import { Csrf } from "../views/pages.tsx";
import type { PageHelpers } from "./settings.tsx";
import { endSession, safeNext, type WebEnv } from "./session.ts";

type C = Context<WebEnv>;
const str = (v: unknown) => (typeof v === "string" ? v : "");

/** The parameters of an authorization request (RFC 6749 4.1.1, with PKCE), as the query or the consent form carries them. */
const REQUEST_FIELDS = ["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "lang"] as const;
type RequestFields = Partial<Record<(typeof REQUEST_FIELDS)[number], string>>;

/** A request checked far enough to answer it. */
type Checked =
  /** Not even the app or where to send the answer is known: an error page here, never a redirect. */
  | { kind: "page"; message: string }
  /** The app and redirect URI are sound, the rest is not: the error goes back to the app (RFC 6749 4.1.2.1). */
  | { kind: "redirect"; app: OAuthAppRow; redirectUri: string; error: string; description: string; state?: string }
  | { kind: "ok"; app: OAuthAppRow; redirectUri: string; scopes: string[]; state?: string; codeChallenge?: string; codeChallengeMethod?: string };

/**
 * Chrome applies CSP `form-action` to the redirects that follow a form
 * submission too, so the consent page allows its form to end at the app's
 * registered redirect URI (checked before it is allowed): the origin of an
 * http(s) one, the scheme of a custom one (`tusky:`). Registered before the
 * security headers, this rewrites their `form-action` after they are set.
 */
export function consentFormActions(): { middleware: MiddlewareHandler<WebEnv>; allow(c: C, redirectUri: string): void } {
  const allowed = new WeakMap<Request, string>();
  return {
    middleware: async (c, next) => {
      await next();
      const source = allowed.get(c.req.raw);
      const csp = c.res.headers.get("Content-Security-Policy");
      if (source && csp) c.res.headers.set("Content-Security-Policy", csp.replace(/form-action ([^;]*)/, (_m, list: string) => `form-action ${list} ${source}`));
    },
    allow(c, redirectUri) {
      if (redirectUri === OOB_REDIRECT) return;
      let url: URL;
      try {
        url = new URL(redirectUri);
      } catch {
        return;
      }
      const source = url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
      if (/^[A-Za-z0-9+.:/[\]-]+$/.test(source)) allowed.set(c.req.raw, source);
    },
  };
}

function ErrorPage(props: { ctx: PageContext; message: string }) {
  return (
    <Layout title="Authorization failed" ctx={props.ctx}>
      <section class="card">
        <h1>Authorization failed</h1>
        <p class="error" role="alert">
          {props.message}
        </p>
        <p class="muted">Go back to the app and try signing in again; if this keeps happening, the app may be misconfigured.</p>
      </section>
    </Layout>
  );
}

function AppName(props: { app: OAuthAppRow }) {
  return props.app.website ? (
    <a href={props.app.website} rel="noopener noreferrer nofollow">
      {props.app.name}
    </a>
  ) : (
    <strong>{props.app.name}</strong>
  );
}

function ConsentPage(props: { ctx: PageContext; request: Extract<Checked, { kind: "ok" }>; username: string }) {
  const { app, scopes, redirectUri } = props.request;
  const hidden: Record<string, string | undefined> = {
    response_type: "code",
    client_id: app.client_id,
    redirect_uri: redirectUri,
    scope: scopes.join(" "),
    state: props.request.state,
    code_challenge: props.request.codeChallenge,
    code_challenge_method: props.request.codeChallengeMethod,
  };
  return (
    <Layout title={`Authorize ${app.name}`} ctx={props.ctx}>
      <form method="post" action="/oauth/authorize" class="card">
        <h1>Authorize an app</h1>
        <p>
          <AppName app={app} /> would like to use your account <strong>@{props.username}</strong>.
          {app.website ? <span class="muted"> ({app.website})</span> : null}
        </p>
        <p>It will be able to:</p>
        <ul aria-label="Permissions">
          {scopes.map((s) => (
            <li>
              {describeScope(s)} <span class="muted">({s})</span>
            </li>
          ))}
        </ul>
        {redirectUri === OOB_REDIRECT ? (
          <p class="muted">You will be shown a code to paste into the app.</p>
        ) : (
          <p class="muted">
            You will be sent back to <code>{redirectUri}</code>.
          </p>
        )}
        <p class="muted">You can take this access back at any time in Settings → Authorized apps.</p>
        <Csrf ctx={props.ctx} />
        {Object.entries(hidden)
          .filter(([, v]) => v !== undefined)
          .map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
        <p class="actions">
          <button class="primary" type="submit" name="decision" value="authorize">
            Authorize
          </button>
          <button type="submit" name="decision" value="deny">
            Deny
          </button>
        </p>
      </form>
    </Layout>
  );
}

function CodePage(props: { ctx: PageContext; app: OAuthAppRow; code: string }) {
  return (
    <Layout title="Authorization code" ctx={props.ctx}>
      <section class="card">
        <h1>Authorization code</h1>
        <p>
          Copy this code and paste it into <AppName app={props.app} />:
        </p>
        <p>
          <label for="code">Authorization code</label>
          <input id="code" type="text" readonly value={props.code} autocomplete="off" spellcheck={false} />
        </p>
        <p class="muted">It works once, within ten minutes.</p>
      </section>
    </Layout>
  );
}

function DeniedPage(props: { ctx: PageContext; app: OAuthAppRow }) {
  return (
    <Layout title="Access denied" ctx={props.ctx}>
      <section class="card">
        <h1>Access denied</h1>
        <p>
          <AppName app={props.app} /> was not given access to your account.
        </p>
      </section>
    </Layout>
  );
}

function AppsPage(props: { ctx: PageContext; apps: Awaited<ReturnType<HttpDeps["oauth"]["authorizedApps"]>>; message?: string }) {
  const when = (iso: string | null) => (iso ? <time datetime={iso}>{iso.slice(0, 16).replace("T", " ")}</time> : "never");
  return (
    <Layout title="Authorized apps" ctx={props.ctx}>
      <section class="card" id="apps">
        <h1>Authorized apps</h1>
        <p class="muted">
          Apps you signed in to with this account. Revoking one ends every sign-in it holds; it will have to ask again. <a href="/settings">Back to settings</a>
        </p>
        {props.message ? <p role="status">{props.message}</p> : null}
        {props.apps.length === 0 ? <p class="muted">No app has access to your account.</p> : null}
        {props.apps.map(({ app, scopes, authorizedAt, lastUsedAt }) => (
          <article class="card">
            <h2>
              <AppName app={app} />
            </h2>
            {app.website ? <p class="muted">{app.website}</p> : null}
            <ul aria-label={`Permissions of ${app.name}`}>
              {scopes.map((s) => (
                <li>
                  {describeScope(s)} <span class="muted">({s})</span>
                </li>
              ))}
            </ul>
            <p class="muted">
              Authorized {when(authorizedAt)} · last used {when(lastUsedAt)}
            </p>
            <form method="post" action={`/settings/apps/${encodeURIComponent(app.id)}/revoke`}>
              <Csrf ctx={props.ctx} />
              <button type="submit" aria-label={`Revoke ${app.name}`}>
                Revoke
              </button>
            </form>
          </article>
        ))}
      </section>
    </Layout>
  );
}

/**
 * OAuth 2.0's pages: the consent page (GET/POST /oauth/authorize) and the
 * list of authorized apps in settings. The token endpoint and app
 * registration are API routes (src/api/routes/oauth.ts).
 */
export function oauthPages(deps: HttpDeps, h: PageHelpers, formActions: ReturnType<typeof consentFormActions>): Hono<WebEnv> {
  const { oauth, sessions, config } = deps;
  const secure = config.publicUrl.protocol === "https:";
  const app = new Hono<WebEnv>();

  /** Checks an authorization request in RFC 6749's order: app, redirect URI, then what may go back to the app. */
  const check = async (f: RequestFields): Promise<Checked> => {
    const client = await oauth.appByClientId(f.client_id);
    if (!client) return { kind: "page", message: "This app is not registered here (unknown client_id)." };
    let redirectUri: string;
    try {
      redirectUri = oauth.redirectUriFor(client, f.redirect_uri);
    } catch (error) {
      if (error instanceof OAuthError) return { kind: "page", message: `${error.description}.` };
      throw error;
    }
    const state = f.state || undefined;
    const fail = (error: string, description: string): Checked => ({ kind: "redirect", app: client, redirectUri, error, description, state });
    if (state && state.length > 2000) return { ...fail("invalid_request", "state is too long"), state: undefined } as Checked;
    if (!f.response_type) return fail("invalid_request", "response_type is required");
    if (f.response_type !== "code") return fail("unsupported_response_type", "Only response_type=code is supported");
    let scopes: string[];
    try {
      scopes = oauth.scopesFor(client, f.scope);
    } catch (error) {
      if (error instanceof OAuthError) return fail(error.code, error.description);
      throw error;
    }
    const codeChallenge = f.code_challenge || undefined;
    const codeChallengeMethod = f.code_challenge_method || undefined;
    if (codeChallengeMethod && !codeChallenge) return fail("invalid_request", "code_challenge_method was given without a code_challenge");
    if (codeChallenge) {
      // Mastodon supports S256 only; a challenge without a method would be "plain" (RFC 7636 4.3).
      if (codeChallengeMethod !== "S256") return fail("invalid_request", "code_challenge_method must be S256");
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(codeChallenge)) return fail("invalid_request", "code_challenge is malformed");
    }
    return { kind: "ok", app: client, redirectUri, scopes, state, codeChallenge, codeChallengeMethod };
  };

  const fieldsOf = (source: Record<string, unknown>): RequestFields => Object.fromEntries(REQUEST_FIELDS.map((k) => [k, str(source[k]) || undefined]).filter(([, v]) => v !== undefined));

  /** Back to the app with the answer; an out-of-band app has no address, so the answer is a page. */
  const sendBack = (c: C, redirectUri: string, answer: Record<string, string | undefined>, status: 302 | 303) => {
    const url = new URL(redirectUri);
    for (const [k, v] of Object.entries(answer)) if (v !== undefined) url.searchParams.set(k, v);
    c.header("Cache-Control", "no-store");
    return c.redirect(url.href, status);
  };

  const errorPage = async (c: C, message: string) => {
    c.header("Cache-Control", "no-store");
    return c.html(<ErrorPage ctx={await h.ctx(c)} message={message} />, 400);
  };

  const answerFailure = async (c: C, checked: Exclude<Checked, { kind: "ok" }>, status: 302 | 303) => {
    if (checked.kind === "page") return errorPage(c, checked.message);
    if (checked.redirectUri === OOB_REDIRECT) return errorPage(c, `${checked.description} (${checked.error}).`);
    return sendBack(c, checked.redirectUri, { error: checked.error, error_description: checked.description, state: checked.state }, status);
  };

  /** The sign-in page, coming back to this authorization request afterwards. */
  const toLogin = (c: C, fields: RequestFields) => {
    const query = new URLSearchParams(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
    const back = safeNext(`/oauth/authorize?${query}`, deps.urls.origin);
    return c.redirect(back === "/" ? "/login" : `/login?next=${encodeURIComponent(back)}`, 303);
  };

  app.get("/oauth/authorize", async (c) => {
    const fields = fieldsOf(c.req.query());
    const checked = await check(fields);
    if (checked.kind !== "ok") return answerFailure(c, checked, 302);
    const viewer = c.get("viewer");
    const forceLogin = /^(true|1|yes|on)$/i.test(c.req.query("force_login") ?? "");
    if (forceLogin && viewer) {
      // Another account may be wanted: this session ends, and the sign-in page comes back here (without force_login).
      await sessions.destroy(c.get("sessionToken"));
      endSession(c, secure);
      return toLogin(c, fields);
    }
    if (!viewer) return toLogin(c, fields);
    formActions.allow(c, checked.redirectUri);
    c.header("Cache-Control", "no-store");
    return c.html(<ConsentPage ctx={await h.ctx(c)} request={checked} username={viewer.username} />);
  });

  app.post("/oauth/authorize", async (c) => {
    const body = await c.req.parseBody();
    const fields = fieldsOf(body);
    const viewer = c.get("viewer");
    if (!viewer) return toLogin(c, fields);
    const checked = await check(fields);
    if (checked.kind !== "ok") return answerFailure(c, checked, 303);
    const oob = checked.redirectUri === OOB_REDIRECT;
    if (str(body.decision) !== "authorize") {
      if (oob) return c.html(<DeniedPage ctx={await h.ctx(c)} app={checked.app} />);
      return sendBack(c, checked.redirectUri, { error: "access_denied", error_description: "The resource owner denied the request", state: checked.state }, 303);
    }
    let code: string;
    try {
      code = await oauth.createCode({
        app: checked.app,
        account: viewer,
        scopes: checked.scopes,
        redirectUri: checked.redirectUri,
        codeChallenge: checked.codeChallenge,
        codeChallengeMethod: checked.codeChallengeMethod,
      });
    } catch (error) {
      if (error instanceof OAuthError) return answerFailure(c, { kind: "redirect", app: checked.app, redirectUri: checked.redirectUri, error: error.code, description: error.description, state: checked.state }, 303);
      throw error;
    }
    if (oob) {
      c.header("Cache-Control", "no-store");
      return c.html(<CodePage ctx={await h.ctx(c)} app={checked.app} code={code} />);
    }
    return sendBack(c, checked.redirectUri, { code, state: checked.state }, 303);
  });

  // Settings: the apps the signed-in person authorized, each revocable.
  app.get("/settings/apps", async (c) => {
    const viewer = h.signedIn(c);
    if (viewer instanceof Response) return viewer;
    const message = c.req.query("revoked") ? "Access revoked." : undefined;
    return c.html(<AppsPage ctx={await h.ctx(c)} apps={await oauth.authorizedApps(viewer.id)} message={message} />);
  });
  app.post("/settings/apps/:id/revoke", async (c) => {
    const viewer = h.signedIn(c);
    if (viewer instanceof Response) return viewer;
    const revoked = await oauth.revokeApp(viewer.id, c.req.param("id"));
    if (revoked === 0) return h.notFound(c, "No such authorized app.");
    return c.redirect("/settings/apps?revoked=1", 303);
  });

  return app;
}
