import type { AccountSummary, NotificationItemView, PostView, QuoteCardView, TimelineItemView } from "../../read/views.ts";
import { readableDate } from "./format.ts";
import { FormError, Layout, type PageContext } from "./layout.tsx";
import { Avatar, PostCard, Quote } from "./post.tsx";

/** What a create or post form answers or remixes: a small card of that post. */
export type ContextCard = { kind: "reply" | "remix"; card: QuoteCardView };

export function ContextNote(props: { context?: ContextCard }) {
  if (!props.context) return null;
  const { kind, card } = props.context;
  return (
    <div class="context-card">
      <p class="muted">
        {kind === "reply" ? "Replying to " : "Remixing "}
        <a href={card.author.path}>@{card.author.acct}</a>
        {kind === "remix" ? ": the result is posted as a quote of it." : ""}
      </p>
      <Quote quote={{ iri: card.path, state: "accepted", card }} local={card.author.isLocal} label={kind === "reply" ? "The post you answer" : "The post you remix"} />
    </div>
  );
}

/** The front page for visitors who are not signed in: what this server is, a sample of its images, and the ways in. */
export function LandingPage(props: { ctx: PageContext; description: string; posts: PostView[]; signup: boolean }) {
  return (
    <Layout title={props.ctx.instanceName} ctx={props.ctx}>
      <section class="card landing">
        <h1>{props.ctx.instanceName}</h1>
        <p class="lead">{props.description}</p>
        <p class="actions">
          {props.signup ? (
            <a class="button primary" href="/signup">
              Sign up
            </a>
          ) : null}
          <a class={props.signup ? "button" : "button primary"} href="/login">
            Log in
          </a>
          <a class="button" href="/explore">
            Explore
          </a>
        </p>
      </section>
      {props.posts.length ? (
        <>
          <h2>Recently made here</h2>
          <section class="grid" aria-label="Recent images">
            {props.posts.map((p) => (
              <a href={p.path}>
                {p.media[0].unavailable ? <span class="media-link">{p.media[0].alt || "An image"}</span> : <img src={p.media[0].thumbUrl} alt={p.media[0].alt} loading="lazy" />}
              </a>
            ))}
          </section>
          <p>
            <a href="/explore">See all public posts</a>
          </p>
        </>
      ) : (
        <p class="muted">No public images yet.</p>
      )}
    </Layout>
  );
}

export function Csrf(props: { ctx: PageContext }) {
  return <input type="hidden" name="_csrf" value={props.ctx.csrf} />;
}

export function FeedPage(props: {
  title: string;
  ctx: PageContext;
  entries: TimelineItemView[];
  nextCursor: string | null;
  tabs?: Array<{ href: string; label: string; current: boolean }>;
  aside?: unknown;
  /** What to say, and where to go next, when there is nothing to show. */
  empty?: unknown;
}) {
  return (
    <Layout title={props.title} ctx={props.ctx}>
      <h1>{props.title}</h1>
      {props.tabs ? (
        <nav class="tabs" aria-label="Timelines">
          {props.tabs.map((t) => (
            <a class="button" href={t.href} aria-current={t.current ? "page" : undefined}>
              {t.label}
            </a>
          ))}
        </nav>
      ) : null}
      {props.aside as never}
      {props.entries.length === 0 ? <div class="card empty">{(props.empty as never) ?? <EmptyDefault ctx={props.ctx} />}</div> : null}
      {props.entries.map((e) => (
        <PostCard post={e.post} ctx={props.ctx} boostedBy={e.boostedBy} />
      ))}
      {props.nextCursor ? (
        <p>
          <a href={`?cursor=${encodeURIComponent(props.nextCursor)}`}>Older</a>
        </p>
      ) : null}
    </Layout>
  );
}

/** The next step from an empty page: make something (or log in first), or look around. */
export function NextSteps(props: { signedIn: boolean; create?: string }) {
  return (
    <p class="actions">
      {props.signedIn ? (
        <a class="button primary" href="/create">
          {props.create ?? "Create an image"}
        </a>
      ) : (
        <a class="button primary" href="/login">
          Log in
        </a>
      )}
      <a class="button" href="/explore">
        Explore posts
      </a>
    </p>
  );
}

function EmptyDefault(props: { ctx: PageContext }) {
  return (
    <>
      <p>Nothing here yet.</p>
      <NextSteps signedIn={Boolean(props.ctx.viewer)} />
    </>
  );
}

/** An empty page's message with the next steps as buttons (the first one primary). */
export function Empty(props: { message: string; steps: Array<{ href: string; label: string }> }) {
  return (
    <>
      <p>{props.message}</p>
      <p class="actions">
        {props.steps.map((s, i) => (
          <a class={i === 0 ? "button primary" : "button"} href={s.href}>
            {s.label}
          </a>
        ))}
      </p>
    </>
  );
}

