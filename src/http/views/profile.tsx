import { raw } from "hono/html";
import type { AccountSummary, PostView } from "../../read/views.ts";
import { Icon, Layout, type PageContext } from "./layout.tsx";
import { NextSteps } from "./pages.tsx";
import { Avatar } from "./post.tsx";

/** The label on a grid tile of a post that is not public. */
/** The grid's label for who may see a post (display only; who sees what is decided in src/domain/visibility.ts). Public posts carry none. */
const VISIBILITY_MARK = {
  public: null,
  unlisted: ["Unlisted", "unlisted"],
  followers: ["Followers", "followers only"],
  direct: ["Private", "only for those mentioned"],
} as const;

export function ProfilePage(props: {
  account: AccountSummary;
  ctx: PageContext;
  followers: number;
  following: number;
  posts: PostView[];
  /** null: not signed in, or looking at yourself. */
  followState: "none" | "pending" | "accepted" | null;
  /** How the signed-in viewer stands with this account; null when not signed in, or looking at yourself. */
  relation?: { blocking: boolean; blockedBy: boolean; muting: boolean } | null;
  nextCursor: string | null;
}) {
  const { account, ctx } = props;
  const name = account.displayName;
  const handle = `@${account.acct}`;
  const first = props.posts.find((p) => p.media.length)?.media[0];
  return (
    <Layout
      title={`${name} (${handle})`}
      ctx={ctx}
      head={
        <>
          <link rel="alternate" type="application/activity+json" href={account.iri} />
          <link rel="canonical" href={account.url} />
          <meta property="og:title" content={`${name} (${handle})`} />
          <meta property="og:type" content="profile" />
          {first ? <meta property="og:image" content={first.thumbUrl} /> : null}
          <meta name="twitter:card" content="summary" />
          {account.isLocal ? <link rel="alternate" type="application/atom+xml" href={`/@${account.username}.atom`} /> : null}
        </>
      }
    >
      <article class={account.headerUrl ? "card profile with-header" : "card profile"}>
        {account.headerUrl ? <img class="profile-header" src={account.headerUrl} alt="" /> : <div class="profile-header none" />}
        <div class="profile-id">
          <Avatar account={account} size="lg" />
          <div class="names">
            <h1>{name}</h1>
            <p class="handle">{handle}</p>
          </div>
        </div>
        {/* Local bios are the owner's own text; remote ones are sanitized on arrival. */}
        {account.bioHtml ? <div class="bio">{raw(account.bioHtml)}</div> : null}
        <p class="actions">
          <span>
            <strong>{props.followers}</strong> {props.followers === 1 ? "follower" : "followers"}
          </span>
          <span>
            <strong>{props.following}</strong> following
          </span>
          <span>
            <strong>{props.posts.length}</strong>
            {props.nextCursor ? "+" : ""} {props.posts.length === 1 && !props.nextCursor ? "post" : "posts"}
          </span>
        </p>
        {props.followState && !props.relation?.blocking && !props.relation?.blockedBy ? (
          <form method="post" action="/follow" data-inline>
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <input type="hidden" name="target" value={account.iri} />
            <input type="hidden" name="action" value={props.followState === "none" ? "follow" : "unfollow"} />
            <button type="submit" aria-pressed={props.followState === "none" ? "false" : "true"}>
              {props.followState === "none" ? "Follow" : props.followState === "pending" ? "Requested" : "Following"}
            </button>
          </form>
        ) : null}
        {ctx.viewer && ctx.viewer.id === account.id ? (
          // Yourself: settings and logging out (on phones, the header keeps only the search; this page is the "Me" tab).
          <div class="actions own">
            <a class="button" href="/bookmarks">
              Bookmarks
            </a>
            <a class="button" href="/settings">
              Settings
            </a>
            {ctx.viewer.is_admin ? (
              <a class="button" href="/admin">
                Admin
              </a>
            ) : null}
            <form method="post" action="/logout">
              <input type="hidden" name="_csrf" value={ctx.csrf} />
              <button type="submit">Log out</button>
            </form>
          </div>
        ) : null}
        {props.relation ? (
          <div class="actions">
            <form method="post" action="/mute" data-inline>
              <input type="hidden" name="_csrf" value={ctx.csrf} />
              <input type="hidden" name="target" value={account.iri} />
              <input type="hidden" name="action" value={props.relation.muting ? "undo" : "do"} />
              <button type="submit" aria-pressed={props.relation.muting ? "true" : "false"}>{props.relation.muting ? "Muted" : "Mute"}</button>
            </form>
            {/* Not inline: blocking ends follows, so the page is drawn again. */}
            <form method="post" action="/block">
              <input type="hidden" name="_csrf" value={ctx.csrf} />
              <input type="hidden" name="target" value={account.iri} />
              <input type="hidden" name="action" value={props.relation.blocking ? "undo" : "do"} />
              <button type="submit" aria-pressed={props.relation.blocking ? "true" : "false"}>{props.relation.blocking ? "Unblock" : "Block"}</button>
            </form>
          </div>
        ) : null}
      </article>
      <section class="grid" aria-label="Posts">
        {props.posts
          .filter((p) => p.media.length)
          .map((p) => (
            <a href={p.path}>
              {p.media[0].unavailable ? <span class="media-link">{p.media[0].alt || "An image (it could not be fetched)"}</span> : <img src={p.media[0].thumbUrl} alt={p.media[0].alt} loading="lazy" class={p.sensitive ? "sensitive" : undefined} />}
              {p.media.length > 1 || VISIBILITY_MARK[p.visibility] ? (
                // What the thumbnail alone does not say: more images behind it, and who may see the post.
                <span class="tile-marks">
                  {VISIBILITY_MARK[p.visibility] ? (
                    <span class="tile-mark">
                      <Icon name="lock" size={14} />
                      <span aria-hidden="true">{VISIBILITY_MARK[p.visibility]?.[0]}</span>
                      <span class="sr-only">, {VISIBILITY_MARK[p.visibility]?.[1]}</span>
                    </span>
                  ) : null}
                  {p.media.length > 1 ? (
                    <span class="tile-mark">
                      <Icon name="stack" size={14} />
                      <span class="sr-only">, </span>
                      {p.media.length}
                      <span class="sr-only"> images</span>
                    </span>
                  ) : null}
                </span>
              ) : null}
              {/* A quote (a remix), drawn small: the quoted post's author and first image. */}
              {p.quote?.card ? (
                <span class="grid-quote" title={p.quote.card.text}>
                  {p.quote.card.image && !p.quote.card.image.unavailable ? <img src={p.quote.card.image.thumbUrl} alt="" /> : null}❝ @{p.quote.card.author.acct}
                </span>
              ) : null}
            </a>
          ))}
      </section>
      {!props.posts.some((p) => p.media.length) && !props.nextCursor ? (
        <div class="card empty">
          {ctx.viewer && ctx.viewer.id === account.id ? (
            <>
              <p>You have not posted yet.</p>
              <NextSteps signedIn create="Create your first image" />
            </>
          ) : (
            <p>{name} has not posted any images yet{account.isLocal ? "" : " that reached this server"}.</p>
          )}
        </div>
      ) : null}
      {props.nextCursor ? (
        <p>
          <a href={`?cursor=${encodeURIComponent(props.nextCursor)}`}>Older posts</a>
        </p>
      ) : null}
    </Layout>
  );
}

export function NotFoundPage(props: { ctx: PageContext; what: string; title?: string }) {
  return <ErrorPage ctx={props.ctx} title={props.title ?? "Not found"} message={props.what} />;
}

/** An error inside the layout, with a way on: back to the start (or to where the form was, with `back`). */
export function ErrorPage(props: { ctx: PageContext; title: string; message: string; back?: string }) {
  return (
    <Layout title={props.title} ctx={props.ctx}>
      <section class="card error-page">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p class="actions">
          {props.back ? (
            <a class="button primary" href={props.back}>
              Go back
            </a>
          ) : null}
          <a class={props.back ? "button" : "button primary"} href="/">
            Go to the home page
          </a>
          <a class="button" href="/explore">
            Explore
          </a>
        </p>
      </section>
    </Layout>
  );
}
