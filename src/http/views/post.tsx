import { raw } from "hono/html";
import type { AccountSummary, MediaView, PostView, QuoteView } from "../../read/views.ts";
import { modelLabel } from "../../generation/models.ts";
import { mediaSrcset, readableDate } from "./format.ts";
import { FormError, Layout, type PageContext } from "./layout.tsx";

/**
 * An account's avatar, small and round beside its name (`size` "lg" on its
 * profile); a neutral placeholder with the name's first letter when it has
 * none (or it could not be fetched). Decorative: the name is always beside it.
 */
export function Avatar(props: { account: AccountSummary; size?: "sm" | "lg" }) {
  const cls = `avatar avatar-${props.size ?? "sm"}`;
  if (props.account.avatarUrl) return <img class={cls} src={props.account.avatarUrl} alt="" loading="lazy" decoding="async" />;
  const letter = [...(props.account.displayName.trim() || props.account.username)][0]?.toUpperCase() ?? "?";
  return (
    <span class={`${cls} avatar-none`} aria-hidden="true">
      {letter}
    </span>
  );
}

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

/**
 * An image, or — a remote one that could not be fetched — a link to it with its alt text.
 * `sizes`: how wide it is drawn, for srcset to pick the thumbnail or the full WebP.
 * `open`: a link to the full image around it (APP_JS opens it in a viewer).
 */
function Picture(props: { m: MediaView; full?: boolean; sensitive?: boolean; sizes?: string; open?: boolean; label?: string }) {
  const { m } = props;
  if (m.unavailable) {
    return (
      <a class="media-link" href={m.url} rel="nofollow noopener noreferrer" target="_blank">
        🖼 {m.alt || "An image (it could not be fetched)"}
      </a>
    );
  }
  const srcset = props.sizes ? mediaSrcset(m) : undefined;
  const img = (
    <img
      src={props.full || (props.sizes && !srcset) ? m.url : m.thumbUrl}
      srcset={srcset}
      sizes={srcset ? props.sizes : undefined}
      alt={m.alt}
      width={m.width ?? undefined}
      height={m.height ?? undefined}
      loading="lazy"
      decoding="async"
      class={props.sensitive ? "sensitive" : undefined}
    />
  );
  if (!props.open) return img;
  return (
    <a class="media-open" href={m.url} data-viewer data-alt={m.alt} aria-label={`Open ${props.label ?? "the image"} full size${m.alt ? `: ${m.alt}` : ""}`}>
      {img}
    </a>
  );
}

const QUOTE_STATE_TEXT = {
  pending: "Quote not approved by the quoted author (yet)",
  rejected: "The quoted author declined this quote",
  revoked: "The quoted author removed this quote",
  accepted: "The quoted post is not available",
} as const;

/**
 * What a post quotes: a card of the quoted post (author, first image, text,
 * link) when the quote is approved and the viewer may see that post; else a
 * line saying why not. Remote posts carry their own "RE:" fallback line, hidden
 * only under a card; a local post's is shown here.
 */
export function Quote(props: { quote: QuoteView; local: boolean; label?: string }) {
  const { quote } = props;
  const card = quote.card;
  if (!card) {
    return (
      <p class="quote-status muted">
        {QUOTE_STATE_TEXT[quote.state]}
        {props.local ? (
          <>
            {" · RE: "}
            <a href={quote.iri} rel="nofollow noopener noreferrer">
              {quote.iri}
            </a>
          </>
        ) : null}
      </p>
    );
  }
  return (
    <a class="quote-card" href={card.path} aria-label={`${props.label ?? "Quoted post"} by @${card.author.acct}`}>
      {card.image ? <Picture m={card.image} sensitive={card.sensitive} /> : null}
      <span class="quote-body">
        <span class="quote-author">
          <strong>{card.author.displayName}</strong> <span class="handle">@{card.author.acct}</span>
        </span>
        <span class="quote-text">{card.summary ? `⚠ ${card.summary}` : card.text}</span>
      </span>
    </a>
  );
}

