import { domainBlocked } from "./visibility.ts";
import type { Db } from "../storage/db.ts";
import type { AccountRow, BlockRow, FollowRow, ReportRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import type { LocalUrls } from "../urls.ts";
import { invalid } from "./errors.ts";
import type { DomainEvents } from "./events.ts";

/** Blocks, mutes and reports: what admins review, and what stops relationships. */
export class ModerationService {
  /** Blocked domains, cached so every delivery and inbox check does not read them all. */
  #blocked: { domains: Set<string>; until: number; version?: number } | null = null;
  /** Times the block list was read from the database (for tests and measurements). */
  blockListReads = 0;

  constructor(
    private readonly db: Db,
    private readonly urls: LocalUrls,
    private readonly events: DomainEvents,
    private readonly cacheMs = 10_000,
    /** With the domain blocks' version (ContentVersion row 2), the cache holds while it reads the same: a block made by another process counts at once. */
    private readonly version?: { current(): Promise<number> },
  ) {}

  static normalizeDomain(raw: string): string {
    const d = raw.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/.*$/, "").replace(/:\d+$/, "");
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d) && !/^[a-z0-9-]+$/.test(d)) throw invalid(`"${raw}" is not a domain name`);
    return d;
  }

  async blockDomain(raw: string, reason = ""): Promise<string> {
    const domain = ModerationService.normalizeDomain(raw);
    await this.db.kysely
      .insertInto("domain_blocks")
      .values({ domain, reason: reason.slice(0, 500), created_at: nowIso() })
      .onConflict((oc) => oc.column("domain").doUpdateSet({ reason: reason.slice(0, 500) }))
      .execute();
    this.#blocked = null;
    return domain;
  }

  async unblockDomain(raw: string): Promise<void> {
    await this.db.kysely.deleteFrom("domain_blocks").where("domain", "=", ModerationService.normalizeDomain(raw)).execute();
    this.#blocked = null;
  }

  async listDomainBlocks(): Promise<Array<{ domain: string; reason: string; created_at: string }>> {
    return this.db.kysely.selectFrom("domain_blocks").selectAll().orderBy("domain").execute();
  }

  /** The blocked domains, cached while the content version stays (else for `cacheMs`; dropped at once when this process changes them). */
  async blockedDomains(): Promise<ReadonlySet<string>> {
    const version = await this.version?.current();
    if (!this.#blocked || (version === undefined ? this.#blocked.until <= Date.now() : this.#blocked.version !== version)) {
      this.blockListReads++;
      const rows = await this.db.kysely.selectFrom("domain_blocks").select("domain").execute();
      this.#blocked = { domains: new Set(rows.map((r) => r.domain)), until: Date.now() + this.cacheMs, version };
    }
    return this.#blocked.domains;
  }

  /** Whether a host, or a domain above it, is blocked (blocking example.com blocks a.example.com). */
  async isDomainBlocked(host: string | null | undefined): Promise<boolean> {
    return domainBlocked(host, await this.blockedDomains());
  }

  /**
   * A local account blocks another (local or remote): follows both ways end
   * (the other server gets Undo/Reject for them, then a Block), and the
   * blocker's notifications from the target go. Safe to repeat: the same pair
   * keeps its one row and emits nothing again.
   */
  async blockAccount(blocker: AccountRow, target: AccountRow): Promise<BlockRow> {
    if (blocker.domain !== null) throw invalid("Only local accounts can block from here");
    if (blocker.id === target.id) throw invalid("An account cannot block itself");
    const id = newId();
    const row: BlockRow = { id, iri: this.urls.activity("block", id).href, account_id: blocker.id, target_id: target.id, created_at: nowIso() };
    const created = await this.events.transaction(this.db, async (trx, stage) => {
      const inserted = await trx.insertInto("blocks").values(row).onConflict((oc) => oc.doNothing()).returning("id").execute();
      const removed: FollowRow[] = await trx
        .deleteFrom("follows")
        .where((eb) =>
          eb.or([
            eb.and([eb("follower_id", "=", blocker.id), eb("following_id", "=", target.id)]),
            eb.and([eb("follower_id", "=", target.id), eb("following_id", "=", blocker.id)]),
          ]),
        )
        .returningAll()
        .execute();
      await trx.deleteFrom("notifications").where("account_id", "=", blocker.id).where("actor_id", "=", target.id).execute();
      // Tell the other server which follows ended, as Mastodon does before its Block (local pairs need no federation).
      for (const follow of removed) {
        if (target.domain === null) continue;
        if (follow.follower_id === blocker.id) stage("follow.undone", { follow, follower: blocker, following: target });
        else stage("follow.rejected", { follow, follower: target, following: blocker });
      }
      if (inserted.length > 0) stage("account.blocked", { block: row, blocker, target });
      return inserted.length > 0;
    });
    return created ? row : ((await this.#blockOf(blocker.id, target.id)) ?? row);
  }

  /** A local account lifts its block; the other server gets Undo{Block}. Returns whether there was one. */
  async unblockAccount(blocker: AccountRow, target: AccountRow): Promise<boolean> {
    const rows = await this.events.transaction(this.db, async (trx, stage) => {
      const deleted = await trx.deleteFrom("blocks").where("account_id", "=", blocker.id).where("target_id", "=", target.id).returningAll().execute();
      for (const block of deleted) stage("account.unblocked", { block, blocker, target });
      return deleted;
    });
    return rows.length > 0;
  }

  /** A local account mutes another: nothing is sent. Returns whether the mute is new. */
  async muteAccount(account: AccountRow, target: AccountRow): Promise<boolean> {
    if (account.domain !== null) throw invalid("Only local accounts can mute from here");
    if (account.id === target.id) throw invalid("An account cannot mute itself");
    const rows = await this.db.kysely
      .insertInto("mutes")
      .values({ id: newId(), account_id: account.id, target_id: target.id, created_at: nowIso() })
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .execute();
    return rows.length > 0;
  }

  async unmuteAccount(account: AccountRow, target: AccountRow): Promise<boolean> {
    const r = await this.db.kysely.deleteFrom("mutes").where("account_id", "=", account.id).where("target_id", "=", target.id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Whether `accountId` blocks `targetId` (one way only; see isBlocked for either way). */
  async blocks(accountId: string, targetId: string): Promise<boolean> {
    return (await this.#blockOf(accountId, targetId)) !== undefined;
  }

  /** Whether `accountId` mutes `targetId`. */
  async mutes(accountId: string, targetId: string): Promise<boolean> {
    const row = await this.db.kysely.selectFrom("mutes").select("id").where("account_id", "=", accountId).where("target_id", "=", targetId).executeTakeFirst();
    return row !== undefined;
  }

  /** How a viewer stands with another account, for a profile page. */
  async relationship(viewerId: string, targetId: string): Promise<{ blocking: boolean; blockedBy: boolean; muting: boolean }> {
    const [blocks, muting] = await Promise.all([
      this.db.kysely
        .selectFrom("blocks")
        .select("account_id")
        .where((eb) =>
          eb.or([
            eb.and([eb("account_id", "=", viewerId), eb("target_id", "=", targetId)]),
            eb.and([eb("account_id", "=", targetId), eb("target_id", "=", viewerId)]),
          ]),
        )
        .execute(),
      this.mutes(viewerId, targetId),
    ]);
    return { blocking: blocks.some((b) => b.account_id === viewerId), blockedBy: blocks.some((b) => b.account_id === targetId), muting };
  }

  /** The accounts `accountId` blocks, most recent first. */
  blockedBy(accountId: string): Promise<AccountRow[]> {
    return this.#targetsOf("blocks", accountId);
  }

  /** The accounts `accountId` mutes, most recent first. */
  mutedBy(accountId: string): Promise<AccountRow[]> {
    return this.#targetsOf("mutes", accountId);
  }

  #targetsOf(table: "blocks" | "mutes", accountId: string): Promise<AccountRow[]> {
    return this.db.kysely
      .selectFrom(`${table} as r` as "blocks as r")
      .innerJoin("accounts", "accounts.id", "r.target_id")
      .selectAll("accounts")
      .where("r.account_id", "=", accountId)
      .orderBy("r.id", "desc")
      .execute();
  }

  async #blockOf(accountId: string, targetId: string): Promise<BlockRow | undefined> {
    return this.db.kysely.selectFrom("blocks").selectAll().where("account_id", "=", accountId).where("target_id", "=", targetId).executeTakeFirst();
  }

  /** A remote `blocker` blocks a local `target` (an inbound Block): follows both ways end. Idempotent on the Block's IRI. */
  async block(iri: string, blocker: AccountRow, target: AccountRow): Promise<boolean> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const rows = await trx
        .insertInto("blocks")
        .values({ id: newId(), iri, account_id: blocker.id, target_id: target.id, created_at: nowIso() })
        .onConflict((oc) => oc.doNothing())
        .returning("id")
        .execute();
      await trx
        .deleteFrom("follows")
        .where((eb) =>
          eb.or([
            eb.and([eb("follower_id", "=", blocker.id), eb("following_id", "=", target.id)]),
            eb.and([eb("follower_id", "=", target.id), eb("following_id", "=", blocker.id)]),
          ]),
        )
        .execute();
      return rows.length > 0;
    });
  }

  /** Undo of a Block: only the blocker's own. */
  async unblock(iri: string, blocker: AccountRow): Promise<boolean> {
    const r = await this.db.kysely.deleteFrom("blocks").where("iri", "=", iri).where("account_id", "=", blocker.id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async isBlocked(accountId: string, targetId: string): Promise<boolean> {
    const row = await this.db.kysely
      .selectFrom("blocks")
      .select("id")
      .where((eb) =>
        eb.or([
          eb.and([eb("account_id", "=", accountId), eb("target_id", "=", targetId)]),
          eb.and([eb("account_id", "=", targetId), eb("target_id", "=", accountId)]),
        ]),
      )
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Stores a report for admins; idempotent on its IRI. */
  async report(input: { iri: string; reporter: AccountRow; target: AccountRow | null; objectIris: string[]; comment: string }): Promise<boolean> {
    const rows = await this.db.kysely
      .insertInto("reports")
      .values({
        id: newId(),
        iri: input.iri,
        reporter_id: input.reporter.id,
        target_id: input.target?.id ?? null,
        object_iris: JSON.stringify(input.objectIris.slice(0, 50)),
        comment: input.comment.slice(0, 5000),
        created_at: nowIso(),
        resolved_at: null,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("id")
      .execute();
    return rows.length > 0;
  }

  async openReports(): Promise<Array<ReportRow & { objects: string[] }>> {
    const rows = await this.db.kysely.selectFrom("reports").selectAll().where("resolved_at", "is", null).orderBy("id", "desc").limit(200).execute();
    return rows.map((r) => ({ ...r, objects: JSON.parse(r.object_iris) as string[] }));
  }

  async resolveReport(id: string): Promise<void> {
    await this.db.kysely.updateTable("reports").set({ resolved_at: nowIso() }).where("id", "=", id).execute();
  }
}
