import type { Db } from "../storage/db.ts";
import { keyset, newestFirst } from "../storage/keyset.ts";
import type { AccountRow, NotificationRow, NotificationType, PostRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import type { DomainEvents } from "./events.ts";
import type { ModerationService } from "./moderation.ts";
import type { PostDetails } from "./posts.ts";
import { accountVisibleTo } from "./visibility.ts";

export interface NotificationView extends NotificationRow {
  actor: AccountRow;
}

/** A notification with its whole actor row (for API entities). */
export interface NotificationItem extends NotificationRow {
  actor: AccountRow;
}

/** What a filtered page of notifications asks for (Mastodon's notifications list). */
export interface NotificationQuery {
  /** Only these types (an empty list: none at all); undefined: every type. */
  types?: NotificationType[];
  excludeTypes?: NotificationType[];
  /** Only from this actor. */
  actorId?: string;
  maxId?: string;
  sinceId?: string;
  /** Newer than this, the ones right after it (still returned newest first). */
  minId?: string;
  limit?: number;
}

/** Called once for each notification made (the streaming API records it for live listeners). */
export type NotificationListener = (notification: NotificationRow) => void | Promise<void>;

export class NotificationService {
  readonly #listeners: NotificationListener[] = [];

  constructor(
    private readonly db: Db,
    private readonly moderation: Pick<ModerationService, "blocks">,
  ) {}

  /** Registers a listener for notifications made from now on (awaited after each insert). */
  onCreated(listener: NotificationListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Notifies a local account; the same source notifies once, and an account
   * it blocks never does. Returns whether a new one was made.
   */
  async notify(input: { account: AccountRow; type: NotificationType; actor: AccountRow; post?: PostRow | null; sourceIri: string }): Promise<boolean> {
    if (input.account.domain !== null || input.account.id === input.actor.id) return false;
    if (await this.moderation.blocks(input.account.id, input.actor.id)) return false;
    const row: NotificationRow = {
      id: newId(),
      account_id: input.account.id,
      type: input.type,
      actor_id: input.actor.id,
      post_id: input.post?.id ?? null,
      source_iri: input.sourceIri,
      created_at: nowIso(),
      read_at: null,
    };
    const rows = await this.db.kysely
      .insertInto("notifications")
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .execute();
    if (rows.length === 0) return false;
    for (const listener of this.#listeners) await listener(row);
    return true;
  }

  /** Takes back what an undone activity caused. */
  async withdraw(accountId: string, type: NotificationType, sourceIri: string): Promise<void> {
    await this.db.kysely
      .deleteFrom("notifications")
      .where("account_id", "=", accountId)
      .where("type", "=", type)
      .where("source_iri", "=", sourceIri)
      .execute();
  }

  /**
   * A follow request from `followerId` was answered: accepted, its notification
   * reads as a follow (keeping its place); refused or withdrawn, it goes.
   * Safe to repeat.
   */
  async requestAnswered(accountId: string, followerId: string, accepted: boolean): Promise<void> {
    const k = this.db.kysely;
    const requests = () =>
      k.deleteFrom("notifications").where("account_id", "=", accountId).where("actor_id", "=", followerId).where("type", "=", "follow_request");
    if (accepted) {
      await k
        .updateTable("notifications")
        .set({ type: "follow" })
        .where("account_id", "=", accountId)
        .where("actor_id", "=", followerId)
        .where("type", "=", "follow_request")
        // One notification per source: a follow already made from the same Follow wins.
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("notifications as n2")
                .select("n2.id")
                .whereRef("n2.account_id", "=", "notifications.account_id")
                .whereRef("n2.source_iri", "=", "notifications.source_iri")
                .where("n2.type", "=", "follow"),
            ),
          ),
        )
        .execute();
    }
    await requests().execute();
  }

  async list(accountId: string, opts: { cursor?: string | null; limit?: number; unreadOnly?: boolean } = {}): Promise<{ items: NotificationView[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(opts.limit ?? 30, 1), 100);
    let q = this.db.kysely
      .selectFrom("notifications")
      .innerJoin("accounts", "accounts.id", "notifications.actor_id")
      .selectAll("notifications")
      .select([
        "accounts.iri as a_iri",
        "accounts.username as a_username",
        "accounts.domain as a_domain",
        "accounts.display_name as a_display_name",
        "accounts.url as a_url",
        "accounts.avatar_url as a_avatar_url",
      ])
      .where("notifications.account_id", "=", accountId)
      // Notifications from accounts the reader blocks, mutes or may not see (suspended, blocked domains) stay hidden.
      .where(accountVisibleTo({ kind: "account", id: accountId, isLocal: true }, "notifications.actor_id", "list"))
      .orderBy("notifications.id", "desc")
      .limit(limit + 1);
    if (opts.cursor) q = q.where("notifications.id", "<", opts.cursor);
    if (opts.unreadOnly) q = q.where("notifications.read_at", "is", null);
    const rows = await q.execute();
    const items = rows.slice(0, limit).map(({ a_iri, a_username, a_domain, a_display_name, a_url, a_avatar_url, ...n }) => ({
      ...n,
      // The avatar too: pages show it beside the name.
      actor: { id: n.actor_id, iri: a_iri, username: a_username, domain: a_domain, display_name: a_display_name, url: a_url, avatar_url: a_avatar_url } as AccountRow,
    }));
    return { items, nextCursor: rows.length > limit ? items[limit - 1].id : null };
  }

  /** An account's notifications, as in `list`: those from accounts the reader blocks, mutes or may not see stay hidden. */
  #scope(accountId: string) {
    return this.db.kysely
      .selectFrom("notifications as n")
      .where("n.account_id", "=", accountId)
      .where(accountVisibleTo({ kind: "account", id: accountId, isLocal: true }, "n.actor_id", "list"));
  }

  #items(accountId: string) {
    return this.#scope(accountId)
      .innerJoin("accounts as a", "a.id", "n.actor_id")
      .selectAll("a")
      .select(["n.id as n_id", "n.account_id as n_account_id", "n.type as n_type", "n.actor_id as n_actor_id", "n.post_id as n_post_id", "n.source_iri as n_source_iri", "n.created_at as n_created_at", "n.read_at as n_read_at"]);
  }

  #toItem(r: Record<string, any>): NotificationItem {
    const { n_id, n_account_id, n_type, n_actor_id, n_post_id, n_source_iri, n_created_at, n_read_at, ...actor } = r;
    return {
      id: n_id,
      account_id: n_account_id,
      type: n_type,
      actor_id: n_actor_id,
      post_id: n_post_id,
      source_iri: n_source_iri,
      created_at: n_created_at,
      read_at: n_read_at,
      actor: actor as AccountRow,
    };
  }

  /**
   * A page of an account's notifications with their actors, newest first, filtered and
   * keyset-paged as Mastodon pages them (max_id, since_id, min_id). One query.
   */
  async page(accountId: string, query: NotificationQuery = {}): Promise<NotificationItem[]> {
    const limit = Math.min(Math.max(query.limit ?? 20, 1), 100);
    if (query.types && query.types.length === 0) return [];
    let q = this.#items(accountId);
    if (query.types) q = q.where("n.type", "in", query.types);
    if (query.excludeTypes?.length) q = q.where("n.type", "not in", query.excludeTypes);
    if (query.actorId) q = q.where("n.actor_id", "=", query.actorId);
    return newestFirst(query, await keyset(q, "n.id", query, limit).execute()).map((r) => this.#toItem(r));
  }

  /** One of the account's own notifications (undefined for anyone else's, or one hidden as in lists). */
  async get(accountId: string, id: string): Promise<NotificationItem | undefined> {
    const row = await this.#items(accountId).where("n.id", "=", id).executeTakeFirst();
    return row ? this.#toItem(row) : undefined;
  }

  /** Dismisses one of the account's notifications; false when it has no such notification. */
  async dismiss(accountId: string, id: string): Promise<boolean> {
    const r = await this.db.kysely.deleteFrom("notifications").where("account_id", "=", accountId).where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Dismisses all of the account's notifications. */
  async clear(accountId: string): Promise<void> {
    await this.db.kysely.deleteFrom("notifications").where("account_id", "=", accountId).execute();
  }

  /**
   * Unread notifications of these types (every type when undefined), up to `limit`: not marked
   * read, and newer than the account's notifications marker when it has one (Mastodon's unread count).
   */
  async countUnreadFiltered(accountId: string, query: Pick<NotificationQuery, "types" | "excludeTypes" | "actorId"> & { limit?: number } = {}): Promise<number> {
    if (query.types && query.types.length === 0) return 0;
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const marker = await this.db.kysely
      .selectFrom("markers")
      .select("last_read_id")
      .where("account_id", "=", accountId)
      .where("timeline", "=", "notifications")
      .executeTakeFirst();
    let q = this.#scope(accountId).select("n.id").where("n.read_at", "is", null);
    if (marker) q = q.where("n.id", ">", marker.last_read_id);
    if (query.types) q = q.where("n.type", "in", query.types);
    if (query.excludeTypes?.length) q = q.where("n.type", "not in", query.excludeTypes);
    if (query.actorId) q = q.where("n.actor_id", "=", query.actorId);
    const rows = await q.orderBy("n.id", "desc").limit(limit).execute();
    return rows.length;
  }

  async countUnread(accountId: string): Promise<number> {
    const r = await this.db.kysely
      .selectFrom("notifications")
      .select((e) => e.fn.countAll().as("n"))
      .where("account_id", "=", accountId)
      .where("read_at", "is", null)
      .where(accountVisibleTo({ kind: "account", id: accountId, isLocal: true }, "notifications.actor_id", "list"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async markRead(accountId: string, upToId?: string): Promise<void> {
    let q = this.db.kysely.updateTable("notifications").set({ read_at: nowIso() }).where("account_id", "=", accountId).where("read_at", "is", null);
    if (upToId) q = q.where("id", "<=", upToId);
    await q.execute();
  }
}

/** Turns domain events into notifications for local accounts. */
export function registerNotificationHandlers(events: DomainEvents, notifications: NotificationService, db: Db): void {
  events.on("follow.received", async ({ follow, follower, following }) => {
    await notifications.notify({
      account: following,
      type: follow.state === "pending" ? "follow_request" : "follow",
      actor: follower,
      sourceIri: follow.iri,
    });
  });

  // A request answered (here or, for a local follower of a local account, by either side) or withdrawn.
  events.on("follow.accepted", ({ follower, following }) => notifications.requestAnswered(following.id, follower.id, true));
  events.on("follow.rejected", ({ follower, following }) => notifications.requestAnswered(following.id, follower.id, false));
  events.on("follow.undone", ({ follower, following }) => notifications.requestAnswered(following.id, follower.id, false));
  events.on("follow.changed", async ({ follower, following }) => {
    // A remote Undo of a request not yet answered: nothing is left to answer.
    const pending = await db.kysely.selectFrom("follows").select("id").where("follower_id", "=", follower.id).where("following_id", "=", following.id).where("state", "=", "pending").executeTakeFirst();
    if (!pending && following.domain === null) await notifications.requestAnswered(following.id, follower.id, false);
  });

  // Likes and boosts notify the same way whether they come from another server or from this one.
  events.on("interaction.received", async ({ interaction, actor, details }) => {
    await notifications.notify({ account: details.author, type: interaction.type, actor, post: details.post, sourceIri: interaction.iri });
  });
  events.on("interaction.created", async ({ interaction, actor, details }) => {
    await notifications.notify({ account: details.author, type: interaction.type, actor, post: details.post, sourceIri: interaction.iri });
  });
  events.on("interaction.withdrawn", async ({ interaction, details }) => {
    if (details.author.domain === null) await notifications.withdraw(details.author.id, interaction.type, interaction.iri);
  });

  events.on("interaction.undone", async ({ interaction }) => {
    const post = await db.kysely.selectFrom("posts").select("account_id").where("id", "=", interaction.post_id).executeTakeFirst();
    if (post) await notifications.withdraw(post.account_id, interaction.type, interaction.iri);
  });

  // "Quoted your post" leads to the quoting post when it is stored (fetched with the request), else to the quoted one.
  events.on("quote.accepted", async ({ stamp, quoter, quoted, quoting }) => {
    await notifications.notify({ account: quoted.author, type: "quote", actor: quoter, post: quoting ?? quoted.post, sourceIri: stamp.quoting_iri });
  });

  // Replies and mentions, from another server or from this one.
  const repliesAndMentions = async ({ post, author, mentions }: Pick<PostDetails, "post" | "author" | "mentions">) => {
    let parentAuthorId: string | null = null;
    if (post.in_reply_to_iri) {
      const parent = await db.kysely.selectFrom("posts").select("account_id").where("iri", "=", post.in_reply_to_iri).executeTakeFirst();
      parentAuthorId = parent?.account_id ?? null;
    }
    const targets = new Map(mentions.filter((m) => m.domain === null).map((m) => [m.id, m]));
    if (parentAuthorId && !targets.has(parentAuthorId)) {
      const parentAuthor = await db.kysely.selectFrom("accounts").selectAll().where("id", "=", parentAuthorId).executeTakeFirst();
      if (parentAuthor?.domain === null) targets.set(parentAuthor.id, parentAuthor);
    }
    for (const account of targets.values()) {
      await notifications.notify({ account, type: account.id === parentAuthorId ? "reply" : "mention", actor: author, post, sourceIri: post.iri });
    }
  };
  events.on("post.received", repliesAndMentions);
  events.on("post.published", repliesAndMentions);
}
