import { raw } from "hono/html";
import type { PostDetails } from "../../domain/posts.ts";
import type { MediaRow } from "../../storage/schema.ts";
import { Layout } from "./layout.tsx";

export interface MediaLinks {
  /** The best URL to show a stored or remote image at full size. */
  full(m: MediaRow): string;
  thumb(m: MediaRow): string;
}

export function PostFigure(props: { details: PostDetails; media: MediaLinks; full?: boolean }) {
  const { post, media } = props.details;
  return (
    <figure class={`post-media count-${media.length}`}>
      {media.map((m) => (
        <img
          src={props.full ? props.media.full(m) : props.media.thumb(m)}
          alt={m.alt}
          width={m.width ?? undefined}
          height={m.height ?? undefined}
          loading="lazy"
          class={post.sensitive ? "sensitive" : undefined}
        />
      ))}
    </figure>
  );
}

export function PostPage(props: { details: PostDetails; handle: string; instanceName: string; media: MediaLinks }) {
  const { post, author, media, tags } = props.details;
  const name = author.display_name || author.username;
  const models = [...new Set(media.map((m) => m.model).filter(Boolean))];
  const first = media[0];
  return (
    <Layout
      title={`${name}: ${post.caption?.slice(0, 60) || "an AI-generated image"}`}
      instanceName={props.instanceName}
      head={
        <>
          <link rel="alternate" type="application/activity+json" href={post.iri} />
          {post.url ? <link rel="canonical" href={post.url} /> : null}
          {first ? <meta property="og:image" content={props.media.full(first)} /> : null}
          {first ? <meta property="og:image:alt" content={first.alt} /> : null}
        </>
      }
    >
      <article class="post">
        <header>
          <a href={author.url ?? author.iri}>
            <strong>{name}</strong> <span class="handle">{props.handle}</span>
          </a>
        </header>
        {post.summary ? (
          <details>
            <summary>{post.summary}</summary>
            <PostFigure details={props.details} media={props.media} full />
            {/* content_html is rendered from escaped text (local) or sanitized on arrival (remote). */}
            <div class="content">{raw(post.content_html)}</div>
          </details>
        ) : (
          <>
            <PostFigure details={props.details} media={props.media} full />
            <div class="content">{raw(post.content_html)}</div>
          </>
        )}
        <p class="ai-label">🎨 AI-generated{models.length ? ` · ${models.join(", ")}` : ""}</p>
        {post.show_prompt
          ? media
              .filter((m) => m.prompt)
              .map((m) => (
                <p class="prompt">
                  Prompt: <q>{m.prompt}</q>
                </p>
              ))
          : null}
        {tags.length ? (
          <p class="tags">
            {tags.map((t) => (
              <a href={`/tags/${encodeURIComponent(t)}`}>#{t} </a>
            ))}
          </p>
        ) : null}
        <footer>
          <time datetime={post.published_at}>{post.published_at.slice(0, 16).replace("T", " ")} UTC</time>
          {post.updated_at ? " · edited" : null}
          {` · ${post.likes_count} likes · ${post.boosts_count} boosts · ${post.replies_count} replies`}
        </footer>
      </article>
    </Layout>
  );
}
