import type { Transaction } from "kysely";
import type { Db } from "../storage/db.ts";
import type { AccountRow, BlockRow, Database, FollowRow, InteractionRow, PostRow, QuoteStampRow } from "../storage/schema.ts";
import { newId } from "../storage/time.ts";
import type { PostDetails, PostRef } from "./posts.ts";

/**
 * Domain events: what happened, written with the change that caused it and
 * handled after the commit. Side effects (federation, notifications)
 * subscribe here, so a failure in one of them never undoes or fails the
 * change itself, and a crash after the commit never loses them.
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
  /** A remote post was deleted by its author's server (the post as it was, now gone from the database). */
  "post.removed": PostDetails;
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
  "quote.accepted": { stamp: QuoteStampRow; quoter: AccountRow; quoted: PostDetails; requestIri: string; quoting?: PostRow | null };
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

/** Stages an event inside a transaction: it is written with the change, and handled once the change is committed. */
export type Stage = <K extends DomainEventName>(event: K, payload: DomainEventMap[K]) => void;

export interface DomainEventsOptions {
  /** How long the emitting process holds a committed event before others may dispatch it (default 30 s). */
  leaseMs?: number;
  /** Fault injection for tests: called right after a commit, before any handler runs. */
  afterCommit?: (events: DomainEventName[]) => void;
}

/** Tries before an event that keeps failing stays in `domain_events` for an admin to see (src/read/queues.ts). */
export const MAX_EVENT_ATTEMPTS = 20;
const MAX_ATTEMPTS = MAX_EVENT_ATTEMPTS;
const iso = (ms = 0) => new Date(Date.now() + ms).toISOString();

/**
 * A small typed event bus with a transactional outbox. Changes stage their
 * events inside their own transaction (`transaction`), so the change and the
 * events it causes are committed together; handlers run after the commit and
 * the event's row is removed once they all succeeded. A row left behind — the
 * process died between the commit and its handlers, or a handler failed — is
 * dispatched again by `dispatchDue` once its claim runs out: handlers run at
 * least once and must be idempotent (notifications are keyed by their source,
 * and receivers deduplicate activities by id). Handler errors are reported,
 * never thrown into the change.
 */
export class DomainEvents {
  readonly #handlers = new Map<DomainEventName, Handler<any>[]>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #leaseMs: number;

  constructor(
    private readonly onError: EventErrorReporter = () => {},
    private readonly options: DomainEventsOptions = {},
  ) {
    this.#leaseMs = options.leaseMs ?? 30_000;
  }

  on<K extends DomainEventName>(event: K, handler: Handler<K>): void {
    const list = this.#handlers.get(event) ?? [];
    list.push(handler);
    this.#handlers.set(event, list);
  }

  /** Runs every handler for the event in this process; resolves to whether all succeeded. Never rejects. */
  emit<K extends DomainEventName>(event: K, payload: DomainEventMap[K]): Promise<boolean> {
    const handlers = this.#handlers.get(event) ?? [];
    const run = Promise.all(
      handlers.map(async (h) => {
        try {
          await h(payload);
          return true;
        } catch (error) {
          this.onError(event, error);
          return false;
        }
      }),
    ).then((results) => results.every(Boolean));
    this.#pending.add(run);
    void run.finally(() => this.#pending.delete(run));
    return run;
  }

  /**
   * Runs `fn` in one transaction of `db`; the events it stages are written in
   * that transaction and handled after the commit (awaited, as `emit` is).
   */
  async transaction<T>(db: Db, fn: (trx: Transaction<Database>, stage: Stage) => Promise<T>): Promise<T> {
    const staged: Array<{ id: string; name: DomainEventName; payload: unknown }> = [];
    const result = await db.kysely.transaction().execute(async (trx) => {
      const value = await fn(trx, (name, payload) => void staged.push({ id: newId(), name, payload }));
      if (staged.length) {
        const now = iso();
        const claimedUntil = iso(this.#leaseMs);
        const rows = staged.map((e) => ({ id: e.id, name: e.name, payload: JSON.stringify(e.payload), created_at: now, claimed_until: claimedUntil, attempts: 1, last_error: null }));
        await trx.insertInto("domain_events").values(rows).execute();
      }
      return value;
    });
    if (staged.length) {
      this.options.afterCommit?.(staged.map((e) => e.name));
      for (const e of staged) await this.#handle(db, e.id, e.name, e.payload, 1);
    }
    return result;
  }

  /** Handles one stored event; removes it when every handler succeeded, else leaves it for a later try. */
  async #handle(db: Db, id: string, name: DomainEventName, payload: unknown, attempts: number): Promise<void> {
    const ok = await this.emit(name, payload as never);
    try {
      if (ok) {
        await db.kysely.deleteFrom("domain_events").where("id", "=", id).execute();
      } else {
        // Back off: 2 s, 4 s, … up to an hour; after MAX_ATTEMPTS it stays for an admin to see.
        const wait = attempts >= MAX_ATTEMPTS ? 100 * 365 * 86400_000 : Math.min(2 ** attempts * 1000, 3600_000);
        await db.kysely.updateTable("domain_events").set({ claimed_until: iso(wait), last_error: `a handler for ${name} failed` }).where("id", "=", id).execute();
      }
    } catch (error) {
      // The change is committed; if its event cannot be marked now, it is handled again later.
      this.onError(name, error);
    }
  }

  /**
   * Dispatches committed events whose claim ran out (their process died, or a
   * handler failed): claims up to `limit` in one statement, then handles them.
   * Returns how many it handled. Safe to run in several processes at once.
   */
  async dispatchDue(db: Db, limit = 100): Promise<number> {
    const now = iso();
    const due = db.kysely
      .selectFrom("domain_events")
      .select("id")
      .where("claimed_until", "<=", now)
      .where("attempts", "<", MAX_ATTEMPTS)
      .orderBy("id")
      .limit(limit);
    const claimed = await db.kysely
      .updateTable("domain_events")
      .set((eb) => ({ claimed_until: iso(this.#leaseMs), attempts: eb("attempts", "+", 1) }))
      .where("id", "in", db.dialect === "postgres" ? due.forUpdate().skipLocked() : due)
      .where("claimed_until", "<=", now)
      .returningAll()
      .execute();
    for (const row of claimed.sort((a, b) => (a.id < b.id ? -1 : 1))) {
      let payload: unknown;
      try {
        payload = JSON.parse(row.payload);
      } catch (error) {
        this.onError(row.name as DomainEventName, error);
        continue;
      }
      await this.#handle(db, row.id, row.name as DomainEventName, payload, row.attempts);
    }
    return claimed.length;
  }

  /** Waits for every handler still running (used before a CLI process exits). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
