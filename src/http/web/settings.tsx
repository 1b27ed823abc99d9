import { VISIBILITIES } from "../../domain/visibility.ts";
import type { Hono } from "hono";
import type { LocalAccount } from "../../domain/accounts.ts";
import { DomainError } from "../../domain/errors.ts";
import { ModerationService } from "../../domain/moderation.ts";
import type { AccountRow, MediaRow, Visibility } from "../../storage/schema.ts";
import type { HttpDeps } from "../app.tsx";
import { FormError, Layout, type PageContext } from "../views/layout.tsx";
import { Csrf } from "../views/pages.tsx";
import { ErrorPage } from "../views/profile.tsx";
import { formatBytes } from "../../net/errors.ts";
import type { MediaLinks } from "../../read/views.ts";
import { QueueSection, registerQueueAdmin } from "./admin-queues.tsx";
import type { WebEnv } from "./session.ts";

type C = import("hono").Context<WebEnv>;
const str = (v: unknown) => (typeof v === "string" ? v : "");

export interface PageHelpers {
  ctx(c: C): Promise<PageContext>;
  notFound(c: C, what?: string): Promise<Response>;
  signedIn(c: C): LocalAccount | Response;
  media: MediaLinks;
}

/**
 * The avatar or header, picked from the images one has posted, as a grid of
 * radio tiles: the current one first (kept unless another is picked), then
 * None, then the others; and, when uploads are allowed, a file of one's own.
 */
function ImagePicker(props: { name: "avatar" | "header"; legend: string; hint: string; images: MediaRow[]; media: MediaLinks; current: string | null; uploadMaxBytes?: number }) {
  const { name, media, current } = props;
  const others = props.images.filter((m) => media.full(m) !== current);
  return (
    <fieldset class={`choices-set picker picker-${name}`}>
      <legend>{props.legend}</legend>
      <p class="muted hint">{props.hint}</p>
      <div class="picks">
        <label class="pick-tile">
          <input type="radio" name={name} value="" checked />
          {current ? <img src={current} alt="" loading="lazy" /> : <span class="pick-none" aria-hidden="true" />}
          <span class="pick-label">{current ? "Current" : "None yet"}</span>
        </label>
        {current ? (
          <label class="pick-tile">
            <input type="radio" name={name} value="none" />
            <span class="pick-none" aria-hidden="true" />
            <span class="pick-label">None</span>
          </label>
        ) : null}
        {others.map((m, i) => (
          <label class="pick-tile">
            <input type="radio" name={name} value={m.id} />
            <img src={media.thumb(m)} alt="" loading="lazy" />
            <span class="sr-only">
              Posted image {i + 1}
              {m.alt || m.prompt ? `: ${(m.alt || m.prompt)!.slice(0, 80)}` : ""}
            </span>
          </label>
        ))}
      </div>
      {props.uploadMaxBytes ? (
        <>
          <label for={`${name}_file`}>Or upload an image (PNG, JPEG, WebP or AVIF, up to {formatBytes(props.uploadMaxBytes)})</label>
          <input id={`${name}_file`} name={`${name}_file`} type="file" accept="image/png,image/jpeg,image/webp,image/avif" />
        </>
      ) : null}
    </fieldset>
  );
}

/** What a report points at: a link only when it is http(s) (a remote server chose it); anything else as text. */
function ReportedObject(props: { iri: string }) {
  let href: string | undefined;
  try {
    const url = new URL(props.iri);
    if (url.protocol === "https:" || url.protocol === "http:") href = url.href;
  } catch {
    href = undefined;
  }
  return href ? (
    <a href={href} rel="noopener noreferrer nofollow">
      {props.iri}
    </a>
  ) : (
    <code>{props.iri}</code>
  );
}

