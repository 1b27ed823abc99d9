import { randomUUID } from "node:crypto";
import type { MessageQueue, MessageQueueDepth, MessageQueueEnqueueOptions, MessageQueueListenOptions } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { type Insertable, sql } from "kysely";
import type pg from "pg";
import type { Db } from "../src/storage/db.ts";
import type { QueueMessagesTable } from "../src/storage/schema.ts";
import { newId } from "../src/storage/time.ts";

export interface KyselyMessageQueueOptions {
  /** A name, so several logical queues share one table (default "fedify"). */
  queue?: string;
  /** How often an idle listener looks for due messages (default 200 ms; PostgreSQL is also woken by NOTIFY). */
  pollIntervalMs?: number;
  /** How long a claimed message stays invisible to others; renewed while its handler runs (default 30 s). */
  leaseMs?: number;
  /**
   * Messages one listener handles at once (never two of one ordering key).
   * Messages to one remote origin take at most max(1, floor(concurrency / 4))
   * of them, and a second one of an origin only while the listener is at
   * most half busy: origins that never answer cannot fill every slot.
   */
  concurrency?: number;
  /**
   * A handler still running after this long stops holding a slot: it runs on
   * (its lease renewed), its origin gets no new slot here until it ends, and
   * another message takes the slot. At most `concurrency` such at once. Off
   * by default.
   */
  slowAfterMs?: number;
  /** Tries before a failing message goes to the dead letters (default 10). */
  maxAttempts?: number;
  /** How long a failed message waits before its next try, by attempts so far (default 2^attempts s, at most 1 h). */
  retryDelayMs?: (attempts: number) => number;
}

/** A message set aside after too many failures. Its body is never shown: outbox messages carry private keys. */
export interface DeadLetter {
  id: string;
  queue: string;
  /** The remote origin it was for (outbox deliveries), if any. */
  origin: string | null;
  orderingKey: string | null;
  /** Fedify's message type ("inbox", "outbox", "fanout") and activity type, when the message says. */
  kind: string | null;
  activityType: string | null;
  attempts: number;
  /** The last error's message. */
  error: string;
  createdAt: string;
  failedAt: string;
}

type Row = { id: string; message: string; ordering_key: string | null; origin: string | null; attempts: number; created_at: string };
type Running = { origin: string | null; slow: boolean; timer?: ReturnType<typeof setTimeout>; done?: Promise<void> };

const CHANNEL = "pictor_queue";
const iso = (ms = 0) => new Date(Date.now() + ms).toISOString();
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 2000);
/** Claims, and the LISTEN connection, back off this way while the database is away: 100 ms doubling up to 5 s. */
const backoffMs = (failures: number) => Math.min(5000, 100 * 2 ** Math.max(0, failures - 1));

