import { Hono } from "hono";
import { secureHeaders, NONCE } from "hono/secure-headers";
import { streamSSE } from "hono/streaming";
import { type LocalAccount, normalizeUsername, validatePassword, validateUsername } from "../../domain/accounts.ts";
import { DomainError } from "../../domain/errors.ts";
import { type JobStatus, QuotaError } from "../../domain/generations.ts";
import type { PostDetails } from "../../domain/posts.ts";
import { ANONYMOUS, canSeePrompt, isListedPublicly, viewerOf } from "../../domain/visibility.ts";
import type { TimelinePage } from "../../read/timelines.ts";
import type { AccountRow, Visibility } from "../../storage/schema.ts";
import type { HttpDeps } from "../app.tsx";
import type { PageContext } from "../views/layout.tsx";
import { Empty, FeedPage, FollowRequestsPage, FormPage, LandingPage, NotificationsPage } from "../views/pages.tsx";
import { type CreateError, CreatePage, JobPage } from "../views/create.tsx";
import { counted, DeletePostPage, EditPostPage, PostPage } from "../views/post.tsx";
import { accountSummary, type MediaLinks, notificationView, type PostView, postView, quoteCard, type TimelineItemView, type ViewLinks } from "../../read/views.ts";
import { ErrorPage, NotFoundPage, ProfilePage } from "../views/profile.tsx";
import { APP_CSS, APP_JS } from "./assets.ts";
import { CREATE_CSS, CREATE_JS } from "./create-assets.ts";
import { iconPng, faviconIco, ICON_SVG, manifest } from "./icons.ts";
import { localMediaLinks, pageLinks } from "./page-links.ts";
import { registerSettings } from "./settings.tsx";
import { consentFormActions, oauthPages } from "./oauth.tsx";
import { instanceDescription } from "../../domain/instance.ts";
import { clientAddress, endSession, LoginLimits, safeNext, sessionMiddleware, startSession, type WebEnv } from "./session.ts";

type C = import("hono").Context<WebEnv>;
const str = (v: unknown) => (typeof v === "string" ? v : "");