/** Accounts the viewer blocks or mutes, each with a button that lifts it and comes back here. */
function PeopleList(props: { id: string; title: string; intro: string; empty: string; action: string; undo: string; accounts: AccountRow[]; ctx: PageContext; host: string }) {
  return (
    <section class="card" id={props.id}>
      <h2>{props.title}</h2>
      <p class="muted">{props.intro}</p>
      {props.accounts.length === 0 ? <p class="muted">{props.empty}</p> : null}
      <ul>
        {props.accounts.map((a) => {
          const handle = `@${a.username}@${a.domain ?? props.host}`;
          return (
            <li>
              <a href={a.domain === null ? `/@${a.username}` : `/@${a.username}@${a.domain}`}>{handle}</a>
              <form method="post" action={props.action}>
                <Csrf ctx={props.ctx} />
                <input type="hidden" name="target" value={a.iri} />
                <input type="hidden" name="action" value="undo" />
                <input type="hidden" name="back" value={`/settings#${props.id}`} />
                <button type="submit" aria-label={`${props.undo} ${handle}`}>{props.undo}</button>
              </form>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** Settings for every signed-in account, and the admin page for admins. */
export function registerSettings(app: Hono<WebEnv>, deps: HttpDeps, h: PageHelpers): void {
  const { accounts, moderation, mediaReader } = deps;

  const settingsPage = async (c: C, viewer: LocalAccount, message?: { error?: string; ok?: string }) => {
    const account = (await accounts.getById(viewer.id))!;
    const prefs = await accounts.preferences(viewer.id);
    const [blocked, muted] = await Promise.all([moderation.blockedBy(viewer.id), moderation.mutedBy(viewer.id)]);
    const images = await mediaReader.ownImages(viewer.id);
    // An upload travels in the form, so it is held to the form's size limit too.
    const uploadMax = deps.uploads.enabled ? Math.min(deps.uploads.maxBytes, deps.config.formMaxBytes - 64 * 1024) : undefined;
    const ctx = await h.ctx(c);
    const bio = account.bio_html.replace(/<br>/g, "\n").replace(/<\/p><p>/g, "\n\n").replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
    return c.html(
      <Layout title="Settings" ctx={ctx}>
        <form method="post" action="/settings" class="card" enctype={uploadMax ? "multipart/form-data" : undefined}>
          <h1>Settings</h1>
          <FormError message={message?.error} />
          {message?.ok ? <p role="status">{message.ok}</p> : null}
          <Csrf ctx={ctx} />
          <label for="display_name">Display name</label>
          <input id="display_name" name="display_name" type="text" value={account.display_name} maxlength={100} />
          <label for="bio">Bio</label>
          <textarea id="bio" name="bio" rows={4} maxlength={2000}>{bio}</textarea>
          <ImagePicker name="avatar" legend="Avatar" hint={images.length ? "Pick one of the images you posted." : "Images you post show up here to pick from: make one on Create."} images={images} media={h.media} current={account.avatar_url} uploadMaxBytes={uploadMax} />
          <ImagePicker name="header" legend="Header" hint="Shown wide at the top of your profile." images={images} media={h.media} current={account.header_url} uploadMaxBytes={uploadMax} />
          <label>
            <input type="checkbox" name="locked" value="1" checked={account.manually_approves_followers === 1} /> Approve followers by hand (locked account)
          </label>
          <label for="default_visibility">Default visibility</label>
          <select id="default_visibility" name="default_visibility">
            {VISIBILITIES.map((v) => (
              <option value={v} selected={prefs.defaultVisibility === v}>{v}</option>
            ))}
          </select>
          <label>
            <input type="checkbox" name="show_prompt_default" value="1" checked={prefs.showPromptDefault} /> Show prompts by default
          </label>
          <p><button class="primary" type="submit">Save</button></p>
        </form>
        <form method="post" action="/settings/password" class="card">
          <h2>Password</h2>
          <Csrf ctx={ctx} />
          <label for="current">Current password</label>
          <input id="current" name="current" type="password" autocomplete="current-password" required />
          <label for="next">New password (10 characters or more)</label>
          <input id="next" name="next" type="password" autocomplete="new-password" required />
          <p><button type="submit">Change password</button></p>
        </form>
        <section class="card" id="apps">
          <h2>Authorized apps</h2>
          <p class="muted">Apps you signed in to with this account (Mastodon clients and others), and what they may do.</p>
          <p><a href="/settings/apps">Review or revoke authorized apps</a></p>
        </section>
        <PeopleList id="blocked" title="Blocked accounts" empty="You block nobody." intro="They cannot follow you or interact with your posts, and you do not see theirs. Their server is told." action="/block" undo="Unblock" accounts={blocked} ctx={ctx} host={deps.urls.host} />
        <PeopleList id="muted" title="Muted accounts" empty="You mute nobody." intro="Their posts stay out of your timelines. Nobody is told." action="/mute" undo="Unmute" accounts={muted} ctx={ctx} host={deps.urls.host} />
      </Layout>,
      message?.error ? 422 : 200,
    );
  };

  app.get("/settings", async (c) => {
    const viewer = h.signedIn(c);
    return viewer instanceof Response ? viewer : settingsPage(c, viewer);
  });
  app.post("/settings", async (c) => {
    const viewer = h.signedIn(c);
    if (viewer instanceof Response) return viewer;
    const body = await c.req.parseBody();
    const pick = async (value: string, file: unknown) => {
      if (file instanceof File && file.size > 0) {
        const bytes = new Uint8Array(await file.arrayBuffer());
        return h.media.full(await deps.uploads.upload(viewer, bytes));
      }
      if (value === "") return undefined;
      if (value === "none") return null;
      const m = await mediaReader.ownImage(viewer.id, value);
      if (!m) throw new DomainError(422, "That image is not one of yours");
      return h.media.full(m);
    };
    try {
      await deps.updateProfile(viewer, {
        displayName: str(body.display_name),
        bio: str(body.bio),
        locked: str(body.locked) === "1",
        avatarUrl: await pick(str(body.avatar), body.avatar_file),
        headerUrl: await pick(str(body.header), body.header_file),
      });
      await accounts.setPreferences(viewer.id, { defaultVisibility: (str(body.default_visibility) || "public") as Visibility, showPromptDefault: str(body.show_prompt_default) === "1" });
      return settingsPage(c, viewer, { ok: "Saved." });
    } catch (error) {
      if (error instanceof DomainError) return settingsPage(c, viewer, { error: error.message });
      throw error;
    }
  });
  app.post("/settings/password", async (c) => {
    const viewer = h.signedIn(c);
    if (viewer instanceof Response) return viewer;
    const body = await c.req.parseBody();
    try {
      // Every other session of the account ends; this one stays signed in.
      await accounts.changePassword(viewer, str(body.current), str(body.next), c.get("sessionToken"));
      return settingsPage(c, viewer, { ok: "Password changed." });
    } catch (error) {
      if (error instanceof DomainError) return settingsPage(c, viewer, { error: error.message });
      throw error;
    }
  });

  // Admin: accounts (suspend), domain blocks, reports.
  const admin = async (c: C): Promise<LocalAccount | Response> => {
    const viewer = h.signedIn(c);
    if (viewer instanceof Response) return viewer;
    if (viewer.is_admin) return viewer;
    return c.html(<ErrorPage ctx={await h.ctx(c)} title="Admins only" message="Only the administrators of this instance can open this page." />, 403);
  };
  /** An admin form refused (a domain that is not one, a limit out of range): a page with the way back to /admin. */
  const adminError = async (c: C, message: string) => c.html(<ErrorPage ctx={await h.ctx(c)} title="That did not work" message={message} back="/admin" />, 422);
  app.get("/admin", async (c) => {
    const viewer = await admin(c);
    if (viewer instanceof Response) return viewer;
    const [locals, blocks, reports, registrations, limits, cache, letters, outbox] = await Promise.all([
      accounts.listLocal(),
      moderation.listDomainBlocks(),
      moderation.openReports(),
      deps.instance.registrations(),
      deps.instance.generationLimits(),
      deps.remoteMedia.usage(),
      deps.queues.deadLetters(),
      deps.queues.outbox(),
    ]);
    const ctx = await h.ctx(c);
    return c.html(
      <Layout title="Admin" ctx={ctx}>
        <h1>Admin</h1>
        <section class="card">
          <h2>Registrations</h2>
          <form method="post" action="/admin/registrations">
            <Csrf ctx={ctx} />
            <label for="registrations">Who may sign up</label>
            <select id="registrations" name="registrations">
              {(["open", "invite", "closed"] as const).map((m) => (
                <option value={m} selected={registrations === m}>{m === "invite" ? "invite only" : m}</option>
              ))}
            </select>
            <p><button type="submit">Save</button></p>
          </form>
          <form method="post" action="/admin/invites">
            <Csrf ctx={ctx} />
            <button type="submit">Make an invitation link</button>
          </form>
          {c.req.query("invite") ? (
            <p role="status">
              Invitation (single use, 7 days): <code>{`${deps.urls.origin.origin}/signup?invite=${c.req.query("invite")}`}</code>
            </p>
          ) : null}
        </section>
        <section class="card">
          <h2>Generation limits</h2>
          <form method="post" action="/admin/limits">
            <Csrf ctx={ctx} />
            <label for="max_concurrent">Generations at once per account</label>
            <input id="max_concurrent" name="max_concurrent" type="text" value={String(limits.maxConcurrent)} />
            <label for="daily_images">Images per account per 24 hours</label>
            <input id="daily_images" name="daily_images" type="text" value={String(limits.dailyImages)} />
            <p class="muted">Admins are exempt; failed generations do not count.</p>
            <p><button type="submit">Save</button></p>
          </form>
        </section>
        <section class="card" id="remote-media">
          <h2>Remote media cache</h2>
          <p>
            <strong>{formatBytes(cache.bytes)}</strong> for {cache.images} remote images ({cache.fullCopies} full-size copies; {cache.failed} could not be fetched).
          </p>
          <p class="muted">Full-size copies are removed after a while (REMOTE_MEDIA_RETENTION, or <code>pictor media prune --older-than 7d</code>) and fetched again when someone opens the post; thumbnails stay.</p>
        </section>
        <section class="card">
          <h2>Accounts</h2>
          <ul>
            {locals.map((a) => (
              <li>
                <a href={`/@${a.username}`}>@{a.username}</a> {a.is_admin ? "(admin)" : ""} {a.suspended_at ? "— suspended" : ""}
                {a.id !== viewer.id ? (
                  <form method="post" action={`/admin/accounts/${a.username}/${a.suspended_at ? "unsuspend" : "suspend"}`}>
                    <Csrf ctx={ctx} />
                    <button type="submit">{a.suspended_at ? "Lift suspension" : "Suspend"}</button>
                  </form>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
        <section class="card">
          <h2>Domain blocks</h2>
          <ul>
            {blocks.map((b) => (
              <li>
                {b.domain} <span class="muted">{b.reason}</span>
                <form method="post" action="/admin/domain-blocks/remove">
                  <Csrf ctx={ctx} />
                  <input type="hidden" name="domain" value={b.domain} />
                  <button type="submit">Unblock</button>
                </form>
              </li>
            ))}
          </ul>
          <form method="post" action="/admin/domain-blocks">
            <Csrf ctx={ctx} />
            <label for="domain">Block a domain (no federation with it, either way)</label>
            <input id="domain" name="domain" type="text" required />
            <label for="reason">Reason</label>
            <input id="reason" name="reason" type="text" />
            <p><button type="submit">Block</button></p>
          </form>
        </section>
        <section class="card">
          <h2>Reports</h2>
          {reports.length === 0 ? <p class="muted">No open reports.</p> : null}
          <ul>
            {reports.map((r) => (
              <li>
                {r.comment || "(no comment)"} — {r.objects.map((o) => <ReportedObject iri={o} />)}
                <form method="post" action={`/admin/reports/${r.id}/resolve`}>
                  <Csrf ctx={ctx} />
                  <button type="submit">Resolve</button>
                </form>
              </li>
            ))}
          </ul>
        </section>
        <QueueSection letters={letters} outbox={outbox} ctx={ctx} />
      </Layout>,
    );
  });
  registerQueueAdmin(app, deps, h);
  app.post("/admin/accounts/:username/:action{suspend|unsuspend}", async (c) => {
    const viewer = await admin(c);
    if (viewer instanceof Response) return viewer;
    const target = await accounts.getLocalByUsername(c.req.param("username"));
    if (!target || target.id === viewer.id) return h.notFound(c, "No such account.");
    await accounts.setSuspended(target, c.req.param("action") === "suspend");
    return c.redirect("/admin", 303);
  });
  app.post("/admin/domain-blocks", async (c) => {
    const viewer = await admin(c);
    if (viewer instanceof Response) return viewer;
    const body = await c.req.parseBody();
    try {
      await moderation.blockDomain(str(body.domain), str(body.reason));
    } catch (error) {
      if (error instanceof DomainError) return adminError(c, error.message);
      throw error;
    }
    return c.redirect("/admin", 303);
  });
  app.post("/admin/domain-blocks/remove", async (c) => {
    const viewer = await admin(c);
    if (viewer instanceof Response) return viewer;
    await moderation.unblockDomain(ModerationService.normalizeDomain(str((await c.req.parseBody()).domain)));
    return c.redirect("/admin", 303);
  });
  app.post("/admin/registrations", async (c) => {
    const viewer = await admin(c);
    if (viewer instanceof Response) return viewer;
    try {
      await deps.instance.setRegistrations(str((await c.req.parseBody()).registrations));
    } catch (error) {
      if (error instanceof DomainError) return adminError(c, error.message);
      throw error;
    }
    return c.redirect("/admin", 303);
  });
  app.post("/admin/invites", async (c) => {
    const viewer = await admin(c);
    if (viewer instanceof Response) return viewer;
    const code = await deps.instance.createInvite(viewer.id);
    return c.redirect(`/admin?invite=${encodeURIComponent(code)}`, 303);
  });
  app.post("/admin/limits", async (c) => {
    const viewer = await admin(c);
    if (viewer instanceof Response) return viewer;
    const body = await c.req.parseBody();
    try {
      await deps.instance.setGenerationLimits({ maxConcurrent: Number(str(body.max_concurrent)), dailyImages: Number(str(body.daily_images)) });
    } catch (error) {
      if (error instanceof DomainError) return adminError(c, error.message);
      throw error;
    }
    return c.redirect("/admin", 303);
  });
  app.post("/admin/reports/:id/resolve", async (c) => {
    const viewer = await admin(c);
    if (viewer instanceof Response) return viewer;
    await moderation.resolveReport(c.req.param("id"));
    return c.redirect("/admin", 303);
  });
}