export function FormPage(props: { title: string; ctx: PageContext; action: string; error?: string; intro?: string; footer?: unknown; hidden?: Record<string, string>; fields: Array<{ name: string; label: string; type?: string; value?: string; autocomplete?: string }>; submit: string }) {
  return (
    <Layout title={props.title} ctx={props.ctx}>
      <form method="post" action={props.action} class="card">
        <h1>{props.title}</h1>
        {props.intro ? <p>{props.intro}</p> : null}
        <FormError message={props.error} />
        <Csrf ctx={props.ctx} />
        {Object.entries(props.hidden ?? {}).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        {props.fields.map((f) => (
          <>
            <label for={f.name}>{f.label}</label>
            <input id={f.name} name={f.name} type={f.type ?? "text"} value={f.type === "password" ? undefined : f.value} autocomplete={f.autocomplete} required />
          </>
        ))}
        <p>
          <button class="primary" type="submit">
            {props.submit}
          </button>
        </p>
        {props.footer as never}
      </form>
    </Layout>
  );
}

const NOTIFICATION_TEXT: Record<string, string> = {
  follow: "followed you",
  follow_request: "asked to follow you",
  mention: "mentioned you",
  reply: "replied to your post",
  like: "liked your post",
  boost: "boosted your post",
  quote: "quoted your post",
};

/** Accept and Reject for one follow request; `back` is where the answer leads. */
function AnswerRequest(props: { ctx: PageContext; id: string; who: string; back: string }) {
  return (
    <span class="actions">
      {(["accept", "reject"] as const).map((answer) => (
        <form method="post" action={`/follow-requests/${encodeURIComponent(props.id)}/${answer}`}>
          <Csrf ctx={props.ctx} />
          <input type="hidden" name="back" value={props.back} />
          <button type="submit" class={answer === "accept" ? "primary" : undefined} aria-label={`${answer === "accept" ? "Accept" : "Reject"} ${props.who}`}>
            {answer === "accept" ? "Accept" : "Reject"}
          </button>
        </form>
      ))}
    </span>
  );
}

export function NotificationsPage(props: { ctx: PageContext; items: NotificationItemView[]; pendingRequests?: number }) {
  return (
    <Layout title="Notifications" ctx={props.ctx}>
      <h1>Notifications</h1>
      <p>
        <a href="/follow-requests">Follow requests{props.pendingRequests ? ` (${props.pendingRequests})` : ""}</a>
      </p>
      {props.items.length === 0 ? (
        <div class="card empty">
          <Empty message="No notifications yet. Likes, boosts, replies and new followers show up here." steps={[{ href: "/create", label: "Create an image" }, { href: "/explore", label: "Find people to follow" }]} />
        </div>
      ) : null}
      <ul>
        {props.items.map((n) => (
          <li class={n.read ? "notification muted" : "notification"}>
            <Avatar account={n.actor} /> <a href={n.actor.path}>{n.actor.displayName}</a> {NOTIFICATION_TEXT[n.type] ?? n.type}
            {n.postPath ? (
              <>
                {" "}
                · <a href={n.postPath}>view</a>
              </>
            ) : null}{" "}
            <time class="muted" datetime={n.createdAt}>
              {readableDate(n.createdAt)}
            </time>
            {n.followRequestId ? (
              <>
                {" "}
                <AnswerRequest ctx={props.ctx} id={n.followRequestId} who={n.actor.acct} back="/notifications" />
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </Layout>
  );
}

/** The follow requests a locked account has not answered yet, newest first. */
export function FollowRequestsPage(props: { ctx: PageContext; requests: Array<{ id: string; account: AccountSummary; createdAt: string }>; error?: string }) {
  return (
    <Layout title="Follow requests" ctx={props.ctx}>
      <h1>Follow requests</h1>
      <FormError message={props.error} />
      {props.requests.length === 0 ? <p class="muted">No one is waiting for an answer.</p> : null}
      <ul>
        {props.requests.map((r) => (
          <li>
            <a href={r.account.path}>{r.account.displayName}</a> <span class="handle">@{r.account.acct}</span>{" "}
            <time class="muted" datetime={r.createdAt}>
              {readableDate(r.createdAt)}
            </time>{" "}
            <AnswerRequest ctx={props.ctx} id={r.id} who={r.account.acct} back="/follow-requests" />
          </li>
        ))}
      </ul>
      <p class="muted">
        Accepted, they follow you and receive your followers-only posts from then on; rejected, their server is told and they can ask again.
      </p>
    </Layout>
  );
}