/** The web app: sessions, pages and forms over the domain services. Plain forms work without JavaScript. */
export function webRoutes(deps: HttpDeps): Hono<WebEnv> {
  const { config, urls, accounts, follows, posts, reader, timelines, interactions, notifications, generations, sessions } = deps;
  const secure = config.publicUrl.protocol === "https:";
  const loginLimits = new LoginLimits({ perUsername: 5, perAddress: 20, windowMs: 15 * 60 * 1000 });
  const host = urls.host;
  const media: MediaLinks = localMediaLinks(urls);
  const links: ViewLinks = { host, media };
  /** Links for a page showing these posts and accounts: remote images from their cached copies here (asked for when missing). */
  const linksFor = (items: PostDetails[], people: AccountRow[] = [], full = false) => pageLinks(links, urls, deps.remoteMedia, items, people, { full });
  const app = new Hono<WebEnv>();
  /** One line about this server (as the instance API says it). */
  const description = instanceDescription(config.instanceName);
  /** Where a form asks to return: a path on this origin (a `back` field or the Referer), else `fallback`. */
  function backTo(raw: string | undefined, fallback: string): string {
    let path = raw ?? "";
    if (/^https?:\/\//i.test(path)) {
      try {
        const u = new URL(path);
        path = u.origin === urls.origin.origin ? `${u.pathname}${u.search}${u.hash}` : "";
      } catch {
        path = "";
      }
    }
    const safe = safeNext(path, urls.origin);
    return safe === "/" && path !== "/" ? fallback : safe;
  }

  app.get("/assets/app.css", (c) => c.body(APP_CSS, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=3600" }));
  app.get("/assets/app.js", (c) => c.body(APP_JS, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=3600" }));
  app.get("/assets/create.css", (c) => c.body(CREATE_CSS, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=3600" }));
  app.get("/assets/create.js", (c) => c.body(CREATE_JS, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=3600" }));
  // The icon (SVG, and PNG/ICO drawn from it once) and the web app manifest.
  const icon = { "Cache-Control": "public, max-age=86400" };
  app.get("/favicon.svg", (c) => c.body(ICON_SVG, 200, { "Content-Type": "image/svg+xml", ...icon }));
  app.get("/favicon.ico", async (c) => c.body(new Uint8Array(await faviconIco()), 200, { "Content-Type": "image/x-icon", ...icon }));
  app.get("/:file{icon-(?:192|512)\\.png}", async (c) => c.body(new Uint8Array(await iconPng(c.req.param("file").includes("512") ? 512 : 192)), 200, { "Content-Type": "image/png", ...icon }));
  app.get("/manifest.webmanifest", (c) => c.body(JSON.stringify(manifest(config.instanceName)), 200, { "Content-Type": "application/manifest+json", ...icon }));

  // The OAuth consent page's form may end at the app's redirect URI (set after the security headers).
  const formActions = consentFormActions();
  app.use("/oauth/authorize", formActions.middleware);
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: [NONCE, "'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "https:", "data:"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
      referrerPolicy: "same-origin",
    }),
  );
  app.use(sessionMiddleware(sessions, secure, async (c, message) => c.html(<ErrorPage ctx={await ctx(c)} title="The form expired" message={message} back={backTo(c.req.header("Referer"), "") || undefined} />, 403)));

  const ctx = async (c: C): Promise<PageContext> => {
    const viewer = c.get("viewer");
    return {
      instanceName: config.instanceName,
      viewer,
      csrf: c.get("csrf"),
      nonce: c.get("secureHeadersNonce"),
      unread: viewer ? await notifications.countUnread(viewer.id) : 0,
      path: c.req.path,
    };
  };
  /** A refused action: the message for the small script (a fetch), else a page with a way back. */
  const failed = async (c: C, message: string, status: number, back?: string) =>
    c.req.header("X-Requested-With") === "fetch"
      ? c.text(message, status as 400)
      : c.html(<ErrorPage ctx={await ctx(c)} title="That did not work" message={message} back={back ?? (backTo(c.req.header("Referer"), "") || undefined)} />, status as 400);
  const notFound = async (c: C, what = "Nothing lives at this address.") => c.html(<NotFoundPage ctx={await ctx(c)} what={what} />, 404);
  const signedIn = (c: C): LocalAccount | Response => c.get("viewer") ?? c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
  /** Posts as the signed-in viewer (or anonymous) sees them, with what they liked and boosted. */
  /** …and the posts they quote, drawn as cards when the viewer may see those too (`full`: a post's own page). */
  const views = async (c: C, items: PostDetails[], full = false) => {
    const viewer = c.get("viewer");
    const who = viewerOf(viewer);
    const ids = items.map((d) => d.post.id);
    const [states, marks, quoted, parents] = await Promise.all([
      viewer ? interactions.viewerState(viewer.id, ids) : undefined,
      viewer ? deps.parts.marks(viewer.id, ids) : undefined,
      reader.quotedBy(who, items),
      parentsOf(c, items),
    ]);
    // The authors' avatars come from their cached copies too.
    const page = await linksFor([...items, ...quoted.values()], items.map((d) => d.author), full);
    return items.map((d) => {
      const view = postView(d, who, page, states?.get(d.post.id), d.post.quote_iri ? quoted.get(d.post.quote_iri) : undefined);
      if (marks) view.viewer.bookmarked = marks.bookmarked.has(d.post.id);
      const parent = d.post.in_reply_to_iri ? parents.get(d.post.in_reply_to_iri) : undefined;
      if (parent) view.replyTo = { path: parent.author.domain === null ? `/@${parent.author.username}/${parent.post.id}` : `/posts/${parent.post.id}`, acct: accountSummary(parent.author, links).acct };
      return view;
    });
  };
  /** The posts these answer, by IRI, that the viewer may see (a hidden one is left out, as if it did not exist). */
  const parentsOf = async (c: C, items: PostDetails[]) => {
    const who = viewerOf(c.get("viewer"));
    const iris = [...new Set(items.map((d) => d.post.in_reply_to_iri).filter((i): i is string => Boolean(i)))];
    const found = await Promise.all(iris.map((iri) => reader.getByIri(who, iri)));
    return new Map(iris.flatMap((iri, i) => (found[i] ? [[iri, found[i]] as const] : [])));
  };
  const feed = async (c: C, title: string, page: TimelinePage, extra: Partial<Parameters<typeof FeedPage>[0]> = {}) => {
    const posts = await views(c, page.items.map((e) => e.details));
    const entries: TimelineItemView[] = page.items.map((e, i) => ({ id: e.id, post: posts[i], boostedBy: e.boostedBy && accountSummary(e.boostedBy, links) }));
    return c.html(<FeedPage title={title} ctx={await ctx(c)} entries={entries} nextCursor={page.nextCursor} {...extra} />);
  };

  // First run, accounts, sessions.
  app.get("/", async (c) => {
    if ((await accounts.countLocal()) === 0) return c.redirect("/setup", 303);
    const viewer = c.get("viewer");
    if (!viewer) {
      // Logged out: what this server is, a sample of its recent public images, and the ways in.
      const page = await timelines.local(ANONYMOUS, { limit: 24 });
      const sample = page.items.filter((e) => !e.boostedBy && e.details.media.length && !e.details.post.sensitive && !e.details.post.summary).slice(0, 12);
      return c.html(<LandingPage ctx={await ctx(c)} description={description} posts={await views(c, sample.map((e) => e.details))} signup={(await deps.instance.registrations()) === "open"} />);
    }
    return feed(c, "Home", await timelines.home(viewerOf(viewer), { cursor: c.req.query("cursor") }), {
      empty: (
        <Empty
          message="Your home feed is empty. Posts of the people you follow, and your own, show up here."
          steps={[
            { href: "/create", label: "Create an image" },
            { href: "/explore", label: "Find people to follow" },
          ]}
        />
      ),
    });
  });

  /** A username and password form; `values.invite` and `values.next` travel along as hidden fields. */
  const accountForm = (title: string, action: string, submit: string, intro?: string) => async (c: C, error?: string, values: Record<string, string> = {}, status?: 422 | 429 | 503) => {
    const hidden = Object.fromEntries(["invite", "next"].filter((k) => values[k]).map((k) => [k, values[k]]));
    // Logging in, a way to sign up instead (when anyone may); signing up, a way to log in.
    const footer =
      action === "/login" && (await deps.instance.registrations()) === "open" ? (
        <p class="muted">
          New here? <a href="/signup">Sign up</a>
        </p>
      ) : action === "/signup" ? (
        <p class="muted">
          Already have an account? <a href="/login">Log in</a>
        </p>
      ) : undefined;
    return c.html(
      <FormPage title={title} ctx={await ctx(c)} action={action} error={error} intro={intro} submit={submit} footer={footer} hidden={Object.keys(hidden).length ? hidden : undefined} fields={[
        { name: "username", label: "Username", value: values.username, autocomplete: "username" },
        { name: "password", label: "Password (10 characters or more)", type: "password", autocomplete: action === "/login" ? "current-password" : "new-password" },
      ]} />,
      error ? (status ?? 422) : 200,
    );
  };
  const setupForm = accountForm("Welcome to Pictor", "/setup", "Create the admin account", "This instance has no accounts yet. The first one is its administrator.");
  const signupForm = accountForm("Sign up", "/signup", "Sign up");
  const loginForm = accountForm("Log in", "/login", "Log in");

  const createAndSignIn = async (c: C, admin: boolean, form: typeof setupForm, invite?: string) => {
    const body = await c.req.parseBody();
    const values = { username: str(body.username), ...(invite ? { invite } : {}) };
    try {
      validateUsername(values.username);
      validatePassword(str(body.password));
      // The invitation is spent, and the first account checked to be the only one, in the
      // transaction that creates the account: a burst cannot share one invite or make two admins.
      const account = await accounts.createLocal(
        { username: values.username, password: str(body.password), admin },
        { inTransaction: invite ? (trx, id) => deps.instance.spendInvite(trx, invite, id) : undefined, onlyIfFirst: admin },
      );
      startSession(c, await sessions.create(account.id, c.req.header("User-Agent")), secure);
      return c.redirect("/", 303);
    } catch (error) {
      if (error instanceof DomainError) return form(c, error.message, values, error.status === 503 ? 503 : undefined);
      throw error;
    }
  };
  /** Whether this request may sign up: open registrations, or a live invitation. */
  const mayJoin = async (c: C, invite: string): Promise<boolean> => {
    const mode = await deps.instance.registrations();
    return mode === "open" || (mode === "invite" && (await deps.instance.inviteValid(invite)));
  };
  const closed = (c: C) => notFound(c, "Registrations are closed on this instance (or the invitation is used up or expired).");
  app.get("/setup", async (c) => ((await accounts.countLocal()) > 0 ? c.redirect("/login", 303) : setupForm(c)));
  app.post("/setup", async (c) => ((await accounts.countLocal()) > 0 ? c.redirect("/login", 303) : createAndSignIn(c, true, setupForm)));
  app.get("/signup", async (c) => {
    const invite = c.req.query("invite") ?? "";
    return (await mayJoin(c, invite)) ? signupForm(c, undefined, invite ? { invite } : {}) : closed(c);
  });
  app.post("/signup", async (c) => {
    const invite = str((await c.req.parseBody()).invite);
    if (!(await mayJoin(c, invite))) return closed(c);
    return createAndSignIn(c, false, signupForm, (await deps.instance.registrations()) === "invite" ? invite : undefined);
  });
  // `next` (where to go after signing in) travels through the form; only a path on this origin is followed.
  const nextOf = (raw: string | undefined): Record<string, string> => {
    const next = safeNext(raw, urls.origin);
    return next === "/" ? {} : { next };
  };
  app.get("/login", (c) => loginForm(c, undefined, nextOf(c.req.query("next"))));
  app.post("/login", async (c) => {
    const body = await c.req.parseBody();
    const username = str(body.username);
    const values: Record<string, string> = { username, ...nextOf(str(body.next) || c.req.query("next")) };
    // Limited per account (however the name is typed) and per client address (X-Forwarded-For only with TRUST_PROXY).
    const who = normalizeUsername(username);
    const address = clientAddress(c, config.trustProxy);
    if (!loginLimits.begin(who, address)) return loginForm(c, "Too many attempts. Wait a few minutes and try again.", values, 429);
    let account: LocalAccount | undefined;
    try {
      account = await accounts.checkPassword(username, str(body.password));
    } catch (error) {
      if (!(error instanceof DomainError && error.code === "busy")) throw error;
      loginLimits.abandoned(who, address);
      return loginForm(c, error.message, values, 503);
    }
    if (!account) return loginForm(c, "Wrong username or password.", values);
    if (account.suspended_at) return loginForm(c, "This account is suspended.", values);
    loginLimits.succeeded(who, address);
    startSession(c, await sessions.create(account.id, c.req.header("User-Agent")), secure);
    return c.redirect(values.next ?? "/", 303);
  });
  app.post("/logout", async (c) => {
    await sessions.destroy(c.get("sessionToken"));
    endSession(c, secure);
    return c.redirect("/", 303);
  });

  // Timelines.
  app.get("/explore", async (c) => {
    const tab = c.req.query("tab") === "federated" ? "federated" : "local";
    const who = viewerOf(c.get("viewer"));
    const page = tab === "federated" ? await timelines.federated(who, { cursor: c.req.query("cursor") }) : await timelines.local(who, { cursor: c.req.query("cursor") });
    const trending = await reader.trendingTags(10);
    return feed(c, "Explore", page, {
      empty: (
        <Empty
          message={tab === "local" ? "No one here has posted publicly yet." : "No posts from other servers yet: they arrive when people here follow someone elsewhere."}
          steps={
            c.get("viewer")
              ? [
                  { href: "/create", label: "Create the first image" },
                  ...(tab === "local" ? [{ href: "/explore?tab=federated", label: "See other servers" }] : [{ href: "/search", label: "Search for @user@host" }]),
                ]
              : [{ href: "/login", label: "Log in" }]
          }
        />
      ),
      tabs: [
        { href: "/explore", label: "Local", current: tab === "local" },
        { href: "/explore?tab=federated", label: "Federated", current: tab === "federated" },
      ],
      aside: trending.length ? (
        <section class="card trending" aria-labelledby="trending-title">
          <h2 id="trending-title">Trending hashtags</h2>
          <p class="muted">Public posts of the last 7 days.</p>
          <ul class="tag-list">
            {trending.map((t) => (
              <li>
                <a href={`/tags/${encodeURIComponent(t.tag)}`}>#{t.tag}</a> <span class="muted">{counted(t.uses, "post")} by {counted(t.people, "person", "people")}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null,
    });
  });
  app.get("/tags/:tag", async (c) =>
    feed(c, `#${c.req.param("tag")}`, await timelines.hashtag(viewerOf(c.get("viewer")), c.req.param("tag"), { cursor: c.req.query("cursor") }), {
      empty: <Empty message={`No posts with #${c.req.param("tag")} yet.`} steps={[...(c.get("viewer") ? [{ href: "/create", label: "Create one" }] : []), { href: "/explore", label: "Explore posts" }]} />,
    }),
  );

  // Profiles (local /@alice and remote /@bob@host), their posts, and their feeds.
  app.get("/:handle{@[A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+)?(?:\\.atom)?}", async (c) => {
    let handle = c.req.param("handle").slice(1);
    const atom = handle.endsWith(".atom");
    if (atom) handle = handle.slice(0, -5);
    const [username, domain] = handle.toLowerCase().split("@");
    const account = domain && domain !== host.toLowerCase() ? await accounts.getRemoteByHandle(username, domain) : await accounts.getLocalByUsername(username);
    if (!account || (atom && account.domain !== null)) return notFound(c, "No such account.");
    const viewer = c.get("viewer");
    // The Atom feed is the same for everyone: what anonymous readers may see.
    const page = await timelines.profile(atom ? ANONYMOUS : viewerOf(viewer), account, { cursor: c.req.query("cursor"), limit: 30 });
    if (atom) return c.body(atomFeed(account, page.items.map((e) => postView(e.details, ANONYMOUS, links))), 200, { "Content-Type": "application/atom+xml; charset=utf-8" });
    const [followers, following] = await Promise.all([follows.countFollowers(account.id), follows.countFollowing(account.id)]);
    const rel = viewer && viewer.id !== account.id ? await follows.getByPair(viewer.id, account.id) : undefined;
    const relation = viewer && viewer.id !== account.id ? await deps.moderation.relationship(viewer.id, account.id) : null;
    c.header("Link", `<${account.iri}>; rel="alternate"; type="application/activity+json"`);
    return c.html(
      <ProfilePage account={accountSummary(account, await linksFor([], [account]))} ctx={await ctx(c)} followers={followers} following={following} posts={await views(c, page.items.map((e) => e.details))} followState={viewer && viewer.id !== account.id ? (rel?.state ?? "none") : null} relation={relation} nextCursor={page.nextCursor} />,
    );
  });

  /** A post's page: "gone" only to those who could have seen it, and a hidden post is "no such post", as a missing one. */
  const postPage = async (c: C, id: string, handle?: string) => {
    const viewer = c.get("viewer");
    const found = await reader.lookup(viewerOf(viewer), id);
    if (found.kind === "none" || (handle !== undefined && (found.details.author.domain !== null || found.details.author.username !== handle.toLowerCase()))) {
      return notFound(c, "No such post.");
    }
    if (found.kind === "gone") return c.html(<NotFoundPage ctx={await ctx(c)} what="This post was deleted." />, 410);
    const { details } = found;
    const thread = await reader.thread(viewerOf(viewer), details);
    const [post, ...rest] = await views(c, [details, ...thread.ancestors, ...thread.replies], true);
    c.header("Link", `<${details.post.iri}>; rel="alternate"; type="application/activity+json"`);
    return c.html(<PostPage post={post} ctx={await ctx(c)} ancestors={rest.slice(0, thread.ancestors.length)} replies={rest.slice(thread.ancestors.length)} />);
  };
  app.get("/:handle{@[A-Za-z0-9_]+}/:id", async (c) => postPage(c, c.req.param("id"), c.req.param("handle").slice(1)));
  app.get("/posts/:id", async (c) => postPage(c, c.req.param("id")));
  /** A post the signed-in viewer may see, by the id a form or link carried; undefined when there is none. */
  const visiblePost = async (c: C, id: string) => (id ? reader.get(viewerOf(c.get("viewer")), id) : undefined);

  /** A small card of the post being answered or remixed (already checked visible to the viewer). */
  const contextCard = async (reply?: PostDetails, remix?: PostDetails) => {
    const target = reply ?? remix;
    if (!target) return undefined;
    return { kind: reply ? ("reply" as const) : ("remix" as const), card: quoteCard(target, await linksFor([target], [target.author])) };
  };

  // Creating: prompt → job → choose images, caption, alt text → post.
  app.get("/create", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    // Remix and reply targets go through the visibility rule: a post you may not see is as if it did not exist.
    const remix = await visiblePost(c, c.req.query("remix") ?? "");
    const reply = await visiblePost(c, c.req.query("reply") ?? "");
    if ((c.req.query("remix") && !remix) || (c.req.query("reply") && !reply)) return notFound(c, "No such post.");
    // A remix starts from the prompt only when its author shows it.
    const shown = remix && canSeePrompt(viewerOf(viewer), remix.post) ? remix.media.find((m) => m.prompt)?.prompt : undefined;
    const prompt = c.req.query("prompt") ?? shown ?? (remix ? remix.post.caption ?? "" : "");
    return c.html(<CreatePage ctx={await ctx(c)} prompt={prompt} choices={generations.choices()} quota={await generations.quota(viewer)} reply={reply?.post.id} remix={remix?.post.id} remixOf={remix ? `@${remix.author.username}@${remix.author.domain ?? host}` : undefined} context={await contextCard(reply, remix)} />);
  });
  app.post("/create", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    const body = await c.req.parseBody();
    const remix = await visiblePost(c, str(body.remix));
    const reply = await visiblePost(c, str(body.reply));
    if ((str(body.remix) && !remix) || (str(body.reply) && !reply)) return notFound(c, "No such post.");
    try {
      const job = await generations.request(viewer, {
        prompt: str(body.prompt),
        model: str(body.model) || undefined,
        size: str(body.size) || undefined,
        n: Number(str(body.n) || 1),
        // With a provider that edits, the remixed image is the reference.
        sourceMediaId: remix && deps.canEdit ? remix.media[0]?.id : undefined,
      });
      const q = new URLSearchParams();
      if (str(body.reply)) q.set("reply", str(body.reply));
      if (remix) q.set("quote", remix.post.id);
      return c.redirect(`/create/${job.id}${q.size ? `?${q}` : ""}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // The page again with what was typed and chosen, and why it was refused (over the daily limit: how many are left, and when more come).
      const shown: CreateError = error instanceof QuotaError ? { requested: error.requested, quota: error.quota } : { message: error.message };
      const page = <CreatePage ctx={await ctx(c)} error={shown} prompt={str(body.prompt)} choices={generations.choices()} quota={await generations.quota(viewer)} model={str(body.model)} size={str(body.size)} n={str(body.n)} reply={reply?.post.id} remix={remix?.post.id} context={await contextCard(reply, remix)} />;
      return c.html(page, error.status === 429 ? 429 : 422);
    }
  });
  const jobStatus = async (c: C): Promise<JobStatus | undefined> => {
    const viewer = c.get("viewer");
    if (!viewer) return undefined;
    return generations.status(c.req.param("id") ?? "", viewer.id).catch(() => undefined);
  };
  app.get("/create/:id", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    const status = await jobStatus(c);
    if (!status) return notFound(c, "No such generation.");
    const prefs = await accounts.preferences(viewer.id);
    const values = { visibility: prefs.defaultVisibility, show_prompt: prefs.showPromptDefault ? "1" : "0" };
    const reply = await visiblePost(c, c.req.query("reply") ?? "");
    const quote = await visiblePost(c, c.req.query("quote") ?? "");
    return c.html(<JobPage ctx={await ctx(c)} status={status} links={links} reply={reply?.post.id} quote={quote?.post.id} values={values} context={await contextCard(reply, quote)} />);
  });
  // Progress for scripts: one JSON answer, or server-sent events until the job ends.
  app.get("/api/generations/:id", async (c) => {
    const status = await jobStatus(c);
    if (!status) return c.json({ error: "not found" }, 404);
    return c.json(statusJson(status, media));
  });
  app.get("/api/generations/:id/events", async (c) => {
    const first = await jobStatus(c);
    if (!first) return c.json({ error: "not found" }, 404);
    return streamSSE(c, async (stream) => {
      let status: JobStatus | undefined = first;
      while (status && !stream.aborted) {
        await stream.writeSSE({ event: "status", data: JSON.stringify(statusJson(status, media)) });
        if (status.job.state === "done" || status.job.state === "failed") break;
        await stream.sleep(500);
        status = await jobStatus(c);
      }
    });
  });

  app.post("/posts", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    const body = await c.req.parseBody({ all: true });
    const status = await generations.status(str(body.job), viewer.id).catch(() => undefined);
    if (!status) return notFound(c, "No such generation.");
    const chosen = ([] as unknown[]).concat(body.media ?? []).map(str).filter(Boolean);
    const reply = await visiblePost(c, str(body.reply));
    const quote = await visiblePost(c, str(body.quote));
    if ((str(body.reply) && !reply) || (str(body.quote) && !quote)) return notFound(c, "No such post.");
    try {
      const details = await posts.create(viewer, {
        mediaIds: chosen,
        alts: chosen.map((id) => str(body[`alt_${id}`])),
        caption: str(body.caption),
        summary: str(body.summary) || null,
        sensitive: str(body.sensitive) === "1",
        visibility: (str(body.visibility) || "public") as Visibility,
        showPrompt: str(body.show_prompt) === "1",
        inReplyTo: reply?.post.iri,
        quote: quote?.post.iri,
      });
      return c.redirect(details.post.url ?? "/", 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const values = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Array.isArray(v) ? v.map(str).join(",") : str(v)]));
      values.show_prompt = str(body.show_prompt) === "1" ? "1" : "0";
      return c.html(<JobPage ctx={await ctx(c)} status={status} links={links} error={error.message} reply={reply?.post.id} quote={quote?.post.id} values={values} context={await contextCard(reply, quote)} />, 422);
    }
  });

  // Editing and deleting one's own posts. Others (and posts they may not see) get "no such post" or 403, as the domain says.
  /** The viewer's own post by id, or the answer to send instead: 404 when they may not see it, 403 when it is someone else's. */
  const ownPost = async (c: C, viewer: LocalAccount): Promise<PostDetails | Response> => {
    const details = await visiblePost(c, c.req.param("id") ?? "");
    if (!details) return notFound(c, "No such post.");
    if (details.post.account_id !== viewer.id) return failed(c, "Only the author can change or delete a post.", 403);
    return details;
  };
  const editPage = async (c: C, details: PostDetails, error?: string, values?: Record<string, string>) => {
    const [post] = await views(c, [details], true);
    return c.html(<EditPostPage ctx={await ctx(c)} post={post} error={error} values={values} />, error ? 422 : 200);
  };
  app.get("/posts/:id/edit", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    const details = await ownPost(c, viewer);
    return details instanceof Response ? details : editPage(c, details);
  });
  app.post("/posts/:id/edit", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    const details = await ownPost(c, viewer);
    if (details instanceof Response) return details;
    const body = await c.req.parseBody();
    try {
      const edited = await posts.edit(viewer, details.post.id, {
        caption: str(body.caption),
        summary: str(body.summary).trim() || null,
        sensitive: str(body.sensitive) === "1",
        showPrompt: str(body.show_prompt) === "1",
        alts: details.media.map((m) => str(body[`alt_${m.id}`])),
      });
      return c.redirect(postView(edited, viewerOf(viewer), links).path, 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.status !== 422 && error.status !== 400) return failed(c, error.message, error.status);
      return editPage(c, details, error.message, Object.fromEntries(Object.entries(body).map(([k, v]) => [k, str(v)])));
    }
  });
  app.get("/posts/:id/delete", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    const details = await ownPost(c, viewer);
    if (details instanceof Response) return details;
    const [post] = await views(c, [details]);
    return c.html(<DeletePostPage ctx={await ctx(c)} post={post} />);
  });
  app.post("/posts/:id/delete", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    const details = await ownPost(c, viewer);
    if (details instanceof Response) return details;
    // Only the confirming button deletes; anything else goes to the page that asks.
    if (str((await c.req.parseBody()).confirm) !== "1") return c.redirect(`/posts/${details.post.id}/delete`, 303);
    try {
      await posts.delete(viewer, details.post.id);
    } catch (error) {
      if (error instanceof DomainError) return failed(c, error.message, error.status);
      throw error;
    }
    return c.redirect(`/@${viewer.username}`, 303);
  });

  // Interactions: plain forms, or JSON for the small script.
  const answer = (c: C, back: string, state: { pressed: boolean; label: string; next: string }) =>
    c.req.header("X-Requested-With") === "fetch" ? c.json(state) : c.redirect(back, 303);
  for (const type of ["like", "boost"] as const) {
    app.post(`/posts/:id/${type}`, async (c) => {
      const viewer = signedIn(c);
      if (viewer instanceof Response) return viewer;
      const details = await visiblePost(c, c.req.param("id"));
      if (!details) return notFound(c, "No such post.");
      const undo = str((await c.req.parseBody()).action) === "undo";
      try {
        if (undo) await interactions.undo(type, viewer, details);
        else await interactions.act(type, viewer, details);
      } catch (error) {
        if (error instanceof DomainError) return failed(c, error.message, error.status);
        throw error;
      }
      const labels = type === "like" ? ["Like", "Liked"] : ["Boost", "Boosted"];
      return answer(c, backTo(c.req.header("Referer"), details.author.domain === null ? `/@${details.author.username}/${details.post.id}` : `/posts/${details.post.id}`), { pressed: !undo, label: labels[undo ? 0 : 1], next: undo ? "do" : "undo" });
    });
  }
  // Bookmarks: private to the viewer, sent nowhere; listed on /bookmarks, newest first.
  app.post("/posts/:id/bookmark", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    const details = await visiblePost(c, c.req.param("id"));
    if (!details) return notFound(c, "No such post.");
    const undo = str((await c.req.parseBody()).action) === "undo";
    await (undo ? deps.bookmarks.unbookmark(viewer, details) : deps.bookmarks.bookmark(viewer, details));
    return answer(c, backTo(c.req.header("Referer"), "/bookmarks"), { pressed: !undo, label: undo ? "Bookmark" : "Bookmarked", next: undo ? "do" : "undo" });
  });
  app.get("/bookmarks", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    const limit = 20;
    const saved = await deps.accountReads.saved(viewerOf(viewer), "bookmark", { cursor: c.req.query("cursor"), limit });
    const found = await posts.detailsMany(saved.map((s) => s.item));
    const items = saved.flatMap((s) => (found.has(s.item) ? [found.get(s.item)!] : []));
    const shown = await views(c, items);
    return c.html(
      <FeedPage
        title="Bookmarks"
        ctx={await ctx(c)}
        entries={shown.map((post) => ({ id: post.id, post, boostedBy: null }))}
        nextCursor={saved.length === limit ? saved[saved.length - 1].key : null}
        empty={<Empty message="No bookmarks yet. Press Bookmark under a post to keep it here; only you see them." steps={[{ href: "/explore", label: "Explore posts" }, { href: "/", label: "Home" }]} />}
      />,
    );
  });
  app.post("/follow", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    const body = await c.req.parseBody();
    try {
      const target = await deps.resolveAccount(str(body.target));
      const back = target.domain === null ? `/@${target.username}` : `/@${target.username}@${target.domain}`;
      if (str(body.action) === "unfollow") {
        await follows.unfollow(viewer, target);
        return answer(c, back, { pressed: false, label: "Follow", next: "follow" });
      }
      const row = await follows.follow(viewer, target);
      return answer(c, back, { pressed: true, label: row.state === "accepted" ? "Following" : "Requested", next: "unfollow" });
    } catch (error) {
      if (error instanceof DomainError) return failed(c, error.message, error.status);
      throw error;
    }
  });
  // Blocks and mutes of people: the same form as /follow; `action=undo` lifts them. `back` (a local path) says where to return.
  for (const kind of ["block", "mute"] as const) {
    app.post(`/${kind}`, async (c) => {
      const viewer = signedIn(c);
      if (viewer instanceof Response) return viewer;
      const body = await c.req.parseBody();
      const undo = str(body.action) === "undo";
      const raw = str(body.target).trim();
      try {
        // A known account by its IRI needs no lookup over the network.
        const target = (/^https?:\/\//.test(raw) ? await accounts.getByIri(raw) : undefined) ?? (await deps.resolveAccount(raw));
        if (kind === "block") await (undo ? deps.moderation.unblockAccount(viewer, target) : deps.moderation.blockAccount(viewer, target));
        else await (undo ? deps.moderation.unmuteAccount(viewer, target) : deps.moderation.muteAccount(viewer, target));
        const back = backTo(str(body.back), target.domain === null ? `/@${target.username}` : `/@${target.username}@${target.domain}`);
        const labels = kind === "block" ? ["Block", "Blocked"] : ["Mute", "Muted"];
        return answer(c, back, { pressed: !undo, label: labels[undo ? 0 : 1], next: undo ? "do" : "undo" });
      } catch (error) {
        if (error instanceof DomainError) return failed(c, error.message, error.status);
        throw error;
      }
    });
  }
  // Search: a handle, or the URL of a profile or a post (here or elsewhere); a post opens here, where one can act on it.
  app.get("/search", async (c) => {
    const q = c.req.query("q")?.trim();
    if (!q) return notFound(c, "Search for @user@host, or the address of a profile or a post.");
    try {
      const found = await deps.search(q);
      if (found.kind === "account") {
        const { account } = found;
        return c.redirect(account.domain === null ? `/@${account.username}` : `/@${account.username}@${account.domain}`, 303);
      }
      // A post the viewer may not see is as one that does not exist.
      const details = await reader.get(viewerOf(c.get("viewer")), found.details.post.id);
      if (!details) return notFound(c, "No such post.");
      return c.redirect(postView(details, viewerOf(c.get("viewer")), links).path, 303);
    } catch (error) {
      if (error instanceof DomainError) return notFound(c, error.message);
      throw error;
    }
  });

  app.get("/notifications", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    const [page, requests] = await Promise.all([notifications.list(viewer.id, { cursor: c.req.query("cursor") }), follows.pendingRequests(viewer.id)]);
    // Follow requests still waiting show Accept and Reject where they were announced.
    const pending = new Map(requests.map((r) => [r.account.id, r.follow.id]));
    const people = await linksFor([], page.items.map((n) => n.actor));
    const html = <NotificationsPage ctx={await ctx(c)} items={page.items.map((n) => notificationView(n, people, pending))} pendingRequests={requests.length} />;
    await notifications.markRead(viewer.id);
    return c.html(html);
  });

  // Follow requests (locked accounts): listed, and answered here or from the notifications.
  const requestsPage = async (c: C, viewer: LocalAccount, error?: string) => {
    const requests = await follows.pendingRequests(viewer.id);
    const items = requests.map((r) => ({ id: r.follow.id, account: accountSummary(r.account, links), createdAt: r.follow.created_at }));
    return c.html(<FollowRequestsPage ctx={await ctx(c)} requests={items} error={error} />, error ? 404 : 200);
  };
  app.get("/follow-requests", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    return requestsPage(c, viewer);
  });
  app.post("/follow-requests/:id/:answer{accept|reject}", async (c) => {
    const viewer = signedIn(c);
    if (viewer instanceof Response) return viewer;
    const accept = c.req.param("answer") === "accept";
    try {
      await follows.answerRequest(viewer, c.req.param("id"), accept);
    } catch (error) {
      if (error instanceof DomainError) return requestsPage(c, viewer, "That follow request was already answered or withdrawn.");
      throw error;
    }
    const back = str((await c.req.parseBody()).back);
    return answer(c, backTo(back, "/follow-requests"), { pressed: accept, label: accept ? "Accepted" : "Rejected", next: "" });
  });

  registerSettings(app, deps, { ctx, notFound, signedIn, media });
  app.route("/", oauthPages(deps, { ctx, notFound, signedIn, media }, formActions));

  app.notFound(async (c) => notFound(c));
  // Whatever else a browser asks for ends here (the app also sends its own unanswered page requests here): a page, not bare text.
  app.get("*", async (c, next) => ((c.req.header("Accept") ?? "").includes("text/html") ? notFound(c) : next()));
  return app;
}

function statusJson({ job, media: items, elapsedMs }: JobStatus, media: MediaLinks) {
  return {
    id: job.id,
    state: job.state,
    elapsedMs,
    error: job.state === "failed" ? { code: job.error_code, message: job.error_message } : null,
    media: items.map((m) => ({ id: m.id, url: media.full(m), thumbnail: media.thumb(m), width: m.width, height: m.height })),
  };
}

const xml = (s: string) => s.replace(/[<>&'"]/g, (ch) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[ch]!);

/** An Atom feed of a local account's public posts. */
function atomFeed(account: { iri: string; url: string | null; username: string; display_name: string; updated_at: string }, items: PostView[]): string {
  const entries = items
    .filter((p) => isListedPublicly(p.visibility))
    .map(
      (p) => `  <entry>
    <id>${xml(p.iri)}</id>
    <title>${xml(p.caption?.slice(0, 80) || "An AI-generated image")}</title>
    <link rel="alternate" href="${xml(p.url ?? p.iri)}"/>
    <published>${p.publishedAt}</published>
    <updated>${p.editedAt ?? p.publishedAt}</updated>
    <content type="html">${xml(p.contentHtml + p.media.map((m) => `<p><img src="${m.url}" alt="${xml(m.alt)}"></p>`).join(""))}</content>
  </entry>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xml(account.iri)}</id>
  <title>${xml(account.display_name || account.username)}</title>
  <link rel="alternate" href="${xml(account.url ?? account.iri)}"/>
  <updated>${items[0]?.publishedAt ?? account.updated_at}</updated>
${entries}
</feed>
`;
}