/** The remote origin a message talks to: an outbox message's inbox (Fedify's OutboxMessage.inbox); null otherwise. */
export function originOf(message: unknown): string | null {
  const inbox = (message as { inbox?: unknown } | null)?.inbox;
  if (typeof inbox !== "string") return null;
  try {
    return new URL(inbox).origin.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * A persistent MessageQueue on Pictor's database, for SQLite and PostgreSQL.
 *
 * Decided deliberately: a message is not deleted when claimed. Claiming sets
 * a lease (renewed while the handler runs); the row is deleted only after
 * the handler finishes. A process that dies mid-handler leaves the row, and
 * another consumer takes it when the lease runs out: delivery is at least
 * once, and receivers deduplicate by activity id.
 *
 * Claims are single statements that two consumers can never both win: on
 * PostgreSQL the candidates are locked with `FOR UPDATE SKIP LOCKED`, on
 * SQLite one `UPDATE … RETURNING` runs alone (one writer at a time). A
 * message with an ordering key is claimable only when no earlier message
 * with that key is left, so those run one at a time, in order.
 *
 * The database may go away: every query failure is caught and logged, claims
 * pause with a growing backoff, and what could not be recorded runs again
 * when its lease lapses. A message that fails `maxAttempts` times (or whose
 * consumers keep dying) is moved to `dead_letters` with its last error.
 *
 * Message bodies are never logged: outbox messages carry private keys.
 */
export class KyselyMessageQueue implements MessageQueue {
  readonly #db: Db;
  readonly #queue: string;
  readonly #pollMs: number;
  readonly #leaseMs: number;
  readonly #concurrency: number;
  readonly #perOrigin: number;
  readonly #slowAfterMs: number | undefined;
  readonly #maxAttempts: number;
  readonly #retryDelayMs: (attempts: number) => number;
  readonly #owner = randomUUID();
  readonly #wakers = new Set<() => void>();
  readonly #logger = getLogger(["pictor", "queue"]);

  constructor(db: Db, options: KyselyMessageQueueOptions = {}) {
    this.#db = db;
    this.#queue = options.queue ?? "fedify";
    this.#pollMs = options.pollIntervalMs ?? 200;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#perOrigin = Math.max(1, Math.floor(this.#concurrency / 4));
    this.#slowAfterMs = options.slowAfterMs;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 10);
    this.#retryDelayMs = options.retryDelayMs ?? ((attempts) => Math.min(60 * 60 * 1000, 1000 * 2 ** Math.min(12, attempts)));
  }

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    await this.enqueueMany([message], options);
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    if (messages.length === 0) return;
    const delayMs = options?.delay ? Math.max(0, options.delay.total({ unit: "millisecond" })) : 0;
    const now = iso();
    const runAt = iso(delayMs);
    const rows = messages.map((message) => ({
      id: newId(),
      queue: this.#queue,
      message: JSON.stringify(message),
      ordering_key: options?.orderingKey ?? null,
      origin: originOf(message),
      run_at: runAt,
      locked_until: null,
      locked_by: null,
      created_at: now,
    }));
    await this.#inserts.addAll(rows);
  }

  /**
   * Enqueues that arrive together share one INSERT (and one NOTIFY): a web
   * process taking many inbox POSTs at once writes them in a few statements,
   * each enqueue resolving once its row is stored (or rejecting with its batch).
   * On SQLite that is one write lock taken per batch instead of per activity.
   */
  readonly #inserts = new Batcher<Insertable<QueueMessagesTable>>(async (rows) => {
    await this.#db.kysely.insertInto("queue_messages").values(rows).execute();
    await this.#notify();
  });

  async getDepth(): Promise<MessageQueueDepth> {
    const now = iso();
    const r = await this.#db.kysely
      .selectFrom("queue_messages")
      .select([
        (e) => e.fn.countAll().as("queued"),
        sql<number>`sum(case when run_at <= ${now} and (locked_until is null or locked_until < ${now}) then 1 else 0 end)`.as("ready"),
        sql<number>`sum(case when run_at > ${now} then 1 else 0 end)`.as("delayed"),
      ])
      .where("queue", "=", this.#queue)
      .executeTakeFirstOrThrow();
    return { queued: Number(r.queued), ready: Number(r.ready ?? 0), delayed: Number(r.delayed ?? 0) };
  }

  /**
   * Copies of `message` (same JSON) in this queue: how many wait or run, and
   * how many a consumer holds a live lease on right now. A generation job's
   * message with no live lease has lost its worker.
   */
  async copies(message: unknown): Promise<{ queued: number; leased: number }> {
    const now = iso();
    const r = await this.#db.kysely
      .selectFrom("queue_messages")
      .select([(e) => e.fn.countAll().as("queued"), sql<number>`sum(case when locked_until >= ${now} then 1 else 0 end)`.as("leased")])
      .where("queue", "=", this.#queue)
      .where("message", "=", JSON.stringify(message))
      .executeTakeFirstOrThrow();
    return { queued: Number(r.queued), leased: Number(r.leased ?? 0) };
  }

  /** Messages of this queue set aside after too many failures, newest failure first. */
  async deadLetters(options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const rows = await this.#db.kysely
      .selectFrom("dead_letters")
      .selectAll()
      .where("queue", "=", this.#queue)
      .orderBy("failed_at", "desc")
      .orderBy("id")
      .limit(options.limit ?? 100)
      .execute();
    return rows.map((r) => {
      let kind: string | null = null;
      let activityType: string | null = null;
      try {
        const m = JSON.parse(r.message) as { type?: unknown; activityType?: unknown };
        if (typeof m?.type === "string") kind = m.type;
        if (typeof m?.activityType === "string") activityType = m.activityType;
      } catch {}
      return {
        id: r.id,
        queue: r.queue,
        origin: r.origin,
        orderingKey: r.ordering_key,
        kind,
        activityType,
        attempts: r.attempts,
        error: r.error,
        createdAt: r.created_at,
        failedAt: r.failed_at,
      };
    });
  }

  /** Puts a dead letter back in the queue, due now, with its attempts reset. False if there is none by that id. */
  async retryDeadLetter(id: string): Promise<boolean> {
    const moved = await this.#db.kysely.transaction().execute(async (trx) => {
      const row = await trx.selectFrom("dead_letters").selectAll().where("id", "=", id).where("queue", "=", this.#queue).executeTakeFirst();
      if (!row) return false;
      await trx.deleteFrom("dead_letters").where("id", "=", id).execute();
      await trx
        .insertInto("queue_messages")
        .values({ id: row.id, queue: row.queue, message: row.message, ordering_key: row.ordering_key, origin: row.origin, run_at: iso(), locked_until: null, locked_by: null, attempts: 0, created_at: row.created_at })
        .execute();
      return true;
    });
    if (moved) await this.#notify();
    return moved;
  }

  /** Deletes a dead letter for good. False if there is none by that id. */
  async dropDeadLetter(id: string): Promise<boolean> {
    const r = await this.#db.kysely.deleteFrom("dead_letters").where("id", "=", id).where("queue", "=", this.#queue).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async #notify(): Promise<void> {
    for (const w of this.#wakers) w();
    if (this.#db.dialect === "postgres") await sql`SELECT pg_notify(${CHANNEL}, ${this.#queue})`.execute(this.#db.kysely).catch(() => {});
  }

  /**
   * Claims up to `free` due messages in one statement, one per origin (and
   * none of `excluded` origins). Messages of origins that already run here
   * (`busy`) come after the rest, and only while `reserve` slots stay
   * free. Of the messages that share an ordering key only the oldest is
   * ever due, so one batch never holds two of a key.
   */
  async #claim(free: number, excluded: readonly string[], busy: readonly string[], reserve: number): Promise<Row[]> {
    const now = iso();
    const lockedUntil = iso(this.#leaseMs);
    const scan = Math.max(64, this.#concurrency * 8);
    const skipLocked = this.#db.dialect === "postgres" ? sql`FOR UPDATE SKIP LOCKED` : sql``;
    const notExcluded = excluded.length > 0 ? sql`AND (m.origin IS NULL OR m.origin NOT IN (${sql.join(excluded)}))` : sql``;
    const isBusy = busy.length > 0 ? sql`CASE WHEN c.origin IN (${sql.join(busy)}) THEN 1 ELSE 0 END` : sql`0`;
    const result = await sql<Row>`
      UPDATE queue_messages
         SET locked_until = ${lockedUntil}, locked_by = ${this.#owner}, attempts = attempts + 1
       WHERE id IN (
         SELECT p.id FROM (
           SELECT r.id, r.busy, row_number() OVER (ORDER BY r.busy, r.run_at, r.id) AS pos FROM (
             SELECT c.id, c.run_at, ${isBusy} AS busy,
                    row_number() OVER (PARTITION BY coalesce(c.origin, c.id) ORDER BY c.run_at, c.id) AS rn
               FROM (
                 SELECT m.id, m.run_at, m.origin FROM queue_messages m
                  WHERE m.queue = ${this.#queue}
                    AND m.run_at <= ${now}
                    AND (m.locked_until IS NULL OR m.locked_until < ${now})
                    ${notExcluded}
                    AND (m.ordering_key IS NULL OR NOT EXISTS (
                          SELECT 1 FROM queue_messages o
                           WHERE o.queue = m.queue AND o.ordering_key = m.ordering_key AND o.id < m.id))
                  ORDER BY m.run_at, m.id
                  LIMIT ${scan}
                  ${skipLocked}) c) r
            WHERE r.rn = 1) p
          WHERE p.pos <= ${free} AND (p.busy = 0 OR p.pos <= ${free - reserve}))
      RETURNING id, message, ordering_key, origin, attempts, created_at`.execute(this.#db.kysely);
    // RETURNING gives no order: hand messages out oldest first (ids sort by time).
    return result.rows.map((r) => ({ ...r, attempts: Number(r.attempts) })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Extends the lease of every message this consumer is handling, in one statement. */
  async #renew(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#db.kysely
      .updateTable("queue_messages")
      .set({ locked_until: iso(this.#leaseMs) })
      .where("id", "in", ids)
      .where("locked_by", "=", this.#owner)
      .execute();
  }

  /** Moves a message this consumer holds to the dead letters (if another consumer took it meanwhile, leaves it). */
  async #bury(row: Row, attempts: number, error: string): Promise<void> {
    await this.#db.kysely.transaction().execute(async (trx) => {
      const gone = await trx.deleteFrom("queue_messages").where("id", "=", row.id).where("locked_by", "=", this.#owner).executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0) return;
      await trx
        .insertInto("dead_letters")
        .values({ id: row.id, queue: this.#queue, message: row.message, ordering_key: row.ordering_key, origin: row.origin, attempts, error, created_at: row.created_at, failed_at: iso() })
        .execute();
    });
    this.#logger.warn("A {queue} message failed {attempts} times; moved to the dead letters: {error}", { queue: this.#queue, attempts, error, id: row.id });
  }

  /** Runs one message. Never rejects: what cannot be recorded now runs again when its lease lapses. */
  async #handle(row: Row, handler: (message: unknown) => Promise<void> | void, done: Batcher<string>): Promise<void> {
    try {
      let message: unknown;
      try {
        message = JSON.parse(row.message);
      } catch {
        // JSON.parse quotes the text it chokes on: keep that (and its keys) out of logs.
        throw new Error("The message is not valid JSON");
      }
      await handler(message);
    } catch (error) {
      try {
        await this.#failed(row, errorText(error));
      } catch (recordError) {
        this.#logger.warn("Recording a failed {queue} message failed; it runs again when its lease lapses: {error}", {
          queue: this.#queue,
          id: row.id,
          error: errorText(recordError),
        });
      }
      return;
    }
    // Deleted only once handled: a crash (or a failed delete) leaves the row, and its lease runs out.
    await done.add(row.id).catch((error) => {
      this.#logger.warn("Deleting a handled {queue} message failed; it will run again: {error}", { queue: this.#queue, id: row.id, error: errorText(error) });
    });
  }

  async #failed(row: Row, error: string): Promise<void> {
    // Fedify retries deliveries and inbox work itself; this is the safety net for what escapes it.
    if (row.attempts >= this.#maxAttempts) return this.#bury(row, row.attempts, error);
    const backoff = this.#retryDelayMs(row.attempts);
    this.#logger.warn("A {queue} message failed (attempt {attempts}); retrying in {backoff} ms: {error}", {
      queue: this.#queue,
      id: row.id,
      attempts: row.attempts,
      backoff,
      error,
    });
    await this.#db.kysely
      .updateTable("queue_messages")
      .set({ run_at: iso(backoff), locked_until: null, locked_by: null })
      .where("id", "=", row.id)
      .where("locked_by", "=", this.#owner)
      .execute();
  }

  /**
   * PostgreSQL: a dedicated connection LISTENs, so enqueues in other
   * processes wake us at once. It reconnects (with backoff) whenever the
   * connection drops; the poll covers the gap.
   */
  #listenPg(signal: AbortSignal, wake: () => void): void {
    const pool = this.#db.pgPool;
    if (!pool) return;
    let client: pg.PoolClient | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const release = (c: pg.PoolClient, destroy: boolean) => {
      try {
        c.release(destroy);
      } catch {} // already released
    };
    const retry = () => {
      if (signal.aborted || timer) return;
      failures++;
      timer = setTimeout(() => {
        timer = undefined;
        void connect();
      }, backoffMs(failures));
    };
    const drop = (c: pg.PoolClient, error?: unknown) => {
      if (client !== c) return;
      client = undefined;
      release(c, true);
      if (error) this.#logger.warn("The {queue} LISTEN connection was lost; reconnecting: {error}", { queue: this.#queue, error: errorText(error) });
      retry();
    };
    const connect = async () => {
      if (signal.aborted) return;
      let c: pg.PoolClient;
      try {
        c = await pool.connect();
      } catch {
        retry();
        return;
      }
      if (signal.aborted) return release(c, false);
      client = c;
      c.on("notification", (n) => {
        if (n.payload === this.#queue) wake();
      });
      c.on("error", (error) => drop(c, error));
      c.on("end", () => drop(c));
      try {
        await c.query(`LISTEN ${CHANNEL}`);
        if (failures > 0) this.#logger.info("The {queue} LISTEN connection is back", { queue: this.#queue });
        failures = 0;
        wake(); // whatever was enqueued while we were away
      } catch (error) {
        drop(c, error);
      }
    };
    void connect();
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        const c = client;
        client = undefined;
        if (c) {
          c.query(`UNLISTEN ${CHANNEL}`).then(
            () => release(c, false),
            () => release(c, true),
          );
        }
      },
      { once: true },
    );
  }

  /**
   * Handles messages until the signal aborts, then waits for the handlers
   * still running and resolves; it never rejects. A slot is claimed as soon
   * as one is free; finished messages are deleted together, and one timer
   * renews the leases of all running ones.
   */
  async listen(handler: (message: unknown) => Promise<void> | void, options?: MessageQueueListenOptions): Promise<void> {
    const signal = options?.signal ?? new AbortController().signal;
    const running = new Map<string, Running>();
    const finished = new Batcher<string>((ids) => this.#db.kysely.deleteFrom("queue_messages").where("id", "in", ids).execute());
    // A wake-up that comes while no one waits (mid-claim) is remembered, not lost.
    let wakeUp: (() => void) | undefined;
    let woken = false;
    const waker = () => {
      woken = true;
      wakeUp?.();
    };
    this.#wakers.add(waker);
    if (this.#db.dialect === "postgres") this.#listenPg(signal, waker);
    const pollMs = this.#db.dialect === "postgres" ? Math.max(this.#pollMs, 1000) : this.#pollMs;
    let renewFailing = false;
    const renewer = setInterval(() => {
      this.#renew([...running.keys()]).then(
        () => {
          renewFailing = false;
        },
        (error) => {
          if (!renewFailing) this.#logger.warn("Renewing {queue} leases failed: {error}", { queue: this.#queue, error: errorText(error) });
          renewFailing = true;
        },
      );
    }, Math.max(50, this.#leaseMs / 3));
    const slowCount = () => [...running.values()].filter((r) => r.slow).length;
    const markSlow = (id: string, entry: Running) => {
      entry.timer = setTimeout(() => {
        if (!running.has(id)) return;
        if (slowCount() >= this.#concurrency) return markSlow(id, entry); // try again later
        entry.slow = true;
        this.#logger.info("A {queue} message has run for over {ms} ms; its slot goes to another", { queue: this.#queue, id, ms: this.#slowAfterMs });
        waker();
      }, this.#slowAfterMs);
    };
    const start = (row: Row) => {
      const entry: Running = { origin: row.origin, slow: false };
      running.set(row.id, entry);
      if (this.#slowAfterMs !== undefined) markSlow(row.id, entry);
      entry.done = this.#handle(row, handler, finished).finally(() => {
        clearTimeout(entry.timer);
        running.delete(row.id);
        waker();
      });
    };
    /** Claims into the free slots; returns how many are still free. */
    const refill = async (): Promise<number> => {
      const free = this.#concurrency - [...running.values()].filter((r) => !r.slow).length;
      if (free <= 0) return 0;
      const perOrigin = new Map<string, number>();
      const excluded = new Set<string>();
      for (const r of running.values()) {
        if (r.origin === null) continue;
        perOrigin.set(r.origin, (perOrigin.get(r.origin) ?? 0) + 1);
        if (r.slow) excluded.add(r.origin);
      }
      // A second message of an origin only while half the slots stay free for other origins and inbound work.
      const reserve = Math.ceil(this.#concurrency / 2);
      for (const [origin, n] of perOrigin) if (n >= this.#perOrigin || free <= reserve) excluded.add(origin);
      const busy = [...perOrigin.keys()].filter((o) => !excluded.has(o));
      const rows = await this.#claim(free, [...excluded], busy, reserve);
      for (const row of rows) {
        if (row.attempts > this.#maxAttempts) {
          // Claimed this often without finishing: its consumers died (or lost their leases) each time.
          const error = `Gave up after ${row.attempts - 1} attempts: its consumers stopped (crashed or lost their lease) before it finished`;
          await this.#bury(row, row.attempts - 1, error).catch((e) => {
            this.#logger.warn("Moving a {queue} message to the dead letters failed; it comes back when its lease lapses: {error}", { queue: this.#queue, id: row.id, error: errorText(e) });
          });
          continue;
        }
        start(row);
      }
      return rows.length > 0 ? free - rows.length : 0;
    };
    const wait = (ms: number, wakeable: boolean) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          if (wakeUp === done) wakeUp = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        if (wakeable) wakeUp = done;
        signal.addEventListener("abort", done, { once: true });
      });
    let failures = 0;
    try {
      while (!signal.aborted) {
        woken = false;
        let stillFree = 0;
        try {
          stillFree = await refill();
          if (failures > 0) this.#logger.info("Claiming from {queue} works again after {failures} failures", { queue: this.#queue, failures });
          failures = 0;
        } catch (error) {
          failures++;
          const pause = backoffMs(failures);
          this.#logger.warn("Claiming from {queue} failed ({failures} in a row); pausing claims for {pause} ms: {error}", {
            queue: this.#queue,
            failures,
            pause,
            error: errorText(error),
          });
          await wait(pause, false);
          continue;
        }
        if (signal.aborted) break;
        if (woken || stillFree > 0) continue;
        await wait(pollMs, true);
      }
    } finally {
      this.#wakers.delete(waker);
      await Promise.allSettled([...running.values()].map((r) => r.done));
      clearInterval(renewer);
      await finished.flush().catch((error) => {
        this.#logger.warn("Deleting handled {queue} messages failed; they will run again: {error}", { queue: this.#queue, error: errorText(error) });
      });
    }
  }
}

/**
 * Collects items and runs one statement for all those added in the same turn
 * of the event loop (500 at most per statement); each add resolves once its
 * items' statements have run, or rejects with the first that failed.
 */
class Batcher<T> {
  #items: T[] = [];
  #pending: Promise<void> | undefined;

  constructor(private readonly run: (items: T[]) => Promise<unknown>) {}

  add(item: T): Promise<void> {
    return this.addAll([item]);
  }

  addAll(items: readonly T[]): Promise<void> {
    this.#items.push(...items);
    this.#pending ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.#pending = undefined;
        void this.flush().then(resolve, reject);
      });
    });
    return this.#pending;
  }

  async flush(): Promise<void> {
    const items = this.#items;
    this.#items = [];
    for (let i = 0; i < items.length; i += 500) await this.run(items.slice(i, i + 500));
  }
}
