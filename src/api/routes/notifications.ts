import { Hono } from "hono";
import type { NotificationItem } from "../../domain/notifications.ts";
import { type Viewer, viewerOf } from "../../domain/visibility.ts";
import type { NotificationType } from "../../storage/schema.ts";
import { me, user } from "../auth.ts";
import type { MastodonNotification } from "../entities.ts";
import type { ApiEnv } from "../env.ts";
import { apiNotFound } from "../errors.ts";
import type { ApiDeps } from "../index.ts";
import { pageQuery, setLinkHeader } from "../paging.ts";
import { int, list, type Params, params, str } from "../params.ts";

/** Mastodon's notification type names and the Pictor types each stands for (a reply is a mention). */
const MASTODON_TYPES: Record<string, NotificationType[]> = {
  favourite: ["like"],
  reblog: ["boost"],
  mention: ["mention", "reply"],
  follow: ["follow"],
  follow_request: ["follow_request"],
  quote: ["quote"],
};

/** Pictor types for a list of Mastodon names; names Pictor never sends match nothing (as in Mastodon). */
function pictorTypes(names: string[]): NotificationType[] {
  return [...new Set(names.flatMap((n) => MASTODON_TYPES[n] ?? []))];
}

const ID = /^[0-9A-Za-z_-]{1,64}$/;

/** The type and account filters shared by the list and the unread count. */
function filters(p: Params) {
  const types = list(p.types, "types");
  const excluded = list(p.exclude_types, "exclude_types");
  const accountId = str(p.account_id, "account_id", 64);
  return {
    types: types.length ? pictorTypes(types) : undefined,
    excludeTypes: pictorTypes(excluded),
    // An id that cannot exist matches nothing.
    actorId: accountId === undefined || accountId === "" ? undefined : ID.test(accountId) ? accountId : "-",
  };
}

/**
 * Notification entities for the recipient: their posts loaded through the visibility rule, and a
 * notification whose post the recipient may no longer see left out (never shown without it).
 */
export async function presentNotifications(deps: ApiDeps, viewer: Viewer, items: NotificationItem[]): Promise<MastodonNotification[]> {
  const postIds = [...new Set(items.map((n) => n.post_id).filter((id): id is string => Boolean(id)))];
  const loaded = postIds.length ? await deps.posts.detailsMany(postIds) : new Map();
  const visible = await deps.visibility.filter(viewer, [...loaded.values()], "list");
  const posts = new Map(visible.map((d) => [d.post.id, d]));
  const shown = items.filter((n) => !n.post_id || posts.has(n.post_id));
  return deps.present.notifications(
    viewer,
    shown.map((n) => ({ id: n.id, type: n.type, created_at: n.created_at, actor: n.actor, post: n.post_id ? (posts.get(n.post_id) ?? null) : null })),
  );
}

export function notificationRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get("/api/v1/notifications", user("read:notifications"), async (c) => {
    const account = me(c);
    const p = await params(c);
    const page = pageQuery(p, { limit: 40, max: 80 });
    const items = await deps.notifications.page(account.id, { ...filters(p), ...page });
    // The links follow the page as read, even when some of it is left out.
    setLinkHeader(c, { first: items[0]?.id, last: items.at(-1)?.id });
    return c.json(await presentNotifications(deps, viewerOf(account), items));
  });

  app.get("/api/v1/notifications/unread_count", user("read:notifications"), async (c) => {
    const account = me(c);
    const p = await params(c);
    const limit = int(p.limit, "limit", 1, 1000) ?? 100;
    return c.json({ count: await deps.notifications.countUnreadFiltered(account.id, { ...filters(p), limit }) });
  });

  app.post("/api/v1/notifications/clear", user("write:notifications"), async (c) => {
    await deps.notifications.clear(me(c).id);
    return c.json({});
  });

  app.get("/api/v1/notifications/:id", user("read:notifications"), async (c) => {
    const account = me(c);
    const item = await deps.notifications.get(account.id, c.req.param("id"));
    const [entity] = item ? await presentNotifications(deps, viewerOf(account), [item]) : [];
    if (!entity) throw apiNotFound();
    return c.json(entity);
  });

  app.post("/api/v1/notifications/:id/dismiss", user("write:notifications"), async (c) => {
    if (!(await deps.notifications.dismiss(me(c).id, c.req.param("id")))) throw apiNotFound();
    return c.json({});
  });

  return app;
}
