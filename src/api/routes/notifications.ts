import { Hono } from "hono";
import type { NotificationItem } from "../../domain/notifications.ts";
import { type Viewer, viewerOf } from "../../domain/visibility.ts";
import type { NotificationType } from "../../storage/schema.ts";
import { me, user } from "../auth.ts";
import type { MastodonNotification } from "../entities.ts";
import type { ApiEnv } from "../env.ts";
import { ApiError, apiNotFound } from "../errors.ts";
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

  // Mastodon 4.3's grouped notifications (what Elk and Phanpy read when a server says 4.3). Pictor
  // does not group: every notification is its own group, `ungrouped-<id>`, which the API allows.
  const groupId = (key: string) => (key.startsWith("ungrouped-") && ID.test(key.slice(10)) ? key.slice(10) : null);
  const grouped = async (viewer: Viewer, items: NotificationItem[]) => {
    const entities = await presentNotifications(deps, viewer, items);
    const accounts = new Map(entities.map((n) => [n.account.id, n.account]));
    const statuses = new Map(entities.flatMap((n) => (n.status ? [[n.status.id, n.status] as const] : [])));
    return {
      accounts: [...accounts.values()],
      statuses: [...statuses.values()],
      notification_groups: entities.map((n) => ({
        group_key: n.group_key,
        notifications_count: 1,
        type: n.type,
        most_recent_notification_id: n.id,
        page_min_id: n.id,
        page_max_id: n.id,
        latest_page_notification_at: n.created_at,
        sample_account_ids: [n.account.id],
        ...(n.status ? { status_id: n.status.id } : {}),
      })),
    };
  };

  app.get("/api/v2/notifications", user("read:notifications"), async (c) => {
    const account = me(c);
    const p = await params(c);
    const page = pageQuery(p, { limit: 40, max: 80 });
    const items = await deps.notifications.page(account.id, { ...filters(p), ...page });
    setLinkHeader(c, { first: items[0]?.id, last: items.at(-1)?.id });
    return c.json(await grouped(viewerOf(account), items));
  });

  app.get("/api/v2/notifications/unread_count", user("read:notifications"), async (c) => {
    const account = me(c);
    const p = await params(c);
    const limit = int(p.limit, "limit", 1, 1000) ?? 100;
    return c.json({ count: await deps.notifications.countUnreadFiltered(account.id, { ...filters(p), limit }) });
  });

  // Pictor accepts notifications from everyone and filters none: the policy says so.
  const policy = { for_not_following: "accept", for_not_followers: "accept", for_new_accounts: "accept", for_private_mentions: "accept", for_limited_accounts: "accept" };
  const policyBody = { ...policy, summary: { pending_requests_count: 0, pending_notifications_count: 0 } };
  app.get("/api/v2/notifications/policy", user("read:notifications"), (c) => c.json(policyBody));
  app.patch("/api/v2/notifications/policy", user("write:notifications"), async (c) => {
    const p = await params(c);
    for (const key of Object.keys(policy)) {
      const value = str(p[key], key, 20);
      if (value !== undefined && value !== "accept") throw new ApiError(422, `Validation failed: ${key} can only be "accept" here (Pictor does not filter notifications)`);
    }
    return c.json(policyBody);
  });
  app.get("/api/v1/notifications/requests", user("read:notifications"), (c) => c.json([]));

  app.get("/api/v2/notifications/:group_key", user("read:notifications"), async (c) => {
    const account = me(c);
    const id = groupId(c.req.param("group_key"));
    const item = id ? await deps.notifications.get(account.id, id) : undefined;
    const body = item ? await grouped(viewerOf(account), [item]) : undefined;
    if (!body?.notification_groups.length) throw apiNotFound();
    return c.json(body);
  });

  app.get("/api/v2/notifications/:group_key/accounts", user("read:notifications"), async (c) => {
    const account = me(c);
    const id = groupId(c.req.param("group_key"));
    const item = id ? await deps.notifications.get(account.id, id) : undefined;
    const body = item ? await grouped(viewerOf(account), [item]) : undefined;
    if (!body?.notification_groups.length) throw apiNotFound();
    return c.json(body.accounts);
  });

  app.post("/api/v2/notifications/:group_key/dismiss", user("write:notifications"), async (c) => {
    const id = groupId(c.req.param("group_key"));
    if (!id || !(await deps.notifications.dismiss(me(c).id, id))) throw apiNotFound();
    return c.json({});
  });

  return app;
}
