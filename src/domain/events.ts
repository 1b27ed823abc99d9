import type { AccountRow, BlockRow, FollowRow, InteractionRow, QuoteStampRow } from "../storage/schema.ts";
import type { PostDetails, PostRef } from "./posts.ts";

/**
 * Domain events: what happened, emitted after the change is committed.
 * Side effects (federation, notifications) subscribe here, so a failure in
 * one of them never undoes or fails the change itself.
 */
export interface DomainEventMap {
  /** A local account asked to follow a remote one. */
  "follow.requested": { follow: FollowRow; follower: AccountRow; following: AccountRow };
  /** A local account stopped following (or withdrew a request to) a remote one. */
  "follow.undone": { follow: FollowRow; follower: AccountRow; following: AccountRow };
  /** A remote account asked to follow a local one (first time for this pair). */
  "follow.received": { follow: FollowRow; follower: AccountRow; following: AccountRow };
  /** A follow changed state without a local decision: the other side accepted, rejected, or undid it. */
  "follow.changed": { follower: AccountRow; following: AccountRow };
  /** A local account accepted a remote follower (at once or after approval). */
  "follow.accepted": { follow: FollowRow; follower: AccountRow; following: AccountRow };
  /** A local account rejected a follow request or removed a follower. */
  "follow.rejected": { follow: FollowRow; follower: AccountRow; following: AccountRow };
  /** A local post was published, edited, or deleted (deleted_at set). */
  "post.published": PostDetails;
  "post.updated": PostDetails;
  "post.deleted": PostDetails;
  /** A remote post arrived and was stored (first time only). */
  "post.received": PostDetails;
  /** A remote account liked or boosted a post; undone later perhaps. */
  "interaction.received": { interaction: InteractionRow; actor: AccountRow; details: PostRef };
  "interaction.undone": { interaction: InteractionRow; actor: AccountRow };
  /** A local account changed its profile. */
  "account.updated": { account: AccountRow };
  /**
   * A local account blocked another (first time for this pair), or lifted the
   * block. Follows between the two were removed with the block; those removals
   * came as their own follow.undone / follow.rejected events.
   */
  "account.blocked": { block: BlockRow; blocker: AccountRow; target: AccountRow };
  "account.unblocked": { block: BlockRow; blocker: AccountRow; target: AccountRow };
  /** A local account is about to be deleted: tell everyone who knew it (before its keys go). */
  "account.deleted": { account: AccountRow; recipients: AccountRow[] };
  /** A quote of a local post was allowed (answer with Accept + stamp), refused, or revoked. */
  "quote.accepted": { stamp: QuoteStampRow; quoter: AccountRow; quoted: PostDetails; requestIri: string };
  "quote.rejected": { requestIri: string; quoter: AccountRow; quoted: PostDetails; quotingIri: string };
  "quote.revoked": { stamp: QuoteStampRow; quoter: AccountRow; quoted: PostDetails };
  /** A local account liked or boosted a post, or took it back. */
  "interaction.created": { interaction: InteractionRow; actor: AccountRow; details: PostDetails };
  "interaction.withdrawn": { interaction: InteractionRow; actor: AccountRow; details: PostDetails };
}

export type DomainEventName = keyof DomainEventMap;
type Handler<K extends DomainEventName> = (payload: DomainEventMap[K]) => void | Promise<void>;

export interface EventErrorReporter {
  (event: DomainEventName, error: unknown): void;
}

/** A small typed event bus. Handlers run after emit's caller continues; their errors are reported, never thrown. */
export class DomainEvents {
  readonly #handlers = new Map<DomainEventName, Handler<any>[]>();
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly onError: EventErrorReporter = () => {}) {}

  on<K extends DomainEventName>(event: K, handler: Handler<K>): void {
    const list = this.#handlers.get(event) ?? [];
    list.push(handler);
    this.#handlers.set(event, list);
  }

  /** Runs every handler for the event; resolves when they finished. Never rejects. */
  emit<K extends DomainEventName>(event: K, payload: DomainEventMap[K]): Promise<void> {
    const handlers = this.#handlers.get(event) ?? [];
    const run = Promise.all(
      handlers.map(async (h) => {
        try {
          await h(payload);
        } catch (error) {
          this.onError(event, error);
        }
      }),
    ).then(() => {});
    this.#pending.add(run);
    void run.finally(() => this.#pending.delete(run));
    return run;
  }

  /** Waits for every handler still running (used before a CLI process exits). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
