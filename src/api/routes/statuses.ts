import type { Context } from "hono";
import { Hono } from "hono";
import { MAX_CAPTION, MAX_MEDIA, MAX_SUMMARY, type PostDetails } from "../../domain/posts.ts";
import { normalizeFocus } from "../../domain/uploads.ts";
import { canSeePrompt, viewerOf, type Viewer } from "../../domain/visibility.ts";
import { me, optionalScope, user } from "../auth.ts";
import { type MastodonStatus, type MastodonVisibility, VISIBILITY_FROM_MASTODON } from "../entities.ts";
import type { ApiEnv } from "../env.ts";
import { apiNotFound, unprocessable } from "../errors.ts";
import type { ApiDeps } from "../index.ts";
import { pageQuery, setLinkHeader } from "../paging.ts";
import { bool, list, oneOf, type Params, params, str } from "../params.ts";

type C = Context<ApiEnv>;

const MASTODON_VISIBILITIES = Object.keys(VISIBILITY_FROM_MASTODON) as MastodonVisibility[];
/** Statuses one `GET /api/v1/statuses?id[]=` may ask for. */
const MAX_IDS = 40;
const MAX_KEY = 200;

/** `media_attributes` of an edit: a JSON array of objects, or one set of form fields. */
function mediaAttributes(p: Params): Array<{ id: string; alt?: string | null; focus?: string | null }> | undefined {
  let raw = p.media_attributes;
  if (raw === undefined && p["media_attributes[][id]"] !== undefined) {
    raw = [{ id: p["media_attributes[][id]"], description: p["media_attributes[][description]"], focus: p["media_attributes[][focus]"] }];
  }
  if (raw === undefined || raw === null || raw === "") return undefined;
  const items = Array.isArray(raw) ? raw : typeof raw === "object" ? Object.values(raw as Record<string, unknown>) : null;
  if (!items || items.length > MAX_MEDIA) throw unprocessable(`media_attributes must be a list of at most ${MAX_MEDIA} objects`);
  return items.map((item) => {
    if (typeof item !== "object" || item === null) throw unprocessable("media_attributes must be a list of objects with an id");
    const o = item as Record<string, unknown>;
    const id = str(o.id, "media_attributes id", 100);
    if (!id) throw unprocessable("media_attributes must be a list of objects with an id");
    const focus = str(o.focus, "media_attributes focus", 100);
    return { id, alt: str(o.description, "media_attributes description", 10_000), focus: focus === undefined ? undefined : normalizeFocus(focus) };
  });
}

/**
 * Statuses: posting (with images generated or uploaded here), reading,
 * editing with history, deleting, threads, and what one does to a status
 * (favourite, reblog, bookmark, pin). Posting and interactions go through
 * the same services as the web app, so they federate the same way; every
 * read goes through the read model, so a hidden status is a missing one (404).
 */
