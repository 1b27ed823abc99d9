import { canBoost, viewerOf } from "./visibility.ts";
import type { Db } from "../storage/db.ts";
import type { AccountRow, InteractionRow } from "../storage/schema.ts";
import { newId, nowIso } from "../storage/time.ts";
import type { LocalUrls } from "../urls.ts";
import { DomainError, invalid, notFound } from "./errors.ts";
import type { DomainEvents, Stage } from "./events.ts";
import type { ModerationService } from "./moderation.ts";
import type { PostDetails, PostRef } from "./posts.ts";

export type InteractionType = InteractionRow["type"];
const COUNTER = { like: "likes_count", boost: "boosts_count" } as const;

/** The post's row went (a remote Delete) while the like or boost of it was being written. */
function postGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY";
}

export class InteractionService {
  constructor(
    private readonly db: Db,
    private readonly urls: LocalUrls,
    private readonly events: DomainEvents,
    private readonly moderation: Pick<ModerationService, "isBlocked">,
  ) {}

  /**
   * Records a like or boost, keyed by its activity IRI and by (type, account,
   * post): a repeat changes nothing. Returns the row when it is new.
   */
  async #record(type: InteractionType, account: AccountRow, details: PostRef, iri: string, onNew: (row: InteractionRow, stage: Stage) => void): Promise<InteractionRow | null> {
    const row = { id: newId(), iri, type, account_id: account.id, post_id: details.post.id, created_at: nowIso() };
    try {
      return await this.events.transaction(this.db, async (trx, stage) => {
        const inserted = await trx.insertInto("interactions").values(row).onConflict((oc) => oc.doNothing()).returning("id").execute();
        if (inserted.length === 0) return null;
        const column = COUNTER[type];
        await trx.updateTable("posts").set((eb) => ({ [column]: eb(column, "+", 1) })).where("id", "=", details.post.id).execute();
        onNew(row, stage);
        return row;
      });
    } catch (error) {
      // Nothing to like any more: nothing is recorded, nothing counted.
      if (postGone(error)) return null;
      throw error;
    }
  }

  async #remove(row: InteractionRow, onRemoved: (stage: Stage) => void): Promise<boolean> {
    return this.events.transaction(this.db, async (trx, stage) => {
      const r = await trx.deleteFrom("interactions").where("id", "=", row.id).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) return false;
      onRemoved(stage);
      const column = COUNTER[row.type];
      await trx
        .updateTable("posts")
        .set((eb) => ({ [column]: eb(column, "-", 1) }))
        .where("id", "=", row.post_id)
        .where(column, ">", 0)
        .execute();
      return true;
    });
  }

  /** A remote account liked or boosted a post we know. */
  async receive(type: InteractionType, actor: AccountRow, details: PostRef, iri: string): Promise<boolean> {
    // Non-public posts can be boosted only by their author.
    if (type === "boost" && !canBoost(viewerOf(actor), details.post)) return false;
    const row = await this.#record(type, actor, details, iri, (interaction, stage) => stage("interaction.received", { interaction, actor, details }));
    return row !== null;
  }

  /** Undo of a like or boost: only its own actor can take it back. */
  async undoReceived(actor: AccountRow, iri: string): Promise<boolean> {
    const row = await this.db.kysely.selectFrom("interactions").selectAll().where("iri", "=", iri).where("account_id", "=", actor.id).executeTakeFirst();
    if (!row) return false;
    return this.#remove(row, (stage) => stage("interaction.undone", { interaction: row, actor }));
  }

  /** A local account likes or boosts a post (local or remote); the outbox tells the fediverse. */
  async act(type: InteractionType, account: AccountRow, details: PostDetails): Promise<InteractionRow> {
    if (account.domain !== null) throw invalid("Only local accounts act from here");
    if (details.post.deleted_at) throw new DomainError(410, "That post was deleted", "gone");
    // A block either way hides the post, as if it were not there.
    if (details.author.id !== account.id && (await this.moderation.isBlocked(account.id, details.author.id))) throw notFound("Post");
    if (type === "boost" && !canBoost(viewerOf(account), details.post)) throw invalid("Only public posts can be boosted");
    const existing = await this.find(type, account.id, details.post.id);
    if (existing) return existing;
    const id = newId();
    const row = await this.#record(type, account, details, this.urls.activity(type, id).href, (interaction, stage) =>
      stage("interaction.created", { interaction, actor: account, details }),
    );
    const stored = row ?? (await this.find(type, account.id, details.post.id));
    if (!stored) throw new DomainError(410, "That post was deleted", "gone");
    return stored;
  }

  async undo(type: InteractionType, account: AccountRow, details: PostDetails): Promise<boolean> {
    const row = await this.find(type, account.id, details.post.id);
    if (!row) return false;
    return this.#remove(row, (stage) => stage("interaction.withdrawn", { interaction: row, actor: account, details }));
  }

  async find(type: InteractionType, accountId: string, postId: string): Promise<InteractionRow | undefined> {
    return this.db.kysely
      .selectFrom("interactions")
      .selectAll()
      .where("type", "=", type)
      .where("account_id", "=", accountId)
      .where("post_id", "=", postId)
      .executeTakeFirst();
  }

  /** Which of these posts the viewer has liked / boosted. */
  async viewerState(accountId: string, postIds: string[]): Promise<Map<string, Set<InteractionType>>> {
    const out = new Map<string, Set<InteractionType>>();
    if (postIds.length === 0) return out;
    const rows = await this.db.kysely
      .selectFrom("interactions")
      .select(["post_id", "type"])
      .where("account_id", "=", accountId)
      .where("post_id", "in", postIds)
      .execute();
    for (const r of rows) {
      if (!out.has(r.post_id)) out.set(r.post_id, new Set());
      out.get(r.post_id)!.add(r.type);
    }
    return out;
  }
}
