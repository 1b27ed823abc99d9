import { raw } from "hono/html";
import type { Child } from "hono/jsx";

/** What every page knows about the request. */
export interface PageContext {
  instanceName: string;
  viewer?: { id: string; username: string; is_admin: number } | null;
  csrf?: string;
  nonce?: string;
  unread?: number;
  /** The path asked for: which tab of the bottom bar is current. */
  path?: string;
}

/** Small line icons for the bottom tab bar (inline SVG: no style attributes, so the CSP stays strict). */
const ICONS: Record<string, string> = {
  home: "M3 11l9-7 9 7v9a1 1 0 0 1-1 1h-5v-6h-6v6H4a1 1 0 0 1-1-1z",
  explore: "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm3.5 5.5l-2 5-5 2 2-5z",
  create: "M12 5v14M5 12h14",
  bell: "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0",
  me: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 9a7 7 0 0 1 14 0",
  login: "M10 17l5-5-5-5M15 12H3M14 4h5a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1h-5",
  lock: "M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 0 1 7 0v3",
  stack: "M8 8h12v12H8zM4 16V4h12",
  bookmark: "M6 3h12v18l-6-4-6 4z",
};

/** A line icon (decorative: the text beside it says the same). `size` in px, 24 unless told. */
export function Icon(props: { name: string; size?: number }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" width={props.size ?? 24} height={props.size ?? 24} aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d={ICONS[props.name]} />
    </svg>
  );
}

/** Whether `href` is the page being shown (or, for a section, a page inside it). */
function isCurrent(path: string | undefined, href: string): boolean {
  if (!path) return false;
  // Home, and a profile (whose posts are pages of their own), only exactly.
  if (href === "/" || href.startsWith("/@")) return path === href;
  return path === href || path.startsWith(`${href}/`);
}

export function Layout(props: { title: string; ctx: PageContext; children: Child; head?: Child }) {
  const { ctx } = props;
  const me = ctx.viewer ? `/@${ctx.viewer.username}` : undefined;
  const tabs: Array<{ href: string; label: string; icon: string; badge?: number }> = ctx.viewer
    ? [
        { href: "/", label: "Home", icon: "home" },
        { href: "/explore", label: "Explore", icon: "explore" },
        { href: "/create", label: "Create", icon: "create" },
        { href: "/notifications", label: "Notifications", icon: "bell", badge: ctx.unread || undefined },
        { href: me!, label: "Me", icon: "me" },
      ]
    : [
        { href: "/explore", label: "Explore", icon: "explore" },
        { href: "/login", label: "Log in", icon: "login" },
      ];
  const current = (href: string) => (isCurrent(ctx.path, href) ? "page" : undefined);
  return (
    <>
      {/* Without it, browsers draw the pages in quirks mode. */}
      {raw("<!DOCTYPE html>")}
      <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
        <meta name="color-scheme" content="light dark" />
        <meta name="theme-color" content="#5b37f0" />
        <title>{props.title}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="icon" href="/favicon.ico" sizes="32x32" />
        <link rel="apple-touch-icon" href="/icon-192.png" />
        <link rel="manifest" href="/manifest.webmanifest" />
        <link rel="stylesheet" href="/assets/app.css" />
        {props.head}
        <script src="/assets/app.js" defer nonce={ctx.nonce} />
      </head>
      <body class={ctx.viewer ? "signed-in" : undefined}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site">
          <a class="brand" href="/">
            <strong>{ctx.instanceName}</strong>
          </a>
          <form method="get" action="/search" role="search">
            <label class="sr-only" for="q">Search by @user@host or URL</label>
            <input id="q" name="q" type="search" placeholder="Search @user@host or URL" />
          </form>
          <nav class="main-nav" aria-label="Main">
            {ctx.viewer ? (
              <>
                <a href="/" aria-current={current("/")}>Home</a>
                <a href="/explore" aria-current={current("/explore")}>Explore</a>
                <a href="/create" aria-current={current("/create")}>Create</a>
                <a href="/notifications" aria-current={current("/notifications")}>Notifications{ctx.unread ? ` (${ctx.unread})` : ""}</a>
                <a href={me} aria-current={current(me!)}>@{ctx.viewer.username}</a>
                <a href="/settings" aria-current={current("/settings")}>Settings</a>
                {ctx.viewer.is_admin ? <a href="/admin" aria-current={current("/admin")}>Admin</a> : null}
                <form method="post" action="/logout">
                  <input type="hidden" name="_csrf" value={ctx.csrf} />
                  <button type="submit">Log out</button>
                </form>
              </>
            ) : (
              <>
                <a href="/explore" aria-current={current("/explore")}>Explore</a>
                <a href="/login" aria-current={current("/login")}>Log in</a>
              </>
            )}
          </nav>
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        {/* On narrow screens the main links move to a bar at the bottom, within reach of a thumb. */}
        <nav class="tabbar" aria-label="Tabs">
          {tabs.map((t) => (
            <a href={t.href} aria-current={current(t.href)}>
              <Icon name={t.icon} />
              <span class="tab-label">{t.label}</span>
              {t.badge ? (
                <span class="badge-count">
                  {t.badge}
                  <span class="sr-only"> unread</span>
                </span>
              ) : null}
            </a>
          ))}
        </nav>
      </body>
      </html>
    </>
  );
}

/** A form's error, announced when the page loads; nothing when there is none. */
export function FormError(props: { message?: string | null }) {
  return props.message ? (
    <p class="error" role="alert">
      {props.message}
    </p>
  ) : null;
}
