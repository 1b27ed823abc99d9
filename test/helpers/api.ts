import type { Pictor } from "../../src/app.ts";
import type { LocalAccount } from "../../src/domain/accounts.ts";

/**
 * A registered app and an access token for `account` with `scopes`, made
 * through the OAuth service directly (the sign-in flow itself is tested in
 * test/api/oauth.test.ts and through Chromium).
 */
export async function apiToken(pictor: Pictor, account: { id: string }, scopes = "read write follow push"): Promise<string> {
  const list = scopes.split(" ");
  const { app } = await pictor.oauth.registerApp({ name: "Test app", redirectUris: ["urn:ietf:wg:oauth:2.0:oob"], scopes: list });
  return (await pictor.oauth.issueToken(app, account.id, list)).token;
}

/** A local account and a token for it. */
export async function apiUser(pictor: Pictor, username: string, scopes?: string, extra: { locked?: boolean; admin?: boolean } = {}): Promise<{ account: LocalAccount; token: string }> {
  await pictor.accounts.createLocal({ username, password: "correct horse battery", ...extra });
  const account = (await pictor.accounts.getLocalByUsername(username))!;
  return { account, token: await apiToken(pictor, account, scopes) };
}

/** Calls the API in process: JSON bodies for plain objects, forms as given; the token as a bearer. */
export async function api(
  pictor: Pictor,
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; form?: FormData | URLSearchParams; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.json);
  } else if (opts.form) body = opts.form;
  const res = await pictor.http.request(new URL(path, "http://pictor.test").href, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the text itself
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
