import type { Child } from "hono/jsx";

/** What every page knows about the request. */
export interface PageContext {
  instanceName: string;
  viewer?: { id: string; username: string; is_admin: number } | null;
  csrf?: string;
  nonce?: string;
  unread?: number;
}

export function Layout(props: { title: string; ctx: PageContext; children: Child; head?: Child }) {
  const { ctx } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{props.title}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        {props.head}
        <script src="/assets/app.js" defer nonce={ctx.nonce} />
      </head>
      <body>
        <header class="site">
          <a href="/">
            <strong>{ctx.instanceName}</strong>
          </a>
          <form method="get" action="/search" role="search">
            <label class="sr-only" for="q">Search by @user@host or URL</label>
            <input id="q" name="q" type="text" placeholder="@user@host or URL" />
          </form>
          <nav aria-label="Main">
            {ctx.viewer ? (
              <>
                <a href="/">Home</a>
                <a href="/explore">Explore</a>
                <a href="/create">Create</a>
                <a href="/notifications">Notifications{ctx.unread ? ` (${ctx.unread})` : ""}</a>
                <a href={`/@${ctx.viewer.username}`}>@{ctx.viewer.username}</a>
                <a href="/settings">Settings</a>
                {ctx.viewer.is_admin ? <a href="/admin">Admin</a> : null}
                <form method="post" action="/logout">
                  <input type="hidden" name="_csrf" value={ctx.csrf} />
                  <button type="submit">Log out</button>
                </form>
              </>
            ) : (
              <>
                <a href="/explore">Explore</a>
                <a href="/login">Log in</a>
              </>
            )}
          </nav>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}