/** One post as it shows in feeds and on its page. Content HTML is escaped (local) or sanitized on arrival (remote). */
export function PostCard(props: { post: PostView; ctx: PageContext; full?: boolean; boostedBy?: AccountSummary | null }) {
  const { post } = props;
  const { author } = post;
  // An image spans the card (main is at most 44rem, the card's padding 2rem). Two or more are a set
  // that scrolls sideways, one at a time (swiped on phones), each marked with its place ("2/3").
  const count = post.media.length;
  const sizes = "(max-width: 44rem) calc(100vw - 4rem), 40rem";
  const figure =
    count === 1 ? (
      <figure class="post-media single">
        <Picture m={post.media[0]} sizes={sizes} open />
      </figure>
    ) : count > 1 ? (
      <figure class="post-media set" aria-label={`${count} images`}>
        <div class="media-track">
          {post.media.map((m, i) => (
            <div class="slide">
              <Picture m={m} sizes={sizes} open label={`image ${i + 1} of ${count}`} />
              <span class="slide-count" aria-hidden="true">
                {i + 1}/{count}
              </span>
            </div>
          ))}
        </div>
      </figure>
    ) : null;
  // A long text is shown folded (after about ten lines) in feeds, with a toggle that works without JavaScript.
  const long = !props.full && textLength(post.contentHtml) > 600;
  const content = long ? (
    <div class="long">
      <input class="more-toggle sr-only" type="checkbox" id={`more-${post.id}`} />
      <div class="content folded">{raw(post.contentHtml)}</div>
      <label class="more" for={`more-${post.id}`}>
        <span class="when-folded">Show more</span>
        <span class="when-open">Show less</span>
      </label>
    </div>
  ) : (
    <div class="content">{raw(post.contentHtml)}</div>
  );
  const body = (
    <>
      {figure}
      {content}
      {post.quote ? <Quote quote={post.quote} local={author.isLocal} /> : null}
    </>
  );
  return (
    // Under a quote card, the post's own "RE:" fallback line is hidden (assets.ts: .has-quote .quote-inline).
    <article class={post.quote?.card ? "card post has-quote" : "card post"}>
      {props.boostedBy ? <p class="muted">🔁 {props.boostedBy.displayName} boosted</p> : null}
      <header class="post-author">
        <a href={author.path}>
          <Avatar account={author} />
          <span class="names">
            <strong>{author.displayName}</strong> <span class="handle">@{author.acct}</span>
          </span>
        </a>
      </header>
      {post.replyTo ? (
        <p class="reply-to muted">
          Replying to <a href={post.replyTo.path}>@{post.replyTo.acct}</a>
        </p>
      ) : null}
      {post.summary ? (
        <details>
          <summary>{post.summary}</summary>
          {body}
        </details>
      ) : (
        body
      )}
      {post.generated ? (
        <p class="ai-label">
          <span class="badge">AI-generated</span>
          {post.models.length ? (
            <span class="model">
              <span class="sr-only">with </span>
              {post.models.map(modelLabel).join(", ")}
            </span>
          ) : null}
        </p>
      ) : null}
      {post.prompts.map((p) => (
        <p class="prompt">
          {post.promptPublic ? "Prompt" : "Prompt (hidden: only you see it)"}: <q>{p}</q>
        </p>
      ))}
      <footer class="actions">
        <a href={post.path}>
          <time datetime={post.publishedAt}>{readableDate(post.publishedAt)}</time>
        </a>
        <span class="muted">
          {counted(post.counts.likes, "like")} · {counted(post.counts.boosts, "boost")} · {counted(post.counts.replies, "reply", "replies")}
          {post.counts.quotes ? ` · ${counted(post.counts.quotes, "quote")}` : ""}
        </span>
        {props.ctx.viewer ? (
          <>
            <ToggleForm action={`/posts/${post.id}/like`} on={post.viewer.liked} labels={["Like", "Liked"]} csrf={props.ctx.csrf} />
            {post.viewer.canBoost ? <ToggleForm action={`/posts/${post.id}/boost`} on={post.viewer.boosted} labels={["Boost", "Boosted"]} csrf={props.ctx.csrf} /> : null}
            <ToggleForm action={`/posts/${post.id}/bookmark`} on={post.viewer.bookmarked ?? false} labels={["Bookmark", "Bookmarked"]} csrf={props.ctx.csrf} />
            <a class="button" href={`/create?reply=${post.id}`}>
              Reply
            </a>
            <a class="button" href={`/create?remix=${post.id}`}>
              Remix
            </a>
          </>
        ) : null}
      </footer>
      {props.full && props.ctx.viewer?.id === author.id ? <OwnPostControls post={post} ctx={props.ctx} /> : null}
    </article>
  );
}

/**
 * Edit and Delete for the author, on the post's page. Delete asks first: in a
 * modal <dialog> (APP_JS opens it), or without JavaScript on a page of its own.
 */
