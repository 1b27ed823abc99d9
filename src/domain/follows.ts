import type { Db } from "../storage/db.ts";
import type { AccountRow, FollowRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import type { LocalUrls } from "../urls.ts";
import { DomainError, invalid, notFound } from "./errors.ts";
import type { DomainEvents } from "./events.ts";
import type { ModerationService } from "./moderation.ts";

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface FollowPageItem {
  follow: FollowRow;
  account: AccountRow;
}

export class FollowService {
  constructor(
    private readonly db: Db,
    private readonly urls: LocalUrls,
    private readonly events: DomainEvents,
    private readonly moderation: Pick<ModerationService, "blocks">,
  ) {}

  async getByIri(iri: string): Promise<FollowRow | undefined> {
    return this.db.kysely.selectFrom("follows").selectAll().where("iri", "=", iri).executeTakeFirst();
  }

  async getByPair(followerId: string, followingId: string): Promise<FollowRow | undefined> {
    return this.db.kysely
      .selectFrom("follows")
      .selectAll()
      .where("follower_id", "=", followerId)
      .where("following_id", "=", followingId)
      .executeTakeFirst();
  }

  /**
   * A remote account asks to follow a local one (an inbound Follow). Accepted
   * at once unless the local account is locked. Safe to repeat: the same Follow
   * (or a new Follow for the same pair) leaves one row and returns its state,
   * so the caller can answer Accept again.
   */
  async receiveFollow(input: { iri: string; follower: AccountRow; target: AccountRow }): Promise<{
    follow: FollowRow;
    created: boolean;
  }> {
    if (input.target.domain !== null) throw invalid("Follow target is not a local account");
    const now = nowIso();
    const state = input.target.manually_approves_followers ? "pending" : "accepted";
    const existing = await this.getByPair(input.follower.id, input.target.id);
    if (existing) {
      if (existing.iri !== input.iri) {
        // A fresh Follow for a pair we already have: answer it under its new IRI.
        await this.db.kysely.updateTable("follows").set({ iri: input.iri }).where("id", "=", existing.id).execute();
      }
      return { follow: { ...existing, iri: input.iri }, created: false };
    }
    const row: FollowRow = {
      id: newId(),
      iri: input.iri,
      follower_id: input.follower.id,
      following_id: input.target.id,
      state,
      created_at: now,
      accepted_at: state === "accepted" ? now : null,
    };
    const inserted = await this.events.transaction(this.db, async (trx, stage) => {
      const rows = await trx.insertInto("follows").values(row).onConflict((oc) => oc.doNothing()).returning("id").execute();
      if (rows.length > 0) stage("follow.received", { follow: row, follower: input.follower, following: input.target });
      return rows.length > 0;
    });
    if (!inserted) {
      // Raced with the same activity delivered twice at once.
      const again = await this.getByPair(input.follower.id, input.target.id);
      if (!again) throw new Error("follow vanished while being stored");
      return { follow: again, created: false };
    }
    return { follow: row, created: true };
  }

  /** A local account approves a pending follow request. */
  async approve(followId: string): Promise<FollowRow> {
    const { follow, follower, following } = await this.#load(followId);
    if (follow.state === "accepted") return follow;
    const now = nowIso();
    const updated = { ...follow, state: "accepted" as const, accepted_at: now };
    await this.events.transaction(this.db, async (trx, stage) => {
      const r = await trx.updateTable("follows").set({ state: "accepted", accepted_at: now }).where("id", "=", follow.id).where("state", "=", "pending").executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) stage("follow.accepted", { follow: updated, follower, following });
    });
    return updated;
  }

  /**
   * A local account answers a follow request it received (the web page, the
   * notification's buttons, the CLI): accepted, the follower's server gets an
   * Accept; refused, a Reject. Only the requested account may answer, and only
   * a pending request: anything else is "no such request".
   */
  async answerRequest(account: AccountRow, followId: string, accept: boolean): Promise<FollowRow> {
    const follow = await this.db.kysely.selectFrom("follows").selectAll().where("id", "=", followId).executeTakeFirst();
    if (!follow || follow.following_id !== account.id || follow.state !== "pending") throw notFound("Follow request");
    if (accept) return this.approve(follow.id);
    await this.reject(follow.id);
    return follow;
  }

  /** A local account rejects a follow request, or removes an existing follower. */
  async reject(followId: string): Promise<void> {
    const { follow, follower, following } = await this.#load(followId);
    await this.events.transaction(this.db, async (trx, stage) => {
      await trx.deleteFrom("follows").where("id", "=", follow.id).execute();
      stage("follow.rejected", { follow, follower, following });
    });
  }

  /** Announces that an inbound follow was accepted (used right after receiveFollow). */
  async announceAccepted(follow: FollowRow, follower: AccountRow, following: AccountRow): Promise<void> {
    await this.events.emit("follow.accepted", { follow, follower, following });
  }

  /** A local account asks to follow a remote one; the Follow is sent by the outbox. */
  async follow(follower: AccountRow, target: AccountRow): Promise<FollowRow> {
    if (follower.domain !== null) throw invalid("Only local accounts can follow from here");
    if (follower.id === target.id) throw invalid("An account cannot follow itself");
    if (await this.moderation.blocks(follower.id, target.id)) throw invalid("Unblock this account before following it");
    if (await this.moderation.blocks(target.id, follower.id)) throw new DomainError(403, "You cannot follow this account", "forbidden");
    const existing = await this.getByPair(follower.id, target.id);
    if (existing) return existing;
    const id = newId();
    const local = target.domain === null;
    const now = nowIso();
    const row: FollowRow = {
      id,
      iri: this.urls.follow(id).href,
      follower_id: follower.id,
      following_id: target.id,
      // Following a local account needs no federation.
      state: local && !target.manually_approves_followers ? "accepted" : "pending",
      created_at: now,
      accepted_at: local && !target.manually_approves_followers ? now : null,
    };
    await this.events.transaction(this.db, async (trx, stage) => {
      const rows = await trx.insertInto("follows").values(row).onConflict((oc) => oc.doNothing()).returning("id").execute();
      // A local target is told as a remote one's server is (a follow, or a request to answer).
      if (rows.length > 0) stage(local ? "follow.received" : "follow.requested", { follow: row, follower, following: target });
    });
    return (await this.getByPair(follower.id, target.id))!;
  }

  /** A local account stops following someone (or withdraws its request). */
  async unfollow(follower: AccountRow, target: AccountRow): Promise<boolean> {
    const existing = await this.getByPair(follower.id, target.id);
    if (!existing) return false;
    await this.events.transaction(this.db, async (trx, stage) => {
      await trx.deleteFrom("follows").where("id", "=", existing.id).execute();
      // For a local target nothing is sent (delivery skips local accounts); a request it had not answered goes from its notifications.
      stage("follow.undone", { follow: existing, follower, following: target });
    });
    return true;
  }

  /**
   * The remote side accepted one of our follows. Matched by the Follow's IRI,
   * or else by the pair (some servers accept with an object of their own).
   */
  async markAccepted(match: { iri?: string; followerId?: string; followingId: string }): Promise<boolean> {
    const q = this.db.kysely
      .updateTable("follows")
      .set({ state: "accepted", accepted_at: nowIso() })
      .where("following_id", "=", match.followingId)
      .where("state", "=", "pending");
    const r = match.iri
      ? await q.where("iri", "=", match.iri).executeTakeFirst()
      : match.followerId
        ? await q.where("follower_id", "=", match.followerId).executeTakeFirst()
        : undefined;
    const changed = Number(r?.numUpdatedRows ?? 0n) > 0;
    if (changed) {
      const follow = match.iri ? await this.getByIri(match.iri) : await this.getByPair(match.followerId!, match.followingId);
      if (follow) await this.#changed(follow.follower_id, follow.following_id);
    }
    return changed;
  }

  async #changed(followerId: string, followingId: string): Promise<void> {
    const [follower, following] = await Promise.all([
      this.db.kysely.selectFrom("accounts").selectAll().where("id", "=", followerId).executeTakeFirst(),
      this.db.kysely.selectFrom("accounts").selectAll().where("id", "=", followingId).executeTakeFirst(),
    ]);
    if (follower && following) await this.events.emit("follow.changed", { follower, following });
  }

  /** Removes a follow by its IRI, or by the pair when the IRI is unknown. Only the follower may undo. */
  async removeInbound(match: { iri?: string; followerId: string; followingId?: string }): Promise<boolean> {
    let q = this.db.kysely.deleteFrom("follows").where("follower_id", "=", match.followerId);
    if (match.iri && (await this.getByIri(match.iri))) q = q.where("iri", "=", match.iri);
    else if (match.followingId) q = q.where("following_id", "=", match.followingId);
    else return false;
    const rows = await q.returning("following_id").execute();
    for (const r of rows) await this.#changed(match.followerId, r.following_id);
    return rows.length > 0;
  }

  /** The remote side rejected our follow, or removed us as a follower. */
  async removeOutbound(match: { iri?: string; followerId: string; followingId: string }): Promise<boolean> {
    const r = await this.db.kysely
      .deleteFrom("follows")
      .where("follower_id", "=", match.followerId)
      .where("following_id", "=", match.followingId)
      .executeTakeFirst();
    const removed = Number(r.numDeletedRows) > 0;
    if (removed) await this.#changed(match.followerId, match.followingId);
    return removed;
  }

  /** Accepted followers of an account, newest first; keyset-paged by follow id. */
  async followers(accountId: string, opts: { cursor?: string | null; limit?: number } = {}): Promise<Page<FollowPageItem>> {
    return this.#page("following_id", "follower_id", accountId, opts);
  }

  /** Accounts this account follows (accepted only), newest first. */
  async following(accountId: string, opts: { cursor?: string | null; limit?: number } = {}): Promise<Page<FollowPageItem>> {
    return this.#page("follower_id", "following_id", accountId, opts);
  }

  async pendingRequests(accountId: string): Promise<FollowPageItem[]> {
    const rows = await this.db.kysely
      .selectFrom("follows")
      .innerJoin("accounts", "accounts.id", "follows.follower_id")
      .selectAll("accounts")
      .select(["follows.id as f_id", "follows.iri as f_iri", "follows.created_at as f_created_at"])
      .where("follows.following_id", "=", accountId)
      .where("follows.state", "=", "pending")
      .orderBy("follows.id", "desc")
      .execute();
    return rows.map(({ f_id, f_iri, f_created_at, ...account }) => ({
      follow: {
        id: f_id,
        iri: f_iri,
        follower_id: account.id,
        following_id: accountId,
        state: "pending",
        created_at: f_created_at,
        accepted_at: null,
      },
      account,
    }));
  }

  /** Whether any local account follows this (remote) account. */
  async hasLocalFollowers(accountId: string): Promise<boolean> {
    const row = await this.db.kysely
      .selectFrom("follows")
      .innerJoin("accounts", "accounts.id", "follows.follower_id")
      .select("follows.id")
      .where("follows.following_id", "=", accountId)
      .where("follows.state", "=", "accepted")
      .where("accounts.domain", "is", null)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async countFollowers(accountId: string): Promise<number> {
    return this.#count("following_id", accountId);
  }

  async countFollowing(accountId: string): Promise<number> {
    return this.#count("follower_id", accountId);
  }

  async #count(column: "following_id" | "follower_id", accountId: string): Promise<number> {
    const r = await this.db.kysely
      .selectFrom("follows")
      .select((e) => e.fn.countAll().as("n"))
      .where(column, "=", accountId)
      .where("state", "=", "accepted")
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async #page(
    by: "following_id" | "follower_id",
    other: "follower_id" | "following_id",
    accountId: string,
    opts: { cursor?: string | null; limit?: number },
  ): Promise<Page<FollowPageItem>> {
    const limit = Math.min(Math.max(opts.limit ?? 40, 1), 10_000);
    let q = this.db.kysely
      .selectFrom("follows")
      .innerJoin("accounts", "accounts.id", `follows.${other}`)
      .selectAll("accounts")
      .select([
        "follows.id as f_id",
        "follows.iri as f_iri",
        "follows.follower_id as f_follower_id",
        "follows.following_id as f_following_id",
        "follows.created_at as f_created_at",
        "follows.accepted_at as f_accepted_at",
      ])
      .where(`follows.${by}`, "=", accountId)
      .where("follows.state", "=", "accepted")
      .orderBy("follows.id", "desc")
      .limit(limit + 1);
    if (opts.cursor) q = q.where("follows.id", "<", opts.cursor);
    const rows = await q.execute();
    const items = rows.slice(0, limit).map(({ f_id, f_iri, f_follower_id, f_following_id, f_created_at, f_accepted_at, ...account }) => ({
      follow: {
        id: f_id,
        iri: f_iri,
        follower_id: f_follower_id,
        following_id: f_following_id,
        state: "accepted" as const,
        created_at: f_created_at,
        accepted_at: f_accepted_at,
      },
      account,
    }));
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].follow.id : null };
  }

  async #load(followId: string) {
    const follow = await this.db.kysely.selectFrom("follows").selectAll().where("id", "=", followId).executeTakeFirst();
    if (!follow) throw notFound("Follow request");
    const [follower, following] = await Promise.all([
      this.db.kysely.selectFrom("accounts").selectAll().where("id", "=", follow.follower_id).executeTakeFirstOrThrow(),
      this.db.kysely.selectFrom("accounts").selectAll().where("id", "=", follow.following_id).executeTakeFirstOrThrow(),
    ]);
    return { follow, follower, following };
  }
}
