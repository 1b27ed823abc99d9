import { raw } from "hono/html";
import type { PostDetails } from "../../domain/posts.ts";
import type { AccountRow } from "../../storage/schema.ts";
import { Layout, type PageContext } from "./layout.tsx";
import type { MediaLinks } from "./post.tsx";

export function ProfilePage(props: {
  account: AccountRow;
  handle: string;
  ctx: PageContext;
  followers: number;
  following: number;
  posts: PostDetails[];
  media: MediaLinks;
  /** null: not signed in, or looking at yourself. */
  followState: "none" | "pending" | "accepted" | null;
  nextCursor: string | null;
}) {
  const { account, ctx } = props;
  const name = account.display_name || account.username;
  const first = props.posts.find((p) => p.media.length)?.media[0];
  return (
    <Layout
      title={`${name} (${props.handle})`}
      ctx={ctx}
      head={
        <>
          <link rel="alternate" type="application/activity+json" href={account.iri} />
          <link rel="canonical" href={account.url ?? account.iri} />
          <meta property="og:title" content={`${name} (${props.handle})`} />
          <meta property="og:type" content="profile" />
          {first ? <meta property="og:image" content={props.media.thumb(first)} /> : null}
          <meta name="twitter:card" content="summary" />
          {account.domain === null ? <link rel="alternate" type="application/atom+xml" href={`/@${account.username}.atom`} /> : null}
        </>
      }
    >
      <article class="card profile">
        <h1>{name}</h1>
        <p class="handle">{props.handle}</p>
        {/* Local bios are the owner's own text; remote ones are sanitized on arrival. */}
        {account.bio_html ? <div class="bio">{raw(account.bio_html)}</div> : null}
        <p class="actions">
          <span>
            <strong>{props.followers}</strong> followers
          </span>
          <span>
            <strong>{props.following}</strong> following
          </span>
          <span>
            <strong>{props.posts.length}</strong>
            {props.nextCursor ? "+" : ""} posts
          </span>
        </p>
        {props.followState ? (
          <form method="post" action="/follow" data-inline>
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <input type="hidden" name="target" value={account.iri} />
            <input type="hidden" name="action" value={props.followState === "none" ? "follow" : "unfollow"} />
            <button type="submit" aria-pressed={props.followState === "none" ? "false" : "true"}>
              {props.followState === "none" ? "Follow" : props.followState === "pending" ? "Requested" : "Following"}
            </button>
          </form>
        ) : null}
      </article>
      <section class="grid" aria-label="Posts">
        {props.posts
          .filter((p) => p.media.length)
          .map((p) => (
            <a href={p.post.url ?? p.post.iri}>
              <img src={props.media.thumb(p.media[0])} alt={p.media[0].alt} loading="lazy" class={p.post.sensitive ? "sensitive" : undefined} />
            </a>
          ))}
      </section>
      {props.nextCursor ? (
        <p>
          <a href={`?cursor=${encodeURIComponent(props.nextCursor)}`}>Older posts</a>
        </p>
      ) : null}
    </Layout>
  );
}

export function NotFoundPage(props: { ctx: PageContext; what: string }) {
  return (
    <Layout title="Not found" ctx={props.ctx}>
      <h1>Not found</h1>
      <p>{props.what}</p>
    </Layout>
  );
}