export function statusRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const { reader, posts, present, interactions } = deps;
  const app = new Hono<ApiEnv>();
  const viewer = (c: C): Viewer => viewerOf(c.get("account"));

  /** A status the caller may see, or 404 (missing, deleted and hidden alike). */
  const visible = async (c: C, id: string | undefined): Promise<PostDetails> => {
    const details = id ? await reader.get(viewer(c), id) : undefined;
    if (!details) throw apiNotFound();
    return details;
  };
  /** One of the caller's own statuses, or 404. */
  const own = async (c: C): Promise<PostDetails> => {
    const details = await visible(c, c.req.param("id"));
    if (details.author.id !== me(c).id) throw apiNotFound();
    return details;
  };
  const show = async (c: C, id: string): Promise<MastodonStatus> => present.status(viewer(c), await visible(c, id));

  app.post("/api/v1/statuses", user("write:statuses"), async (c) => {
    const account = me(c);
    const p = await params(c);
    const text = str(p.status, "status", MAX_CAPTION) ?? "";
    const mediaIds = list(p.media_ids, "media_ids", MAX_MEDIA);
    if (p.poll !== undefined && p.poll !== null && p.poll !== "") throw unprocessable("polls are not supported on this server");
    if (str(p.scheduled_at, "scheduled_at", 100)) throw unprocessable("scheduled statuses are not supported on this server");
    if (text.trim() === "" && mediaIds.length === 0) throw unprocessable("Text can't be blank");
    const spoiler = str(p.spoiler_text, "spoiler_text", MAX_SUMMARY);
    const mastodonVisibility = oneOf(p.visibility, "visibility", MASTODON_VISIBILITIES);
    str(p.language, "language", 20); // accepted; posts carry no language here
    const replyId = str(p.in_reply_to_id, "in_reply_to_id", 100);
    const quoteId = str(p.quoted_status_id ?? p.quote_id, "quoted_status_id", 100);
    const key = c.req.header("Idempotency-Key")?.trim() || undefined;
    if (key && key.length > MAX_KEY) throw unprocessable(`Idempotency-Key must be at most ${MAX_KEY} characters`);
    const parent = replyId ? await visible(c, replyId) : undefined;
    const quoted = quoteId ? await visible(c, quoteId) : undefined;
    const prefs = await deps.accounts.preferences(account.id);
    const details = await posts.create(account, {
      caption: text,
      mediaIds,
      summary: spoiler || null,
      sensitive: bool(p.sensitive),
      visibility: mastodonVisibility ? VISIBILITY_FROM_MASTODON[mastodonVisibility] : prefs.defaultVisibility,
      showPrompt: bool(p.show_prompt, prefs.showPromptDefault),
      inReplyTo: parent?.post.iri ?? null,
      quote: quoted?.post.iri ?? null,
      idempotencyKey: key,
    });
    return c.json(await present.status(viewer(c), details));
  });

  app.get("/api/v1/statuses", optionalScope("read:statuses"), async (c) => {
    const ids = [...new Set(list((await params(c)).id, "id", MAX_IDS))];
    const found = await posts.detailsMany(ids);
    const shown = await deps.visibility.filter(viewer(c), ids.flatMap((id) => found.get(id) ?? []), "single");
    return c.json(await present.statuses(viewer(c), shown));
  });

  app.get("/api/v1/statuses/:id", optionalScope("read:statuses"), async (c) => c.json(await show(c, c.req.param("id"))));

  app.put("/api/v1/statuses/:id", user("write:statuses"), async (c) => {
    const current = await own(c);
    const p = await params(c);
    if (p.poll !== undefined && p.poll !== null && p.poll !== "") throw unprocessable("polls are not supported on this server");
    const mediaIds = p.media_ids === undefined ? undefined : list(p.media_ids, "media_ids", MAX_MEDIA);
    if (mediaIds) {
      const now = new Set(current.media.map((m) => m.id));
      if (mediaIds.length !== now.size || mediaIds.some((id) => !now.has(id))) throw unprocessable("the images of a status cannot be changed here, only their descriptions");
    }
    const caption = str(p.status, "status", MAX_CAPTION);
    const spoiler = str(p.spoiler_text, "spoiler_text", MAX_SUMMARY);
    str(p.language, "language", 20);
    const details = await posts.edit(me(c), current.post.id, {
      caption,
      summary: spoiler === undefined ? undefined : spoiler || null,
      sensitive: p.sensitive === undefined ? undefined : bool(p.sensitive),
      media: mediaAttributes(p),
    });
    return c.json(await present.status(viewer(c), details));
  });

  app.get("/api/v1/statuses/:id/history", optionalScope("read:statuses"), async (c) => {
    const details = await visible(c, c.req.param("id"));
    const who = viewer(c);
    const [status, versions] = await Promise.all([present.status(who, details), posts.edits(details.post)]);
    const promptShown = canSeePrompt(who, details.post);
    const edits = versions.map((v) => ({
      content: v.contentHtml,
      spoiler_text: v.summary ?? "",
      sensitive: v.sensitive,
      created_at: v.createdAt,
      account: status.account,
      poll: null,
      media_attachments: status.media_attachments.map((m, i) => {
        const alt = v.alts[i] ?? m.description ?? "";
        const prompt = details.media[i]?.prompt;
        // An alt text that was the prompt stays hidden with the prompt.
        const hidden = !promptShown && prompt && alt.trim() === prompt.trim();
        return { ...m, description: hidden ? null : alt || null };
      }),
      emojis: [],
    }));
    const latest = {
      content: status.content,
      spoiler_text: status.spoiler_text,
      sensitive: status.sensitive,
      created_at: status.edited_at ?? status.created_at,
      account: status.account,
      poll: null,
      media_attachments: status.media_attachments,
      emojis: [],
    };
    return c.json([...edits, latest]);
  });

  app.get("/api/v1/statuses/:id/source", user("read:statuses"), async (c) => {
    const details = await visible(c, c.req.param("id"));
    return c.json({ id: details.post.id, text: details.post.caption ?? "", spoiler_text: details.post.summary ?? "" });
  });

  app.delete("/api/v1/statuses/:id", user("write:statuses"), async (c) => {
    const details = await own(c);
    // Delete and redraft: the status as it was, with its source text and its images.
    const status = await present.status(viewer(c), details);
    await posts.delete(me(c), details.post.id);
    return c.json({ ...status, text: details.post.caption ?? "" });
  });

  app.get("/api/v1/statuses/:id/context", optionalScope("read:statuses"), async (c) => {
    const details = await visible(c, c.req.param("id"));
    const who = viewer(c);
    const thread = await reader.thread(who, details);
    const all = await present.statuses(who, [...thread.ancestors, ...thread.replies]);
    return c.json({ ancestors: all.slice(0, thread.ancestors.length), descendants: all.slice(thread.ancestors.length) });
  });

  /** The status again after a change, as the caller now sees it (counts and marks). */
  const fresh = async (c: C, details: PostDetails) => present.status(viewer(c), (await posts.details(details.post.id)) ?? details);

  app.post("/api/v1/statuses/:id/favourite", user("write:favourites"), async (c) => {
    const details = await visible(c, c.req.param("id"));
    await interactions.act("like", me(c), details);
    return c.json(await fresh(c, details));
  });
  app.post("/api/v1/statuses/:id/unfavourite", user("write:favourites"), async (c) => {
    const details = await visible(c, c.req.param("id"));
    await interactions.undo("like", me(c), details);
    return c.json(await fresh(c, details));
  });

  app.post("/api/v1/statuses/:id/reblog", user("write:statuses"), async (c) => {
    const details = await visible(c, c.req.param("id"));
    // Mastodon's `visibility` of a reblog is accepted; boosts here are public, as the boosted post allows.
    oneOf((await params(c)).visibility, "visibility", MASTODON_VISIBILITIES);
    const account = me(c);
    const row = await interactions.act("boost", account, details);
    const now = (await posts.details(details.post.id)) ?? details;
    const [status] = await present.statuses(viewer(c), [{ id: row.id, details: now, boostedBy: account, boostedAt: row.created_at }]);
    return c.json(status);
  });
  app.post("/api/v1/statuses/:id/unreblog", user("write:statuses"), async (c) => {
    const details = await visible(c, c.req.param("id"));
    await interactions.undo("boost", me(c), details);
    return c.json(await fresh(c, details));
  });

  app.post("/api/v1/statuses/:id/bookmark", user("write:bookmarks"), async (c) => {
    const details = await visible(c, c.req.param("id"));
    await deps.bookmarks.bookmark(me(c), details);
    return c.json(await fresh(c, details));
  });
  app.post("/api/v1/statuses/:id/unbookmark", user("write:bookmarks"), async (c) => {
    const details = await visible(c, c.req.param("id"));
    await deps.bookmarks.unbookmark(me(c), details);
    return c.json(await fresh(c, details));
  });

  app.post("/api/v1/statuses/:id/pin", user("write:accounts"), async (c) => {
    const details = await visible(c, c.req.param("id"));
    await deps.pins.pin(me(c), details);
    return c.json(await fresh(c, details));
  });
  app.post("/api/v1/statuses/:id/unpin", user("write:accounts"), async (c) => {
    const details = await visible(c, c.req.param("id"));
    await deps.pins.unpin(me(c), details);
    return c.json(await fresh(c, details));
  });

  for (const [path, type] of [
    ["favourited_by", "like"],
    ["reblogged_by", "boost"],
  ] as const) {
    app.get(`/api/v1/statuses/:id/${path}`, optionalScope("read:accounts"), async (c) => {
      const details = await visible(c, c.req.param("id"));
      const page = pageQuery(await params(c), { limit: 40, max: 80 });
      const rows = await reader.interactors(viewer(c), details.post.id, type, page);
      setLinkHeader(c, { first: rows[0]?.id, last: rows.at(-1)?.id });
      return c.json(await present.accounts(rows.map((r) => r.account)));
    });
  }

  return app;
}
