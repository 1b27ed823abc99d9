import { raw } from "hono/html";
import type { PostDetails } from "../../domain/posts.ts";
import type { AccountRow, MediaRow } from "../../storage/schema.ts";
import { Layout, type PageContext } from "./layout.tsx";

export interface MediaLinks {
  /** The best URL to show an image at full size. */
  full(m: MediaRow): string;
  thumb(m: MediaRow): string;
}

const handleOf = (a: AccountRow, host: string) => `@${a.username}@${a.domain ?? host}`;

function ToggleForm(props: { action: string; on: boolean; labels: [string, string]; csrf?: string }) {
  return (
    <form method="post" action={props.action} data-inline>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="action" value={props.on ? "undo" : "do"} />
      <button type="submit" aria-pressed={props.on ? "true" : "false"}>
        {props.on ? props.labels[1] : props.labels[0]}
      </button>
    </form>
  );
}

/** One post as it shows in feeds and on its page. Content HTML is escaped (local) or sanitized on arrival (remote). */
export function PostCard(props: {
  details: PostDetails;
  media: MediaLinks;
  ctx: PageContext;
  host: string;
  full?: boolean;
  boostedBy?: AccountRow | null;
  state?: Set<"like" | "boost">;
}) {
  const { post, author, media } = props.details;
  const models = [...new Set(media.map((m) => m.model).filter(Boolean))];
  const figure = (
    <figure class="post-media">
      {media.map((m) => (
        <img src={props.full ? props.media.full(m) : props.media.thumb(m)} alt={m.alt} width={m.width ?? undefined} height={m.height ?? undefined} loading="lazy" />
      ))}
    </figure>
  );
  const body = (
    <>
      {figure}
      <div class="content">{raw(post.content_html)}</div>
    </>
  );
  const pageUrl = author.domain === null ? post.url : `/posts/${post.id}`;
  return (
    <article class="card post">
      {props.boostedBy ? <p class="muted">🔁 {props.boostedBy.display_name || props.boostedBy.username} boosted</p> : null}
      <header>
        <a href={author.domain === null ? `/@${author.username}` : `/${handleOf(author, props.host)}`}>
          <strong>{author.display_name || author.username}</strong> <span class="handle">{handleOf(author, props.host)}</span>
        </a>
      </header>
      {post.summary ? (
        <details>
          <summary>{post.summary}</summary>
          {body}
        </details>
      ) : (
        body
      )}
      {author.domain === null ? <p class="ai-label">🎨 AI-generated{models.length ? ` · ${models.join(", ")}` : ""}</p> : null}
      {post.show_prompt && author.domain === null
        ? [...new Set(media.map((m) => m.prompt).filter(Boolean))].map((p) => (
            <p class="prompt">
              Prompt: <q>{p}</q>
            </p>
          ))
        : null}
      <footer class="actions">
        <a href={pageUrl ?? post.iri}>
          <time datetime={post.published_at}>{post.published_at.slice(0, 16).replace("T", " ")}</time>
        </a>
        <span class="muted">
          {post.likes_count} likes · {post.boosts_count} boosts · {post.replies_count} replies
        </span>
        {props.ctx.viewer ? (
          <>
            <ToggleForm action={`/posts/${post.id}/like`} on={props.state?.has("like") ?? false} labels={["Like", "Liked"]} csrf={props.ctx.csrf} />
            {post.visibility === "public" || post.visibility === "unlisted" ? (
              <ToggleForm action={`/posts/${post.id}/boost`} on={props.state?.has("boost") ?? false} labels={["Boost", "Boosted"]} csrf={props.ctx.csrf} />
            ) : null}
            <a class="button" href={`/create?reply=${post.id}`}>
              Reply
            </a>
            <a class="button" href={`/create?remix=${post.id}`}>
              Remix
            </a>
          </>
        ) : null}
      </footer>
    </article>
  );
}

export function PostPage(props: {
  details: PostDetails;
  handle: string;
  ctx: PageContext;
  media: MediaLinks;
  host: string;
  replies: PostDetails[];
  ancestors: PostDetails[];
  state?: Set<"like" | "boost">;
}) {
  const { post, author, media } = props.details;
  const name = author.display_name || author.username;
  const first = media[0];
  const title = `${name}: ${post.caption?.slice(0, 60) || "an AI-generated image"}`;
  return (
    <Layout
      title={title}
      ctx={props.ctx}
      head={
        <>
          <link rel="alternate" type="application/activity+json" href={post.iri} />
          {post.url ? <link rel="canonical" href={post.url} /> : null}
          <meta property="og:title" content={title} />
          <meta property="og:type" content="article" />
          {first ? <meta property="og:image" content={props.media.full(first)} /> : null}
          {first ? <meta property="og:image:alt" content={first.alt} /> : null}
          <meta name="twitter:card" content={first ? "summary_large_image" : "summary"} />
          {first ? <meta name="twitter:image:alt" content={first.alt} /> : null}
        </>
      }
    >
      {props.ancestors.map((d) => (
        <PostCard details={d} media={props.media} ctx={props.ctx} host={props.host} />
      ))}
      <PostCard details={props.details} media={props.media} ctx={props.ctx} host={props.host} full state={props.state} />
      {props.replies.length ? <h2>Replies</h2> : null}
      {props.replies.map((d) => (
        <PostCard details={d} media={props.media} ctx={props.ctx} host={props.host} />
      ))}
    </Layout>
  );
}