function OwnPostControls(props: { post: PostView; ctx: PageContext }) {
  const { post } = props;
  const id = `delete-${post.id}`;
  return (
    <div class="own-post actions">
      <a class="button" href={`/posts/${post.id}/edit`}>
        Edit
      </a>
      <a class="button" href={`/posts/${post.id}/delete`} data-dialog={id}>
        Delete
      </a>
      <dialog class="confirm" id={id} aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`}>Delete this post?</h2>
        <p>It is removed for everyone, here and on the servers that received it. This cannot be undone.</p>
        <div class="actions">
          <form method="post" action={`/posts/${post.id}/delete`}>
            <input type="hidden" name="_csrf" value={props.ctx.csrf} />
            <input type="hidden" name="confirm" value="1" />
            <button class="danger" type="submit">
              Delete for good
            </button>
          </form>
          <form method="dialog">
            <button type="submit" autofocus>
              Cancel
            </button>
          </form>
        </div>
      </dialog>
    </div>
  );
}

/** The author's form to change a post's caption, content warning, sensitivity, prompt display and alt texts. */
export function EditPostPage(props: { ctx: PageContext; post: PostView; error?: string; values?: Record<string, string> }) {
  const { post } = props;
  const v = props.values;
  const val = (name: string, current: string) => (v ? (v[name] ?? "") : current);
  const checked = (name: string, current: boolean) => (v ? v[name] === "1" : current);
  return (
    <Layout title="Edit post" ctx={props.ctx}>
      <form method="post" action={`/posts/${post.id}/edit`} class="card">
        <h1>Edit post</h1>
        <FormError message={props.error} />
        <input type="hidden" name="_csrf" value={props.ctx.csrf} />
        {post.media.length ? (
          <fieldset class="choices-set">
            <legend>Alt texts</legend>
            <div class={post.media.length === 1 ? "choices one" : "choices"}>
              {post.media.map((m, i) => (
                <div class="choice">
                  <Picture m={m} />
                  <label class="alt-label" for={`alt_${m.id}`}>
                    Alt text for image {i + 1}
                  </label>
                  <input id={`alt_${m.id}`} name={`alt_${m.id}`} type="text" value={val(`alt_${m.id}`, m.alt)} maxlength={1500} placeholder="Describe the image for people who cannot see it" />
                </div>
              ))}
            </div>
          </fieldset>
        ) : null}
        <label for="caption">Caption</label>
        <textarea id="caption" name="caption" rows={4} maxlength={5000}>
          {val("caption", post.caption ?? "")}
        </textarea>
        <label for="summary">Content warning (optional)</label>
        <input id="summary" name="summary" type="text" value={val("summary", post.summary ?? "")} maxlength={500} />
        {post.generated ? (
          <label>
            <input type="checkbox" name="show_prompt" value="1" checked={checked("show_prompt", post.promptPublic)} /> Show the prompt
          </label>
        ) : null}
        <label>
          <input type="checkbox" name="sensitive" value="1" checked={checked("sensitive", post.sensitive)} /> Mark the images sensitive
        </label>
        <p class="actions">
          <button class="primary" type="submit">
            Save
          </button>
          <a class="button" href={post.path}>
            Cancel
          </a>
        </p>
      </form>
    </Layout>
  );
}

/** Asks before deleting (where the Delete form leads without its confirming field). */
export function DeletePostPage(props: { ctx: PageContext; post: PostView }) {
  return (
    <Layout title="Delete post" ctx={props.ctx}>
      <PostCard post={props.post} ctx={{ ...props.ctx, viewer: null }} />
      <form method="post" action={`/posts/${props.post.id}/delete`} class="card">
        <h1>Delete this post?</h1>
        <p>It is removed here and a deletion is sent to the servers that received it. This cannot be undone.</p>
        <input type="hidden" name="_csrf" value={props.ctx.csrf} />
        <input type="hidden" name="confirm" value="1" />
        <p class="actions">
          <button class="danger" type="submit">
            Delete for good
          </button>
          <a class="button" href={props.post.path}>
            Cancel
          </a>
        </p>
      </form>
    </Layout>
  );
}

export function PostPage(props: { post: PostView; ctx: PageContext; replies: PostView[]; ancestors: PostView[] }) {
  const { post } = props;
  const name = post.author.displayName;
  const first = post.media[0];
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
          {first ? <meta property="og:image" content={first.url} /> : null}
          {first ? <meta property="og:image:alt" content={first.alt} /> : null}
          <meta name="twitter:card" content={first ? "summary_large_image" : "summary"} />
          {first ? <meta name="twitter:image:alt" content={first.alt} /> : null}
        </>
      }
    >
      {props.ancestors.map((p) => (
        <PostCard post={p} ctx={props.ctx} />
      ))}
      <PostCard post={post} ctx={props.ctx} full />
      {props.replies.length ? <h2>Replies</h2> : null}
      {props.replies.map((p) => (
        <PostCard post={p} ctx={props.ctx} />
      ))}
    </Layout>
  );
}

/** How many characters of text an HTML fragment shows (roughly: tags and entities dropped). */
function textLength(html: string): number {
  return html.replace(/<[^>]*>/g, "").replace(/&[#a-z0-9]+;/gi, "x").length;
}

/** "1 like", "2 likes". */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
