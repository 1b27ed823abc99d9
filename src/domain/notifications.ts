import type { Db } from "../storage/db.ts";
import type { AccountRow, NotificationRow, NotificationType, PostRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import type { DomainEvents } from "./events.ts";
import type { ModerationService } from "./moderation.ts";
import type { PostDetails } from "./posts.ts";
import { accountVisibleTo } from "./visibility.ts";

export interface NotificationView extends NotificationRow {
  actor: AccountRow;
}

export class NotificationService {
  constructor(
    private readonly db: Db,
    private readonly moderation: Pick<ModerationService, "blocks">,
  ) {}

  /**
   * Notifies a local account; the same source notifies once, and an account
   * it blocks never does. Returns whether a new one was made.
   */
  async notify(input: { account: AccountRow; type: NotificationType; actor: AccountRow; post?: PostRow | null; sourceIri: string }): Promise<boolean> {
    if (input.account.domain !== null || input.account.id === input.actor.id) return false;
    if (await this.moderation.blocks(input.account.id, input.actor.id)) return false;
    const rows = await this.db.kysely
      .insertInto("notifications")
      .values({
        id: newId(),
        account_id: input.account.id,
        type: input.type,
        actor_id: input.actor.id,
        post_id: input.post?.id ?? null,
        source_iri: input.sourceIri,
        created_at: nowIso(),
        read_at: null,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .execute();
    return rows.length > 0;
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
      ])
      .where("notifications.account_id", "=", accountId)
      // Notifications from accounts the reader blocks, mutes or may not see (suspended, blocked domains) stay hidden.
      .where(accountVisibleTo({ kind: "account", id: accountId, isLocal: true }, "notifications.actor_id", "list"))
      .orderBy("notifications.id", "desc")
      .limit(limit + 1);
    if (opts.cursor) q = q.where("notifications.id", "<", opts.cursor);
    if (opts.unreadOnly) q = q.where("notifications.read_at", "is", null);
    const rows = await q.execute();
    const items = rows.slice(0, limit).map(({ a_iri, a_username, a_domain, a_display_name, a_url, ...n }) => ({
      ...n,
      actor: { id: n.actor_id, iri: a_iri, username: a_username, domain: a_domain, display_name: a_display_name, url: a_url } as AccountRow,
    }));
    return { items, nextCursor: rows.length > limit ? items[limit - 1].id : null };
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
