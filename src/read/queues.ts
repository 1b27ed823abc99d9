import type { DeadLetter } from "../../federation/queue.ts";
import { MAX_EVENT_ATTEMPTS } from "../domain/events.ts";
import type { Db } from "../storage/db.ts";

export type { DeadLetter } from "../../federation/queue.ts";

/** What a queue offers for the messages it set aside after too many failures (KyselyMessageQueue does). */
export interface DeadLetterSource {
  deadLetters(options?: { limit?: number }): Promise<DeadLetter[]>;
  retryDeadLetter(id: string): Promise<boolean>;
  dropDeadLetter(id: string): Promise<boolean>;
}

/** An event of the transactional outbox that hit the attempt limit: it waits for an admin. */
export interface StuckEvent {
  id: string;
  name: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

/** The transactional outbox (`domain_events`): events still to be handled, and those that stopped trying. */
export interface OutboxBacklog {
  /** Committed events whose handlers have not all succeeded yet (being handled, or waiting for a retry). */
  waiting: number;
  /** How many hit the attempt limit; `stuckEvents` lists the oldest of them. */
  stuck: number;
  stuckEvents: StuckEvent[];
}

/**
 * What the admin page sees of background work, never a message's body
 * (outbox messages carry private keys): the dead letters of every queue,
 * which it can put back or drop, and the outbox's backlog.
 */
export interface QueueAdmin {
  /** Dead letters of every queue, newest failure first. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** Puts a dead letter back on its queue, due now; false when there is none by that id. */
  retry(id: string): Promise<boolean>;
  /** Deletes a dead letter for good; false when there is none by that id. */
  drop(id: string): Promise<boolean>;
  outbox(limit?: number): Promise<OutboxBacklog>;
}

const isSource = (q: unknown): q is DeadLetterSource =>
  typeof (q as DeadLetterSource | null)?.deadLetters === "function" &&
  typeof (q as DeadLetterSource).retryDeadLetter === "function" &&
  typeof (q as DeadLetterSource).dropDeadLetter === "function";

/** The admin view over `queues` (those that keep dead letters) and the database's outbox. */
export function queueAdmin(db: Db, queues: readonly unknown[]): QueueAdmin {
  const sources = queues.filter(isSource);
  return {
    async deadLetters(limit = 100) {
      const all = (await Promise.all(sources.map((q) => q.deadLetters({ limit })))).flat();
      return all.sort((a, b) => (a.failedAt === b.failedAt ? (a.id < b.id ? -1 : 1) : a.failedAt < b.failedAt ? 1 : -1)).slice(0, limit);
    },
    async retry(id) {
      for (const q of sources) if (await q.retryDeadLetter(id)) return true;
      return false;
    },
    async drop(id) {
      for (const q of sources) if (await q.dropDeadLetter(id)) return true;
      return false;
    },
    async outbox(limit = 20) {
      const [counts, stuckEvents] = await Promise.all([
        db.kysely
          .selectFrom("domain_events")
          .select([
            (e) => e.fn.countAll().as("total"),
            (e) => e.fn.sum<number>(e.case().when("attempts", ">=", MAX_EVENT_ATTEMPTS).then(1).else(0).end()).as("stuck"),
          ])
          .executeTakeFirstOrThrow(),
        db.kysely
          .selectFrom("domain_events")
          .select(["id", "name", "attempts", "last_error", "created_at"])
          .where("attempts", ">=", MAX_EVENT_ATTEMPTS)
          .orderBy("id")
          .limit(limit)
          .execute(),
      ]);
      const stuck = Number(counts.stuck ?? 0);
      return {
        waiting: Number(counts.total) - stuck,
        stuck,
        stuckEvents: stuckEvents.map((r) => ({ id: r.id, name: r.name, attempts: Number(r.attempts), lastError: r.last_error, createdAt: r.created_at })),
      };
    },
  };
}
